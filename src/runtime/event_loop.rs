//! The event loop: `tokio::select!` over terminal events, answers, timers
//! that exist only while something is due, and signals.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::effects::perform;
use super::init_logging;
use super::terminal::{install_panic_hook, setup_terminal};
use crate::app::{self, Context, Effect, Exchanged, Model, Msg};
use crate::audit::{Journal, Origin, last_beeps};
use crate::config::Settings;
use crate::error::Error;
use crate::sanitize::sanitize_line;
use crate::telnyx::{Client, ConferenceId, Exchange, RetryNotice};

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
    let shell = Shell {
        terminal: &mut terminal,
        events: EventStream::new(),
        signals: Some(Signals::new().map_err(Error::Terminal)?),
        clipboard: true,
        watch: None,
    };
    let result = event_loop(shell, &mut model, client, conference, settings).await;
    tracing::info!("console stopped");
    result.map_err(Error::Terminal)
}

/// The console without a terminal, for tests that drive the real runtime:
/// `events` are its key presses and resizes (the console quits when they end
/// or on `q`), it draws on an in-memory screen of `size`, and `watch` sees
/// the model after every batch of messages. Gives the model as the console
/// left it. No logging, no signals, no clipboard; the audit journal is
/// `settings.audit_file`, as in the console.
pub async fn run_headless(
    client: Client,
    ctx: Context,
    conference: Option<ConferenceId>,
    settings: &Settings,
    size: (u16, u16),
    events: impl Stream<Item = Event> + Unpin,
    watch: impl FnMut(&Model) + Send,
) -> io::Result<Model> {
    let mut terminal = Terminal::new(ratatui::backend::TestBackend::new(size.0, size.1))
        .map_err(io::Error::other)?;
    let mut model = Model::new(ctx, OffsetDateTime::now_utc(), size);
    let shell = Shell {
        terminal: &mut terminal,
        events: events.map(Ok),
        signals: None,
        clipboard: false,
        watch: Some(Box::new(watch)),
    };
    event_loop(shell, &mut model, client, conference, settings).await?;
    Ok(model)
}

/// Sees the model after every batch of messages.
type Watch<'a> = dyn FnMut(&Model) + Send + 'a;

/// What the event loop runs in: a terminal (real or in memory), its events,
/// and the rest of the outside world.
struct Shell<'a, B: Backend, E> {
    terminal: &'a mut Terminal<B>,
    events: E,
    /// SIGTERM and the like end the console (not in tests).
    signals: Option<Signals>,
    /// `y`/`Y` write OSC 52 to stdout (not in tests).
    clipboard: bool,
    /// Sees the model after every batch (tests).
    watch: Option<Box<Watch<'a>>>,
}

