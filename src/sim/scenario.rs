//! Scenarios: a scripted world, and the TOML files that describe one (such
//! as `assets/demo.toml`, compiled in for `confmod demo`).

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use super::MAX_PARTICIPANTS;
use crate::files::{SCENARIO_FILE_LIMIT, read_small};
use crate::sanitize::sanitize_line;

/// The built-in demo scenario (`assets/demo.toml`), compiled in so that
/// `confmod demo` works from any directory.
const DEMO_SCENARIO: &str = include_str!("../../assets/demo.toml");

/// The highest churn a scenario file may ask for.
const MAX_CHURN: f64 = 1000.0;

/// A scripted world.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// The conferences, in listing order.
    pub conferences: Vec<ScenarioConference>,
    /// Participant labels used (in each conference) before generated ones.
    pub labels: Vec<String>,
}

/// One conference of a scenario: in progress unless `completed` (everyone
/// left) or `init` (nobody has finished joining: status `init`, every
/// participant `joining`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioConference {
    pub name: String,
    /// Participants; the sim's `participants` when absent.
    pub participants: Option<usize>,
    pub completed: bool,
    pub init: bool,
}

/// A scenario file: the scenario plus the seed and churn to run it with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub seed: Option<u64>,
    pub churn: Option<f64>,
    #[serde(default)]
    pub conferences: Vec<ScenarioConference>,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Why a scenario file was refused: where, and what (never its content
/// beyond a sanitized conference name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub origin: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "scenario {}: {}", self.origin, self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioFile {
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let refuse = |message: String| ScenarioError {
            origin: origin.to_string(),
            message,
        };
        let file: ScenarioFile = toml::from_str(text).map_err(|e| {
            let message = sanitize_line(e.message(), 200);
            refuse(match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: {message}")
                }
                None => message,
            })
        })?;
        if let Some(c) = file
            .churn
            .filter(|c| !(0.0..=MAX_CHURN).contains(c) || !c.is_finite())
        {
            return Err(refuse(format!(
                "churn {c} is not between 0 and {MAX_CHURN}"
            )));
        }
        let name = |c: &ScenarioConference| sanitize_line(&c.name, 60);
        for c in &file.conferences {
            if c.participants.is_some_and(|n| n > MAX_PARTICIPANTS) {
                return Err(refuse(format!(
                    "conference '{}' has more than 50,000 participants",
                    name(c)
                )));
            }
            if c.init && c.completed {
                return Err(refuse(format!(
                    "conference '{}' cannot be both init and completed",
                    name(c)
                )));
            }
        }
        Ok(file)
    }

    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        let text = read_small(path, SCENARIO_FILE_LIMIT).map_err(|e| ScenarioError {
            origin: path.display().to_string(),
            message: format!("cannot read it: {e}"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The built-in demo scenario.
    pub fn demo() -> Result<Self, ScenarioError> {
        Self::parse(DEMO_SCENARIO, "assets/demo.toml")
    }

    pub fn scenario(&self) -> Scenario {
        Scenario {
            conferences: self.conferences.clone(),
            labels: self.labels.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_demo_scenario_parses() {
        let demo = ScenarioFile::demo().unwrap();
        assert!(demo.conferences.len() >= 2);
        let first = &demo.conferences[0];
        assert!(first.participants.unwrap_or(0) >= 30);
        assert!(!first.init && !first.completed, "the demo opens the first");
        assert!(demo.conferences.iter().any(|c| c.init));
        assert!(demo.conferences.iter().any(|c| c.completed));
        assert!(demo.labels.len() >= 30);
        assert!(demo.churn.unwrap_or(0.0) > 0.0);
    }

    #[test]
    fn bad_scenarios_are_refused() {
        assert!(ScenarioFile::parse("seed = \"x\"", "t").is_err());
        assert!(ScenarioFile::parse("colour = 1", "t").is_err());
        assert!(ScenarioFile::parse("churn = -1.0", "t").is_err());
        let huge = "[[conferences]]\nname = \"x\"\nparticipants = 60000\n";
        assert!(ScenarioFile::parse(huge, "t").is_err());
        let both = "[[conferences]]\nname = \"x\"\ninit = true\ncompleted = true\n";
        let err = ScenarioFile::parse(both, "t").unwrap_err();
        assert!(err.message.contains("both init and completed"), "{err}");
        // a misspelt key is an error, not silently ignored
        let typo = "[[conferences]]\nname = \"x\"\nparticipant = 4\n";
        let err = ScenarioFile::parse(typo, "t").unwrap_err();
        assert!(err.to_string().starts_with("scenario t: line 3"), "{err}");
    }
}
