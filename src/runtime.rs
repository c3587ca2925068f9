//! The only impure loop: owns the terminal, turns terminal events, answers
//! and timers into `Msg`s, runs `Effect`s as background tasks, and draws
//! when the model changed.

use std::io::{self, IsTerminal, Stdout};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute, terminal};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::app::{self, Context, Effect, Model, Msg};
use crate::cli::DemoArgs;
use crate::commands::CmdError;
use crate::commands::sim_args::ScenarioFile;
use crate::config::{self, ProcessEnv, Settings, usage};
use crate::sanitize::sanitize_line;
use crate::sim::{self, SimConfig};
use crate::telnyx::{
    ApiKey, Client, ClientConfig, ConferenceFilter, ConferenceStatus, ParticipantFilter,
    RetryNotice,
};

/// The shortest time between two frames (about 60 per second at most).
const FRAME: Duration = Duration::from_millis(16);
/// Label lookups in flight at once.
const LABEL_CONCURRENCY: usize = 4;

/// `confmod [--conference ID]`: the console against the configured API.
pub fn run_console(settings: &Settings, conference: Option<&str>) -> Result<(), CmdError> {
    // Everything that can be wrong with the input is said before the
    // terminal is touched.
    let key = config::api_key(settings, &ProcessEnv)?;
    let conference = conference.map(config::conference_id).transpose()?;
    let client = Client::new(&settings.client_config(key)).map_err(|e| usage(e.to_string()))?;
    require_terminal()?;
    let ctx = context(settings, &client, false);
    let rt = tokio_runtime()?;
    rt.block_on(console(client, ctx, conference, settings))
}

/// `confmod demo`: the console on an embedded simulator.
pub fn run_demo(settings: &Settings, args: &DemoArgs) -> Result<(), CmdError> {
    let file = match &args.scenario {
        Some(path) => ScenarioFile::read(path)?,
        None => ScenarioFile::demo()?,
    };
    let mut scenario = file.scenario();
    if let (Some(n), Some(first)) = (args.participants, scenario.conferences.first_mut()) {
        first.participants = Some(n as usize);
    }
    let defaults = SimConfig::default();
    let sim_config = SimConfig {
        seed: file.seed.unwrap_or(defaults.seed),
        conferences: scenario.conferences.len().max(1),
        participants: args
            .participants
            .map(|n| n as usize)
            .unwrap_or(defaults.participants),
        churn: args.churn.or(file.churn).unwrap_or(1.0),
        scenario: Some(scenario),
        ..defaults
    };
    require_terminal()?;
    let rt = tokio_runtime()?;
    rt.block_on(async {
        let sim = sim::spawn(sim_config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| CmdError::Other(format!("cannot start the demo simulator: {e}")))?;
        let key = ApiKey::new(sim.api_key()).map_err(|e| CmdError::Other(e.to_string()))?;
        let client_config = ClientConfig {
            timeout: settings.timeout,
            max_retries: settings.max_retries,
            ..ClientConfig::new(sim.base_url(), key)
        };
        let client = Client::new(&client_config).map_err(|e| CmdError::Other(e.to_string()))?;
        let ctx = context(settings, &client, true);
        let main = sim.sample_conference();
        let result = console(client, ctx, Some(main), settings).await;
        sim.shutdown().await;
        result
    })
}

fn require_terminal() -> Result<(), CmdError> {
    if io::stdout().is_terminal() && io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(usage(
            "the console needs a terminal; from scripts use the one-shot commands (confmod --help)",
        )
        .into())
    }
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, CmdError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CmdError::Other(format!("cannot start the async runtime: {e}")))
}

fn context(settings: &Settings, client: &Client, demo: bool) -> Context {
    Context {
        api_host: sanitize_line(&client.host(), 60),
        demo,
        read_only: settings.read_only,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        refresh: settings.refresh,
    }
}

/// Logs go to a file, never to the screen. A log file that cannot be opened
/// costs the logs, not the console.
fn init_logging(settings: &Settings) {
    let path = &settings.log_file;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONFMOD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}

// ---- the terminal -------------------------------------------------------------

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

/// Restores the terminal when dropped: on return, on error and on unwind.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// A panic anywhere (a background task included) restores the terminal first,
/// then reports, then ends the process: the console never keeps running on a
/// terminal it no longer owns.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
        std::process::exit(101);
    }));
}

fn setup_terminal() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
    terminal::enable_raw_mode()?;
    let guard = TerminalGuard;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
    let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((guard, terminal))
}

async fn console(
    client: Client,
    ctx: Context,
    conference: Option<String>,
    settings: &Settings,
) -> Result<(), CmdError> {
    init_logging(settings);
    tracing::info!(api = %ctx.api_host, demo = ctx.demo, "console starting");
    install_panic_hook();
    let (_guard, mut terminal) = setup_terminal()
        .map_err(|e| CmdError::Other(format!("cannot set up the terminal: {e}")))?;
    let size = terminal::size().unwrap_or((80, 24));
    let mut model = Model::new(ctx, OffsetDateTime::now_utc(), size);
    let result = event_loop(&mut terminal, &mut model, client, conference.as_deref()).await;
    tracing::info!("console stopped");
    result.map_err(|e| CmdError::Other(format!("terminal: {e}")))
}

