//! From `confmod sim` flags to a `SimConfig`.

use std::time::Duration;

use crate::cli::SimArgs;
use crate::config::{UsageError, usage};
use crate::sim::{Faults, ScenarioError, ScenarioFile, SimConfig};

impl From<ScenarioError> for UsageError {
    fn from(e: ScenarioError) -> Self {
        usage(e.to_string())
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
