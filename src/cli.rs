//! Command-line interface: subcommands and flags (clap).

// clap prints these doc comments as `--help`, where a URL in angle brackets
// would show its brackets
#![allow(rustdoc::bare_urls)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::telnyx::{BeepEnabled, ConferenceId, ParticipantRef};

const AFTER_HELP: &str = "\
Environment:
  TELNYX_API_KEY    the API key (or --api-key-file)
  TELNYX_BASE_URL   the API base URL (default https://api.telnyx.com/v2)
  CONFMOD_CONFIG    the config file (default $XDG_CONFIG_HOME/confmod/config.toml)
  NO_COLOR          draw the console without colour

Exit codes: 0 ok, 1 API, network or audit journal error, 2 usage error,
130 or 143 update interrupted by SIGINT or SIGTERM.
Try it without an account: confmod demo";

/// A keyboard-only console for moderating live Telnyx conferences.
///
/// Without a subcommand, opens the console against the API (TELNYX_API_KEY).
#[derive(Debug, Parser)]
#[command(name = "confmod", version, propagate_version = true, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Open this conference directly instead of the picker
    #[arg(long, value_name = "ID", value_parser = parse_conference)]
    pub conference: Option<ConferenceId>,

    #[command(flatten)]
    pub console: ConsoleArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by every command that talks to the API.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// API base URL; paths are appended to it as given [env: TELNYX_BASE_URL]
    /// [default: https://api.telnyx.com/v2]
    #[arg(
        long,
        global = true,
        env = "TELNYX_BASE_URL",
        hide_env = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,

    /// Read the API key from this file instead of TELNYX_API_KEY
    #[arg(long, global = true, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,

    /// Request timeout in seconds [default: 15]
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_positive_secs)]
    pub timeout: Option<f64>,

    /// Retries after a connection error, timeout, 408, 409, 429 or 5xx [default: 2]
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10))]
    pub max_retries: Option<u32>,

    /// Config file [env: CONFMOD_CONFIG] [default: $XDG_CONFIG_HOME/confmod/config.toml]
    #[arg(
        long,
        global = true,
        env = "CONFMOD_CONFIG",
        hide_env = true,
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,

    /// Output format of one-shot commands [default: table on a terminal, json otherwise]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// Report retries and other details on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Never send a write: the console browses only, write commands refuse
    #[arg(long, global = true)]
    pub read_only: bool,

    /// The audit journal every write is appended to, and `confmod audit` reads
    /// [default: $XDG_STATE_HOME/confmod/audit.jsonl]
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_file: Option<PathBuf>,
}

/// Flags of the console (`confmod` and `confmod demo`) only.
#[derive(Debug, Clone, Default, Args)]
pub struct ConsoleArgs {
    /// Seconds between refreshes of the participant list [default: 2]
    #[arg(long, value_name = "SECS", value_parser = parse_refresh)]
    pub refresh: Option<f64>,

    /// Log file of the console [default: $XDG_STATE_HOME/confmod/confmod.log]
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

impl ConsoleArgs {
    /// The flag given, if any (for refusing it where it means nothing).
    pub fn given(&self) -> Option<&'static str> {
        if self.refresh.is_some() {
            Some("--refresh")
        } else if self.log_file.is_some() {
            Some("--log-file")
        } else {
            None
        }
    }