/// Converts a model deadline (wall clock) to a timer instant.
fn instant_at(at: OffsetDateTime) -> Instant {
    let d = at - OffsetDateTime::now_utc();
    if d.is_negative() {
        Instant::now()
    } else {
        Instant::now() + d.unsigned_abs()
    }
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    model: &mut Model,
    client: Client,
    conference: Option<&str>,
) -> io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let retry_tx = tx.clone();
    let client = client.with_retry_hook(Arc::new(move |n: &RetryNotice| {
        let _ = retry_tx.send(Msg::Retrying(sanitize_line(&n.short(), 120)));
    }));
    let runner = Runner {
        client,
        tx,
        labels: Arc::new(Semaphore::new(LABEL_CONCURRENCY)),
    };
    let mut tasks = JoinSet::new();
    for effect in app::init(model, conference) {
        runner.spawn(&mut tasks, effect);
    }

    let mut events = EventStream::new();
    let mut signals = Signals::new()?;
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        let frame_due = last_draw.map_or(Instant::now(), |t| t + FRAME);
        if dirty && frame_due <= Instant::now() {
            terminal.draw(|f| crate::view::view(model, f))?;
            // Test-only fault hook (debug builds only): tests/e2e.rs checks
            // that a panic restores the terminal before it is reported.
            #[cfg(debug_assertions)]
            if std::env::var_os("CONFMOD_TEST_PANIC").is_some() {
                panic!("CONFMOD_TEST_PANIC: forced panic for tests");
            }
            dirty = false;
            last_draw = Some(Instant::now());
        }
        if model.quit {
            break;
        }
        let deadline = model.next_deadline().map(instant_at);
        let wake = match (deadline, dirty.then_some(frame_due)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut msgs = Vec::new();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => msgs.push(Msg::Key(key)),
                Some(Ok(Event::Resize(w, h))) => msgs.push(Msg::Resize(w, h)),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(msg) = rx.recv() => msgs.push(msg),
            _ = tokio::time::sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {}
            _ = signals.next() => break,
        }
        while let Ok(msg) = rx.try_recv() {
            msgs.push(msg);
        }
        while tasks.try_join_next().is_some() {}
        let mut effects = app::update(model, Msg::Tick(OffsetDateTime::now_utc()));
        for msg in msgs {
            effects.extend(app::update(model, msg));
        }
        for effect in effects {
            runner.spawn(&mut tasks, effect);
        }
        dirty = true;
    }
    tasks.abort_all();
    Ok(())
}

/// SIGTERM and SIGHUP end the console the same way `q` does.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.int.recv() => {}
        }
    }

    #[cfg(not(unix))]
    fn new() -> io::Result<Self> {
        Ok(Signals {})
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs effects as tasks that answer over the channel. Tasks own no state.
struct Runner {
    client: Client,
    tx: mpsc::UnboundedSender<Msg>,
    labels: Arc<Semaphore>,
}

impl Runner {
    fn spawn(&self, tasks: &mut JoinSet<()>, effect: Effect) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::Quit => {}
            Effect::LoadConferences { seq } => {
                tasks.spawn(async move {
                    let filter = ConferenceFilter {
                        status: Some(ConferenceStatus::InProgress),
                        name: None,
                    };
                    let result = client.list_conferences(&filter).await;
                    let _ = tx.send(Msg::ConferencesLoaded { seq, result });
                });
            }
            Effect::LoadConference { seq, conference_id } => {
                tasks.spawn(async move {
                    let result = client.get_conference(&conference_id).await;
                    let _ = tx.send(Msg::ConferenceLoaded {
                        seq,
                        conference_id,
                        result,
                    });
                });
            }
            Effect::LoadParticipants { seq, conference_id } => {
                tasks.spawn(async move {
                    let result = client
                        .list_participants(&conference_id, &ParticipantFilter::default())
                        .await;
                    let _ = tx.send(Msg::ParticipantsLoaded {
                        seq,
                        conference_id,
                        result,
                    });
                });
            }
            Effect::LoadLabel {
                conference_id,
                participant_id,
            } => {
                let labels = self.labels.clone();
                tasks.spawn(async move {
                    let Ok(_permit) = labels.acquire_owned().await else {
                        return;
                    };
                    let result = client
                        .get_participant(&conference_id, &participant_id)
                        .await
                        .map(|p| p.label);
                    let _ = tx.send(Msg::LabelLoaded {
                        conference_id,
                        participant_id,
                        result,
                    });
                });
            }
            Effect::Patch {
                seq,
                conference_id,
                participant_id,
                update,
            } => {
                tasks.spawn(async move {
                    let result = client
                        .update_participant(&conference_id, &participant_id, &update)
                        .await;
                    let _ = tx.send(Msg::Patched {
                        seq,
                        conference_id,
                        participant_id,
                        result,
                    });
                });
            }
            Effect::Action {
                seq,
                conference_id,
                participant_id,
                action,
                call_control_ids,
            } => {
                tasks.spawn(async move {
                    let result = client
                        .participant_action(&conference_id, action, &call_control_ids)
                        .await;
                    let _ = tx.send(Msg::ActionDone {
                        seq,
                        conference_id,
                        participant_id,
                        action,
                        result,
                    });
                });
            }
        }
    }
}
