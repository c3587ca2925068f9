//! From the flags of `confmod sim` and `confmod demo` (and their scenario
//! files) to a `SimConfig`.

use std::time::Duration;

use crate::cli::{DemoArgs, SimArgs};
use crate::error::{UsageError, usage};
use crate::sim::{self, Faults, ScenarioError, ScenarioFile, SimConfig};

impl From<ScenarioError> for UsageError {
    fn from(e: ScenarioError) -> Self {
        usage(e.to_string())
    }
}

/// Flags win over the scenario file (`seed`, `churn`), which wins over the
/// defaults.
pub fn sim_config(args: &SimArgs) -> Result<SimConfig, UsageError> {
    let defaults = SimConfig::default();
    let file = match &args.scenario {
        Some(path) => Some(ScenarioFile::read(path)?),
        None => None,
    };
    let api_key = match &args.api_key {
        Some(raw) => sim::check_api_key(raw)
            .map_err(|why| usage(format!("--api-key: {why}")))?
            .to_string(),
        None => defaults.api_key,
    };
    checked(SimConfig {
        seed: args
            .seed
            .or(file.as_ref().and_then(|f| f.seed))
            .unwrap_or(defaults.seed),
        conferences: args.conferences as usize,
        participants: args.participants as usize,
        api_key,
        churn: args
            .churn
            .or(file.as_ref().and_then(|f| f.churn))
            .unwrap_or(defaults.churn),
        rate_limit: args.rate_limit,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            fail_rate: args.fail_rate,
            hang_rate: args.hang_rate,
        },
        hostile_labels: args.hostile_labels,
        scenario: file.as_ref().map(ScenarioFile::scenario),
        connections: defaults.connections,
    })
}

/// A config whose world the sim would seed (exit 2 otherwise, before any of
/// it is built).
fn checked(config: SimConfig) -> Result<SimConfig, UsageError> {
    sim::check_size(&config).map_err(usage)?;
    Ok(config)
}

/// `confmod demo`: the built-in scenario (or `--scenario`), its first
/// conference resized by `--participants`, churn from the flag, the file, or
/// one event a second.
pub fn demo_config(args: &DemoArgs) -> Result<SimConfig, UsageError> {
    let file = match &args.scenario {
        Some(path) => ScenarioFile::read(path)?,
        None => ScenarioFile::demo()?,
    };
    let mut scenario = file.scenario();
    if let (Some(n), Some(first)) = (args.participants, scenario.conferences.first_mut()) {
        first.participants = Some(n as usize);
    }
    let defaults = SimConfig::default();
    checked(SimConfig {
        seed: file.seed.unwrap_or(defaults.seed),
        conferences: scenario.conferences.len().max(1),
        participants: args
            .participants
            .map(|n| n as usize)
            .unwrap_or(defaults.participants),
        churn: args.churn.or(file.churn).unwrap_or(1.0),
        scenario: Some(scenario),
        ..defaults
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn config(args: &[&str]) -> Result<SimConfig, UsageError> {
        let cli = Cli::try_parse_from([&["confmod", "sim"], args].concat()).unwrap();
        let Some(Command::Sim(sim)) = cli.command else {
            panic!("not the sim command");
        };
        sim_config(&sim)
    }

    fn scenario_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    #[test]
    fn flags_beat_the_scenario_file_which_beats_the_defaults() {
        let defaults = config(&[]).unwrap();
        assert_eq!((defaults.seed, defaults.churn), (7, 0.0));
        assert!(defaults.scenario.is_none());

        let dir = tempfile::tempdir().unwrap();
        let file = scenario_file(
            &dir,
            "seeded.toml",
            "seed = 99\nchurn = 2.5\n[[conferences]]\nname = \"Standup\"\n",
        );
        let from_file = config(&["--scenario", &file]).unwrap();
        assert_eq!((from_file.seed, from_file.churn), (99, 2.5));
        assert_eq!(from_file.scenario.unwrap().conferences[0].name, "Standup");

        let flags = config(&["--scenario", &file, "--seed", "3", "--churn", "0"]).unwrap();
        assert_eq!((flags.seed, flags.churn), (3, 0.0));

        let bare = scenario_file(&dir, "bare.toml", "labels = [\"Ava\"]\n");
        let bare = config(&["--scenario", &bare]).unwrap();
        assert_eq!((bare.seed, bare.churn), (7, 0.0));

        let bad = scenario_file(&dir, "bad.toml", "seed = \"x\"\n");
        let err = config(&["--scenario", &bad]).unwrap_err();
        assert!(
            err.0.starts_with("scenario ") && err.0.contains("line 1"),
            "{err}"
        );
    }

    #[test]
    fn the_world_is_bounded_in_all_not_only_per_conference() {
        assert!(config(&["--conferences", "2", "--participants", "50000"]).is_ok());
        let err = config(&["--conferences", "1000", "--participants", "50000"]).unwrap_err();
        assert!(
            err.0
                .contains("at most 100000 participants in all, not 50000000"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let three = "[[conferences]]\nparticipants = 40000\n".repeat(3);
        let file = scenario_file(&dir, "three.toml", &three);
        let err = config(&["--scenario", &file]).unwrap_err();
        assert!(err.0.contains("not 120000"), "{err}");
        // conferences without a size take --participants
        let sized = scenario_file(&dir, "sized.toml", &"[[conferences]]\n".repeat(3));
        assert!(config(&["--scenario", &sized, "--participants", "30000"]).is_ok());
        let err = config(&["--scenario", &sized, "--participants", "40000"]).unwrap_err();
        assert!(err.0.contains("not 120000"), "{err}");
        let many = scenario_file(&dir, "many.toml", &"[[conferences]]\n".repeat(1001));
        let err = config(&["--scenario", &many, "--participants", "0"]).unwrap_err();
        assert!(err.0.contains("at most 1000 conferences"), "{err}");
    }

    #[test]
    fn the_key_is_served_trimmed_and_checked() {
        assert_eq!(
            config(&["--api-key", " KEYspaced0 "]).unwrap().api_key,
            "KEYspaced0"
        );
        assert_eq!(config(&[]).unwrap().api_key, "KEYsimulator0000");
        let err = config(&["--api-key", "   "]).unwrap_err();
        assert_eq!(err.0, "--api-key: the API key is empty");
        for bad in ["KEY with space", "KEY\u{e9}"] {
            let err = config(&["--api-key", bad]).unwrap_err();
            assert!(err.0.starts_with("--api-key: "), "{err}");
            assert!(!err.0.contains("KEY"), "the key is never echoed: {err}");
        }
    }
}