    /// These flags, else `outer`'s (`confmod --refresh 1 demo`).
    pub fn or(&self, outer: &ConsoleArgs) -> ConsoleArgs {
        ConsoleArgs {
            refresh: self.refresh.or(outer.refresh),
            log_file: self.log_file.clone().or_else(|| outer.log_file.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
}

/// What to run; without one, the console against the API.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console on an embedded simulator: no account, no network
    Demo(DemoArgs),
    /// Run a local fake of the Telnyx Conferences API on 127.0.0.1
    Sim(SimArgs),
    #[command(flatten)]
    Read(ReadCommand),
    #[command(flatten)]
    Write(WriteCommand),
    /// Print the audit journal: every write confmod made, oldest first
    Audit(AuditArgs),
}

/// One-shot commands that only read.
#[derive(Debug, Subcommand)]
pub enum ReadCommand {
    /// List conferences
    Conferences(ConferencesArgs),
    /// List the participants of a conference
    Participants(ParticipantsArgs),
}

/// One-shot commands that change a conference: refused in read-only mode.
#[derive(Debug, Subcommand)]
pub enum WriteCommand {
    /// Update participants (PATCH end_conference_on_exit, soft_end_conference_on_exit, beep_enabled)
    Update(UpdateArgs),
    /// Mute participants
    Mute(ActionArgs),
    /// Unmute participants
    Unmute(ActionArgs),
    /// Put participants on hold
    Hold(HoldArgs),
    /// Take participants off hold
    Unhold(ActionArgs),
    /// End a conference for everyone
    End(EndArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub console: ConsoleArgs,
    /// Participants in the main demo conference [default: from assets/demo.toml]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub participants: Option<u32>,
    /// Joins, leaves and mute changes per second [default: from assets/demo.toml]
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub churn: Option<f64>,
    /// A demo scenario file instead of the built-in assets/demo.toml
    #[arg(long, value_name = "PATH")]
    pub scenario: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// The bearer key the simulator accepts [default: KEYsimulator0000]
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Conferences to seed
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub conferences: u32,
    /// Participants per conference
    #[arg(long, default_value_t = 40, value_name = "M", value_parser = clap::value_parser!(u32).range(0..=50_000))]
    pub participants: u32,
    /// Seed of the scenario (same seed, same ids) [default: the scenario file's, else 7]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Joins, leaves and mute changes per second (0: off) [default: the scenario file's, else 0]
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub churn: Option<f64>,
    /// Requests per second before answering 429 (token bucket)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
    /// Delay before every answer, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Fraction of requests answered 500/502/503 (0..1)
    #[arg(long, default_value_t = 0.0, value_name = "F", value_parser = parse_fraction)]
    pub fail_rate: f64,
    /// Fraction of requests never answered (0..1)
    #[arg(long, default_value_t = 0.0, value_name = "F", value_parser = parse_fraction)]
    pub hang_rate: f64,
    /// Labels with escape sequences, controls, bidi overrides, wide characters, 300-char names
    #[arg(long)]
    pub hostile_labels: bool,
    /// The world from a scenario file (as assets/demo.toml): conferences, labels, seed, churn
    #[arg(long, value_name = "PATH")]
    pub scenario: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Only writes to this conference
    #[arg(long, value_name = "ID", value_parser = parse_conference)]
    pub conference: Option<ConferenceId>,
    /// Only writes since then: a duration back (90s, 15m, 2h, 3d, 1w) or an
    /// RFC 3339 time (2026-12-01T09:00:00Z)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ConferencesArgs {
    /// Only conferences with this status
    #[arg(long, value_parser = ["init", "in_progress", "completed"])]
    pub status: Option<String>,
    /// Only conferences with exactly this name (case-sensitive)
    #[arg(long, value_parser = parse_name)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ParticipantFilterArgs {
    /// Only participants who are (true) or are not (false) muted
    #[arg(long, value_name = "BOOL")]
    pub muted: Option<bool>,
    /// Only participants who are (true) or are not (false) on hold
    #[arg(long, value_name = "BOOL")]
    pub on_hold: Option<bool>,
}

#[derive(Debug, Clone, Args)]
pub struct ParticipantsArgs {
    /// Conference id (a UUID)
    #[arg(value_parser = parse_conference)]
    pub conference: ConferenceId,
    #[command(flatten)]
    pub filter: ParticipantFilterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Conference id (a UUID)
    #[arg(value_parser = parse_conference)]
    pub conference: ConferenceId,
    /// Participant ids or labels
    #[arg(required_unless_present = "all", conflicts_with = "all", value_parser = parse_participant)]
    pub participants: Vec<ParticipantRef>,
    /// Update every participant of the conference (narrowed by --muted / --on-hold)
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub filter: ParticipantFilterArgs,
    /// End the conference when this participant leaves
    #[arg(long, value_name = "BOOL")]
    pub end_conference_on_exit: Option<bool>,
    /// Soft-end the conference when this participant leaves
    #[arg(long, value_name = "BOOL")]
    pub soft_end_conference_on_exit: Option<bool>,
    /// Entry/exit beeps: always, never, on_enter or on_exit
    #[arg(long, value_name = "WHEN", value_parser = parse_beep)]
    pub beep_enabled: Option<BeepEnabled>,
    /// Updates in flight at once [default: concurrency of the config file, else 8]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct ActionArgs {
    /// Conference id (a UUID)
    #[arg(value_parser = parse_conference)]
    pub conference: ConferenceId,
    /// Participant ids, labels or call_control_ids (v3:...)
    #[arg(required = true, value_parser = parse_participant)]
    pub participants: Vec<ParticipantRef>,
}

#[derive(Debug, Clone, Args)]
pub struct HoldArgs {
    #[command(flatten)]
    pub who: ActionArgs,
    /// Play this audio file to them [default: hold_audio_url of the config file]
    #[arg(long, value_name = "URL", conflicts_with = "media_name")]
    pub audio_url: Option<String>,
    /// Play this file of the Telnyx media storage [default: hold_media_name of the config file]
    #[arg(long, value_name = "NAME")]
    pub media_name: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct EndArgs {
    /// Conference id (a UUID)
    #[arg(value_parser = parse_conference)]
    pub conference: ConferenceId,
    /// Confirm: this hangs up every participant
    #[arg(long)]
    pub yes: bool,
}

fn parse_conference(s: &str) -> Result<ConferenceId, String> {
    s.parse()
        .map_err(|e: crate::telnyx::InvalidId| e.to_string())
}

fn parse_participant(s: &str) -> Result<ParticipantRef, String> {
    ParticipantRef::parse(s).map_err(|e| e.to_string())
}

/// The longest conference name a filter takes.
const MAX_NAME: usize = 512;

fn parse_name(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("an empty name".into())
    } else if s.len() > MAX_NAME {
        Err(format!("a name of {} bytes (at most {MAX_NAME})", s.len()))
    } else if s.chars().any(char::is_control) {
        Err("a name with control characters".into())
    } else {
        Ok(s.to_string())
    }
}

fn parse_beep(s: &str) -> Result<BeepEnabled, String> {
    s.parse::<BeepEnabled>().map_err(|e| e.to_string())
}

fn parse_number(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("'{s}' is not a number"))
}

fn parse_positive_secs(s: &str) -> Result<f64, String> {
    let v = parse_number(s)?;
    if v > 0.0 && v <= 600.0 {
        Ok(v)
    } else {
        Err("must be more than 0 and at most 600 seconds".into())
    }
}

fn parse_refresh(s: &str) -> Result<f64, String> {
    let v = parse_number(s)?;
    if (0.5..=3600.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0.5 and 3600 seconds".into())
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let v = parse_number(s)?;
    if (0.0..=1000.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 1000 per second".into())
    }
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    let v = parse_number(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be a fraction between 0 and 1".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn update_takes_official_flag_names() {
        let cli = Cli::try_parse_from([
            "confmod",
            "update",
            "3FA85F6457174562B3FC2C963F66AFA6",
            "p1",
            "v3:abc",
            "--end-conference-on-exit",
            "false",
            "--beep-enabled",
            "on_exit",
        ])
        .unwrap();
        let Some(Command::Write(WriteCommand::Update(u))) = cli.command else {
            panic!("not update")
        };
        assert_eq!(
            u.conference.to_string(),
            "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert_eq!(
            u.participants,
            [
                ParticipantRef::Label("p1".into()),
                ParticipantRef::CallControlId("v3:abc".into())
            ]
        );
        assert_eq!(u.end_conference_on_exit, Some(false));
        assert_eq!(u.beep_enabled, Some(BeepEnabled::OnExit));
    }

    #[test]
    fn console_flags_belong_to_the_console_and_the_demo() {
        let help = Cli::command()
            .find_subcommand_mut("sim")
            .expect("sim")
            .render_long_help()
            .to_string();
        for flag in ["--refresh <SECS>", "--log-file <PATH>", "--conference <ID>"] {
            assert!(!help.contains(flag), "sim --help lists {flag}");
        }
        let cli = Cli::try_parse_from(["confmod", "demo", "--refresh", "1"]).unwrap();
        let Some(Command::Demo(demo)) = cli.command else {
            panic!("not demo")
        };
        assert_eq!(demo.console.refresh, Some(1.0));
        let outer = Cli::try_parse_from(["confmod", "--refresh", "3", "sim"]).unwrap();
        assert_eq!(outer.console.given(), Some("--refresh"));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        const C: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        for args in [
            &["confmod", "update", C, "p", "--beep-enabled", "loud"][..],
            &["confmod", "update", C, "p", "--all"],
            &["confmod", "update", C],
            &[
                "confmod",
                "update",
                "all-hands",
                "p",
                "--beep-enabled",
                "never",
            ],
            &["confmod", "update", C, " ", "--beep-enabled", "never"],
            &["confmod", "participants", C, "--muted", "maybe"],
            &["confmod", "participants", "c"],
            &["confmod", "mute", C],
            &["confmod", "--conference", "x"],
            &["confmod", "--timeout", "0", "conferences"],
            &["confmod", "sim", "--fail-rate", "2"],
            &["confmod", "sim", "--refresh", "2"],
            &["confmod", "sim", "--log-file", "x"],
            &["confmod", "conferences", "--refresh", "2"],
            &["confmod", "update", C, "..", "--beep-enabled", "never"],
            &["confmod", "conferences", "--name", ""],
            &["confmod", "conferences", "--name", "a\u{1b}[2J"],
            &["confmod", "conferences", "--name", &"n".repeat(513)],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
