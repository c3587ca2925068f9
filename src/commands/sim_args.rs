//! From `confmod sim` / `confmod demo` flags and scenario files to a `SimConfig`.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::cli::SimArgs;
use crate::config::{UsageError, usage};
use crate::sim::{Faults, Scenario, ScenarioConference, SimConfig};

/// The built-in demo scenario (`assets/demo.toml`), compiled in so that
/// `confmod demo` works from any directory.
pub const DEMO_SCENARIO: &str = include_str!("../../assets/demo.toml");

/// A scenario file: the sim's scenario plus the demo's seed and churn.
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

impl ScenarioFile {
    pub fn parse(text: &str, origin: &str) -> Result<Self, UsageError> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| {
            usage(format!(
                "scenario {origin}: {}",
                crate::config::toml_error(text, &e)
            ))
        })?;
        if let Some(c) = file
            .churn
            .filter(|c| !(0.0..=1000.0).contains(c) || !c.is_finite())
        {
            return Err(usage(format!(
                "scenario {origin}: churn {c} is not between 0 and 1000"
            )));
        }
        if let Some(c) = file
            .conferences
            .iter()
            .find(|c| c.participants.is_some_and(|n| n > 50_000))
        {
            return Err(usage(format!(
                "scenario {origin}: conference '{}' has more than 50,000 participants",
                crate::sanitize::sanitize_line(&c.name, 60)
            )));
        }
        Ok(file)
    }

    pub fn read(path: &Path) -> Result<Self, UsageError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("cannot read scenario {}: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn demo() -> Result<Self, UsageError> {
        Self::parse(DEMO_SCENARIO, "assets/demo.toml")
    }

    pub fn scenario(&self) -> Scenario {
        Scenario {
            conferences: self.conferences.clone(),
            labels: self.labels.clone(),
        }
    }
}

pub fn config_from_args(args: &SimArgs) -> Result<SimConfig, UsageError> {
    let defaults = SimConfig::default();
    let scenario = match &args.scenario {
        Some(path) => Some(ScenarioFile::read(path)?.scenario()),
        None => None,
    };
    if let Some(key) = &args.api_key {
        crate::telnyx::ApiKey::new(key).map_err(|e| usage(format!("--api-key: {e}")))?;
    }
    Ok(SimConfig {
        seed: args.seed,
        conferences: args.conferences as usize,
        participants: args.participants as usize,
        api_key: args.api_key.clone().unwrap_or(defaults.api_key),
        churn: args.churn,
        rate_limit: args.rate_limit,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            fail_rate: args.fail_rate,
            hang_rate: args.hang_rate,
        },
        hostile_labels: args.hostile_labels,
        scenario,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_demo_scenario_parses() {
        let demo = ScenarioFile::demo().unwrap();
        assert!(demo.conferences.len() >= 2);
        assert!(demo.conferences[0].participants.unwrap_or(0) >= 30);
        assert!(demo.labels.len() >= 30);
        assert!(demo.churn.unwrap_or(0.0) > 0.0);
    }

    #[test]
    fn bad_scenarios_are_usage_errors() {
        assert!(ScenarioFile::parse("seed = \"x\"", "t").is_err());
        assert!(ScenarioFile::parse("colour = 1", "t").is_err());
        assert!(ScenarioFile::parse("churn = -1.0", "t").is_err());
        let huge = "[[conferences]]\nname = \"x\"\nparticipants = 60000\n";
        assert!(ScenarioFile::parse(huge, "t").is_err());
        // a misspelt key is an error, not silently ignored
        let typo = "[[conferences]]\nname = \"x\"\nparticipant = 4\n";
        let err = ScenarioFile::parse(typo, "t").unwrap_err();
        assert!(err.0.contains("line 3"), "{err}");
    }
}
