//! The event loop: `tokio::select!` over terminal events, answers, timers
//! that exist only while something is due, and signals.

use std::io::{self, Stdout};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal;
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::effects::perform;
use super::init_logging;
use super::terminal::{install_panic_hook, setup_terminal};
use crate::app::{self, Context, Effect, Model, Msg};
use crate::config::Settings;
use crate::error::Error;
use crate::sanitize::sanitize_line;
use crate::telnyx::{Client, ConferenceId, RetryNotice};

/// The shortest time between two frames (about 60 per second at most).
const FRAME: Duration = Duration::from_millis(16);
/// The shortest sleep between two wakes: a deadline already past (a bug)
/// must not turn the loop into a busy one.
const MIN_WAKE: Duration = Duration::from_millis(4);

pub(crate) async fn console(
    client: Client,
    ctx: Context,
    conference: Option<ConferenceId>,
    settings: &Settings,
) -> Result<(), Error> {
    init_logging(settings);
    tracing::info!(api = %ctx.api_host, demo = ctx.demo, "console starting");
    install_panic_hook();
    let (_guard, mut terminal) = setup_terminal().map_err(Error::Terminal)?;
    let size = terminal::size().unwrap_or((80, 24));
    let mut model = Model::new(ctx, OffsetDateTime::now_utc(), size);
    let result = event_loop(&mut terminal, &mut model, client, conference).await;
    tracing::info!("console stopped");
    result.map_err(Error::Terminal)
}

/// Runs the effects `update` asked for: each as a background task that
/// answers over the channel. `true` when one of them is `Quit`.
fn run_effects(
    effects: Vec<Effect>,
    client: &Client,
    tx: &mpsc::UnboundedSender<Msg>,
    tasks: &mut JoinSet<()>,
) -> bool {
    let mut quit = false;
    for effect in effects {
        if effect == Effect::Quit {
            quit = true;
            continue;
        }
        let (client, tx) = (client.clone(), tx.clone());
        tasks.spawn(async move {
            if let Some(msg) = perform(&client, effect).await {
                let _ = tx.send(msg);
            }
        });
    }
    quit
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
    conference: Option<ConferenceId>,
) -> io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let retry_tx = tx.clone();
    let client = client.with_retry_hook(Arc::new(move |n: &RetryNotice| {
        let _ = retry_tx.send(Msg::Retrying(sanitize_line(&n.short(), 120)));
    }));
    let mut tasks = JoinSet::new();
    let mut quit = run_effects(app::init(model, conference), &client, &tx, &mut tasks);

    let mut events = EventStream::new();
    let mut signals = Signals::new()?;
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        let frame_due = last_draw.map_or(Instant::now(), |t| t + FRAME);
        if dirty && frame_due <= Instant::now() {
            terminal.draw(|f| crate::view::view(model, f))?;
            dirty = false;
            last_draw = Some(Instant::now());
        }
        if quit {
            break;
        }
        let deadline = model
            .next_deadline()
            .map(|at| instant_at(at).max(Instant::now() + MIN_WAKE));
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
        quit = run_effects(effects, &client, &tx, &mut tasks);
        dirty = true;
    }
    tasks.abort_all();
    Ok(())
}

/// SIGTERM, SIGHUP and SIGQUIT end the console the same way `q` does.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    quit: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.int.recv() => {}
            _ = self.quit.recv() => {}
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