/// Runs the effects `update` asked for: each as a background task that
/// answers over the channel. `true` when one of them is `Quit`.
fn run_effects(
    effects: Vec<Effect>,
    client: &Client,
    journal: Option<&Arc<Journal>>,
    tx: &mpsc::UnboundedSender<Msg>,
    tasks: &mut JoinSet<()>,
    clipboard: bool,
) -> bool {
    let mut quit = false;
    for effect in effects {
        match effect {
            Effect::Quit => {
                quit = true;
                continue;
            }
            Effect::Copy(text) => {
                if clipboard {
                    copy_to_clipboard(&text);
                }
                continue;
            }
            _ => {}
        }
        let (client, tx, journal) = (client.clone(), tx.clone(), journal.cloned());
        tasks.spawn(async move {
            for msg in perform(&client, journal.as_deref(), effect).await {
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

async fn event_loop<B, E>(
    shell: Shell<'_, B, E>,
    model: &mut Model,
    client: Client,
    conference: Option<ConferenceId>,
    settings: &Settings,
) -> io::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    let Shell {
        terminal,
        mut events,
        mut signals,
        clipboard,
        mut watch,
    } = shell;
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let retry_tx = tx.clone();
    let rate_tx = tx.clone();
    let client = client
        .with_retry_hook(Arc::new(move |n: &RetryNotice| {
            let _ = retry_tx.send(Msg::Retrying(sanitize_line(&n.short(), 120)));
        }))
        .with_observer(Arc::new(move |x: &Exchange<'_>| {
            if let Some(rate) = x.rate {
                let _ = rate_tx.send(Msg::RateLimit(rate));
            }
            let record = exchanged(x);
            tracing::info!(
                target: "confmod::activity",
                method = %record.method,
                path = %record.path,
                status = record.status,
                latency_ms = record.latency.as_millis() as u64,
                attempt = record.attempt,
                error = record.error.as_deref(),
                "request"
            );
            let _ = rate_tx.send(Msg::Exchanged(Box::new(record)));
        }));
    let journal = open_journal(settings, &client, model.ctx.demo, &tx);
    let mut tasks = JoinSet::new();
    let mut quit = run_effects(
        app::init(model, conference),
        &client,
        journal.as_ref(),
        &tx,
        &mut tasks,
        clipboard,
    );

    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        let frame_due = last_draw.map_or(Instant::now(), |t| t + FRAME);
        if dirty && frame_due <= Instant::now() {
            terminal
                .draw(|f| crate::view::view(model, f))
                .map_err(io::Error::other)?;
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
            _ = next_signal(&mut signals) => break,
        }
        while let Ok(msg) = rx.try_recv() {
            msgs.push(msg);
        }
        while tasks.try_join_next().is_some() {}
        let mut effects = app::update(model, Msg::Tick(OffsetDateTime::now_utc()));
        let listed = msgs
            .iter()
            .any(|m| matches!(m, Msg::ParticipantsLoaded { .. }));
        for msg in msgs {
            effects.extend(app::update(model, msg));
        }
        if listed {
            give_back_freed_memory();
        }
        quit = run_effects(
            effects,
            &client,
            journal.as_ref(),
            &tx,
            &mut tasks,
            clipboard,
        );
        dirty = true;
        if let Some(watch) = watch.as_mut() {
            watch(model);
        }
    }
    // a write whose answer is on its way is recorded if it comes soon
    if !model.pending.is_empty() || model.ending.is_some() {
        let _ = tokio::time::timeout(QUIT_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
    }
    tasks.abort_all();
    Ok(())
}

/// How long quitting waits for the answers of writes in flight (so the
/// journal records them).
const QUIT_GRACE: Duration = Duration::from_secs(3);

/// Opens the audit journal, and reads in the background the beep settings
/// it knows. A journal that cannot be opened costs the record, not the
/// console: the operator is told, and the header says so.
fn open_journal(
    settings: &Settings,
    client: &Client,
    demo: bool,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Option<Arc<Journal>> {
    let origin = Origin::new(if demo { "demo" } else { "console" }, &client.host());
    let path = settings.audit_file.clone();
    let host = origin.api_host.clone();
    let reader_tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let beeps = last_beeps(&path, &host).map_err(|e| e.to_string());
        let _ = reader_tx.send(Msg::JournalRead(beeps));
    });
    match Journal::open(&settings.audit_file, settings.audit_file_default, origin) {
        Ok(journal) => Some(Arc::new(journal)),
        Err(e) => {
            let _ = tx.send(Msg::JournalFailed(e.to_string()));
            None
        }
    }
}

/// Bytes of a response body the activity log keeps: little of a listing
/// page (its first items say what it is), more of anything else.
const KEPT_LISTING: usize = 4 << 10;
const KEPT_BODY: usize = 16 << 10;

/// One attempt, as the activity log keeps it: bounded, sanitized, never the
/// key (the observer sees no header).
fn exchanged(x: &Exchange<'_>) -> Exchanged {
    let keep = if *x.method == reqwest::Method::GET {
        KEPT_LISTING
    } else {
        KEPT_BODY
    };
    let text = |bytes: &[u8], max: usize| {
        let cut = &bytes[..bytes.len().min(max)];
        crate::sanitize::sanitize_text(&String::from_utf8_lossy(cut))
    };
    Exchanged {
        method: x.method.to_string(),
        path: sanitize_line(x.path, 400),
        attempt: x.attempt,
        status: x.status,
        latency: x.latency,
        error: x.error.map(|e| e.summary()),
        request_body: x.request_body.map(|b| text(b, KEPT_BODY)),
        response_body: text(x.response_body, keep),
        cut: x.response_body.len() > keep,
    }
}

/// Puts `text` on the clipboard of the terminal the operator sits at, with
/// OSC 52 (which travels over SSH). The text is a participant's id or
/// call_control_id; anything a terminal could read as a control goes first.
fn copy_to_clipboard(text: &str) {
    use std::io::Write as _;
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() && !crate::sanitize::is_invisible_format(*c))
        .collect();
    let sequence = format!("\x1b]52;c;{}\x07", base64(clean.as_bytes()));
    let mut out = io::stdout().lock();
    let _ = out
        .write_all(sequence.as_bytes())
        .and_then(|()| out.flush());
}

/// Standard base64 (RFC 4648), for OSC 52.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SIGTERM, SIGHUP and SIGQUIT end the console the same way `q` does.
/// The next signal, or never without any.
async fn next_signal(signals: &mut Option<Signals>) {
    match signals {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

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

/// Returns to the system the memory a refresh freed. A refresh of 50,000
/// participants allocates and frees a few million small blocks among the
/// ones the console keeps (its rows, its activity log); glibc's allocator
/// keeps the pages those freed blocks held, and the console's resident
/// memory grows to about twice what it uses (110 MB against 60 MB). This
/// walks the free blocks and hands their whole pages back, once a refresh,
/// a few milliseconds.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free; it
    // touches no block in use and is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_is_rfc_4648() {
        for (raw, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("v3:MdI9", "djM6TWRJOQ=="),
        ] {
            assert_eq!(base64(raw.as_bytes()), encoded, "{raw}");
        }
    }
}
