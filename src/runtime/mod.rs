//! The only impure part of the console: owns the terminal, turns terminal
//! events, answers and timers into `Msg`s, runs `Effect`s as background tasks,
//! and draws when the model changed.
//!
//! `mod.rs` starts a console (`confmod`, `confmod demo`); `terminal.rs` sets
//! the terminal up and restores it on every exit path; `event_loop.rs` is the
//! loop; `effects.rs` is the one effect interpreter.

mod effects;
mod event_loop;
pub mod terminal;

use std::io::{self, IsTerminal, Write};
use std::net::{Ipv4Addr, SocketAddr};

use crate::app::Context;
use crate::cli::DemoArgs;
use crate::config::{self, ProcessEnv, Settings};
use crate::error::{Error, usage};
use crate::files;
use crate::sanitize::sanitize_line;
use crate::sim;
use crate::telnyx::{ApiKey, Client, ClientConfig, ConferenceId};
use event_loop::console;
pub use event_loop::run_headless;

/// `confmod [--conference ID]`: the console against the configured API.
pub async fn run_console(
    settings: &Settings,
    conference: Option<ConferenceId>,
) -> Result<(), Error> {
    // Everything that can be wrong with the input is said before the
    // terminal is touched.
    let key = config::api_key(settings, &ProcessEnv)?;
    let client = Client::new(&settings.client_config(key)).map_err(|e| usage(e.to_string()))?;
    require_terminal()?;
    let ctx = context(settings, &client, false);
    console(client, ctx, conference, settings).await
}

/// `confmod demo`: the console on an embedded simulator.
pub async fn run_demo(settings: &Settings, args: &DemoArgs) -> Result<(), Error> {
    let sim_config = config::demo_config(args)?;
    require_terminal()?;
    let sim = sim::spawn(sim_config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(Error::Sim)?;
    let result = demo_console(settings, &sim).await;
    sim.shutdown().await;
    result
}

async fn demo_console(settings: &Settings, sim: &sim::SimHandle) -> Result<(), Error> {
    // The sim's own key and its first conference: both are the sim's making,
    // so a failure to use them is a defect, reported with its cause.
    let bad_sim = |what: String| Error::Sim(std::io::Error::other(what));
    let key = ApiKey::new(sim.api_key()).map_err(|e| bad_sim(e.to_string()))?;
    // the settings' client, pointed at the embedded sim
    let client_config = ClientConfig {
        base_url: sim.base_url().to_string(),
        ..settings.client_config(key)
    };
    let client = Client::new(&client_config).map_err(|e| bad_sim(e.to_string()))?;
    let main = ConferenceId::from_api(&sim.sample_conference())
        .ok_or_else(|| bad_sim("the demo conference has no UUID".into()))?;
    let ctx = context(settings, &client, true);
    console(client, ctx, Some(main), settings).await
}

/// The console needs a terminal on stdin and stdout that can draw a full
/// screen: one that says it cannot (`TERM=dumb`, or no `TERM` at all) is
/// refused before anything is written to it.
fn require_terminal() -> Result<(), Error> {
    if !(io::stdout().is_terminal() && io::stdin().is_terminal()) {
        return Err(usage(
            "the console needs a terminal; from scripts use the one-shot commands (confmod --help)",
        )
        .into());
    }
    let term = std::env::var_os("TERM").unwrap_or_default();
    if term.is_empty() || term == "dumb" {
        let which = if term.is_empty() {
            "TERM is not set"
        } else {
            "TERM is dumb"
        };
        return Err(usage(format!(
            "the console needs a terminal that can draw a full screen ({which}); from scripts use the one-shot commands (confmod --help)"
        ))
        .into());
    }
    Ok(())
}

fn context(settings: &Settings, client: &Client, demo: bool) -> Context {
    Context {
        api_host: sanitize_line(&client.host(), 60),
        demo,
        read_only: settings.read_only,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        refresh: settings.refresh,
        concurrency: settings.concurrency as usize,
        hold_music: settings.hold_music.clone(),
        api_base: client.base_url().to_string(),
    }
}

/// Logs go to a file, never to the screen, opened safely
/// ([`files::open_private`]: never through a symbolic link, created `0600`, the
/// default directory private). A log file that cannot be opened so costs the
/// logs, not the console: it is said once on stderr, before the terminal is
/// taken (it shows again when the console ends).
pub(super) fn init_logging(settings: &Settings) {
    let path = &settings.log_file;
    let file = match files::open_private(path, files::place(settings.log_file_default)) {
        Ok(file) => file,
        Err(why) => {
            let why = sanitize_line(&why.to_string(), 300);
            let _ = writeln!(
                io::stderr(),
                "confmod: logging off: cannot open the log file safely: {why}"
            );
            return;
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONFMOD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}
