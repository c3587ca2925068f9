//! Chaos soak: a scripted operator drives the real runtime (the event loop,
//! the effects, the client, the journal; no terminal) for a few hundred
//! random edits, mutes, holds and changes to many, against a sim of 2,000
//! participants with churn, 10% faults, hangs and a rate limit. At the end,
//! with the world held still: every write the server took is what the sim
//! holds, every write that failed was reported in the activity log, no row
//! is left pending, and the console's table equals the sim's list. Also on
//! the real runtime: a server restart, and quitting with a write in flight.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use confmod::app::{Context, Logged, Model, Overlay};
use confmod::cli::{ConsoleArgs, GlobalArgs};
use confmod::config;
use confmod::runtime::run_headless;
use confmod::sim::{self, Faults, SimConfig};
use confmod::telnyx::{Client, ConferenceId, ParticipantStatus};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc;
use serde_json::Value;

/// Actions of the operator.
const ACTIONS: usize = 500;
/// The longest the whole soak may take before it fails.
const DEADLINE: Duration = Duration::from_secs(240);

/// What the operator sees of the console, after every batch.
#[derive(Debug, Clone, Default)]
struct Seen {
    loaded: bool,
    shown: usize,
    pending: usize,
    run_going: bool,
    form: bool,
    confirm: bool,
    other_overlay: bool,
    /// The table is on screen (not the picker).
    on_table: bool,
    /// Error toasts on screen, marks held.
    errors: usize,
    marks: usize,
    /// The last refresh failed.
    offline: bool,
    /// Rows in the table.
    rows: usize,
    /// Successful listings so far.
    listings: u64,
    last_ok: Option<time::OffsetDateTime>,
}

fn watch(seen: &Arc<Mutex<Seen>>) -> impl FnMut(&Model) + Send + use<> {
    let seen = seen.clone();
    move |m: &Model| {
        let mut s = seen.lock().unwrap();
        let conf = m.conf.as_ref();
        let last_ok = conf.and_then(|c| c.load.last_ok);
        if last_ok.is_some() && last_ok != s.last_ok {
            s.listings += 1;
        }
        s.last_ok = last_ok;
        s.loaded = conf.is_some_and(|c| c.loaded);
        s.shown = conf.map_or(0, |c| c.shown.len());
        s.pending = m.pending.len();
        s.run_going = m.run.as_ref().is_some_and(|r| r.running());
        s.form = matches!(m.overlay, Some(Overlay::Form(_)));
        s.confirm = matches!(m.overlay, Some(Overlay::Confirm(_)));
        s.other_overlay = m.overlay.is_some() && !s.form && !s.confirm;
        s.on_table = m.screen == confmod::app::Screen::Table;
        s.errors = m
            .toasts
            .iter()
            .filter(|t| t.level == confmod::app::Level::Error)
            .count();
        s.marks = conf.map_or(0, |c| c.marks.len());
        s.offline = conf.is_some_and(|c| c.load.failure.is_some());
        s.rows = conf.map_or(0, |c| c.rows.len());
    }
}

/// A small deterministic generator (xorshift), so a failing soak can be run
/// again the same way.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

/// Waits until `cond` holds of what the operator sees (at most `limit`).
async fn until(seen: &Arc<Mutex<Seen>>, limit: Duration, cond: impl Fn(&Seen) -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if cond(&seen.lock().unwrap()) {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The real runtime on a sim's sample conference, without a terminal: its
/// keys, what the operator sees of it, and the task that runs it.
struct Headless {
    seen: Arc<Mutex<Seen>>,
    keys: mpsc::UnboundedSender<Event>,
    task: tokio::task::JoinHandle<std::io::Result<Model>>,
}

impl Headless {
    /// No client retries (faults reach the operator), a 1 s timeout, and
    /// the journal and log in `dir`.
    fn start(sim: &sim::SimHandle, dir: &std::path::Path, refresh: f64) -> Headless {
        let global = GlobalArgs {
            base_url: Some(sim.base_url().to_string()),
            timeout: Some(1.0),
            max_retries: Some(0),
            audit_file: Some(dir.join("audit.jsonl")),
            ..GlobalArgs::default()
        };
        let console = ConsoleArgs {
            refresh: Some(refresh),
            log_file: Some(dir.join("confmod.log")),
        };
        let key_value = sim.api_key().to_string();
        let env = move |name: &str| (name == "TELNYX_API_KEY").then(|| key_value.clone());
        let settings = config::resolve(&global, &console, &env).unwrap();
        let api_key = config::api_key(&settings, &env).unwrap();
        let client = Client::new(&settings.client_config(api_key)).unwrap();
        let ctx = Context {
            api_host: client.host(),
            demo: false,
            read_only: false,
            no_color: true,
            refresh: settings.refresh,
            concurrency: 8,
            hold_music: None,
            api_base: client.base_url().to_string(),
        };
        let conference: ConferenceId = sim.sample_conference().parse().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (keys, events) = mpsc::unbounded::<Event>();
        let watch = watch(&seen);
        let task = tokio::spawn(async move {
            let size = (160, 50);
            run_headless(
                client,
                ctx,
                Some(conference),
                &settings,
                size,
                events,
                watch,
            )
            .await
        });
        Headless { seen, keys, task }
    }

    fn press(&self, e: Event) {
        self.keys.unbounded_send(e).expect("the console is running");
    }

    /// `q`, and the model as the console left it.
    async fn quit(self) -> Model {
        self.press(ch('q'));
        drop(self.keys);
        self.task.await.unwrap().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chaotic_session_ends_with_the_console_and_the_sim_agreeing() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut sim = sim::spawn(
        SimConfig {
            conferences: 1,
            participants: 2_000,
            churn: 4.0,
            rate_limit: Some(100),
            faults: Faults {
                latency: Duration::from_millis(2),
                fail_rate: 0.10,
                hang_rate: 0.01,
            },
            ..SimConfig::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let conf = sim.sample_conference();
    let journal: PathBuf = dir.path().join("audit.jsonl");
    let console = Headless::start(&sim, dir.path(), 1.0);
    let seen = console.seen.clone();
    let press = |e: Event| console.press(e);
    assert!(
        until(&seen, Duration::from_secs(30), |s| s.loaded).await,
        "the table never loaded: {:?}",
        seen.lock().unwrap()
    );

    // ---- the operator --------------------------------------------------------------
    let mut dice = Dice(0x5eed_cafe_f00d_1234);
    let mut bulk = 0;
    for _ in 0..ACTIONS {
        // a confirmation or the form left open by a refused save: answer it
        let (form, confirm, other, on_table, clutter) = {
            let s = seen.lock().unwrap();
            (
                s.form,
                s.confirm,
                s.other_overlay,
                s.on_table,
                s.errors + s.marks > 0,
            )
        };
        if confirm {
            press(ch('y'));
        } else if form || other {
            press(key(KeyCode::Esc));
        } else if !on_table {
            // never meant to leave; back to the one conference
            press(key(KeyCode::Enter));
        }
        match dice.below(12) {
            0..=2 => {
                let moves = [
                    ch('j'),
                    ch('k'),
                    key(KeyCode::PageDown),
                    key(KeyCode::PageUp),
                    ch('g'),
                ];
                for _ in 0..=dice.below(4) {
                    press(moves[dice.below(moves.len() as u64) as usize].clone());
                }
            }
            // edit soft_end and beep (never end_conference_on_exit: a
            // participant leaving with it would end the conference)
            3..=5 => {
                press(key(KeyCode::Enter));
                press(key(KeyCode::Tab));
                if dice.below(2) == 0 {
                    press(ch(' '));
                }
                press(key(KeyCode::Tab));
                for _ in 0..=dice.below(4) {
                    press(key(KeyCode::Right));
                }
                press(key(KeyCode::Enter));
            }
            6 => press(ch('m')),
            7 => press(ch('o')),
            // a change to many: mark a few, set their beep or mute them
            8 | 9 => {
                bulk += 1;
                for _ in 0..(2 + dice.below(6)) {
                    press(ch(' '));
                    press(ch('j'));
                }
                if dice.below(2) == 0 {
                    press(key(KeyCode::Enter));
                    press(key(KeyCode::Tab));
                    press(key(KeyCode::Tab));
                    for _ in 0..=dice.below(4) {
                        press(key(KeyCode::Right));
                    }
                    press(key(KeyCode::Enter));
                } else {
                    press(ch(if dice.below(2) == 0 { 'm' } else { 'o' }));
                }
                press(ch('A'));
            }
            10 => press(ch('R')),
            // Esc clears marks and errors (with nothing to clear it would
            // leave the conference: an operator at work does not)
            _ if clutter => press(key(KeyCode::Esc)),
            _ => press(ch('j')),
        }
        tokio::time::sleep(Duration::from_millis(20 + dice.below(60))).await;
    }

    // ---- the world holds still; the console settles ---------------------------
    sim.stop_churn();
    sim.set_faults(Faults::default());
    sim.set_rate_limit(None);
    {
        let s = seen.lock().unwrap();
        assert!(s.on_table, "the operator left the conference: {s:?}");
    }
    assert!(
        until(&seen, Duration::from_secs(60), |s| s.pending == 0
            && !s.run_going)
        .await,
        "writes still pending: {:?}",
        seen.lock().unwrap()
    );
    // two whole listings after the world stopped: a row one listing missed
    // stays for one more
    let base = seen.lock().unwrap().listings;
    press(ch('r'));
    assert!(
        until(&seen, Duration::from_secs(60), |s| s.listings >= base + 2).await,
        "the console did not refresh twice: {:?}",
        seen.lock().unwrap()
    );
    let model = console.quit().await;

    // ---- reconcile ------------------------------------------------------------------
    assert!(
        model.pending.is_empty(),
        "left pending: {:?}",
        model.pending
    );
    assert!(model.run.as_ref().is_none_or(|r| !r.running()));
    let people = sim.participants(&conf);
    let table = model.conf.as_ref().expect("the table");
    // the console's table is the sim's list
    let ours: HashMap<&str, _> = table
        .rows
        .iter()
        .filter(|r| !r.gone)
        .map(|r| (r.p.id.as_str(), &r.p))
        .collect();
    assert_eq!(
        ours.len(),
        people.len(),
        "rows and participants differ in number"
    );
    for p in &people {
        let row = ours
            .get(p.id.as_str())
            .unwrap_or_else(|| panic!("{} not in the table", p.id));
        let sim_status = match p.status {
            sim::wire::ParticipantStatus::Joining => ParticipantStatus::Joining,
            sim::wire::ParticipantStatus::Joined => ParticipantStatus::Joined,
            sim::wire::ParticipantStatus::Left => ParticipantStatus::Left,
        };
        assert_eq!(
            (
                &row.status,
                row.muted,
                row.on_hold,
                row.end_conference_on_exit,
                row.soft_end_conference_on_exit
            ),
            (
                &sim_status,
                p.muted,
                p.on_hold,
                p.end_conference_on_exit,
                p.soft_end_conference_on_exit
            ),
            "{}",
            p.id
        );
    }

    // every write the server took is what the sim holds (the last one for
    // each participant and field; the console sends one at a time each)
    let text = std::fs::read_to_string(&journal).expect("the journal");
    let entries: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut last: HashMap<(String, String), Value> = HashMap::new();
    let (mut ok, mut failed) = (0, 0);
    for e in &entries {
        if e["ok"] != true {
            failed += 1;
            continue;
        }
        ok += 1;
        if e["action"] != "update" {
            continue;
        }
        let id = e["participants"][0]["id"].as_str().unwrap().to_string();
        for (field, value) in e["sent"].as_object().unwrap() {
            last.insert((id.clone(), field.clone()), value.clone());
        }
    }
    let by_id: HashMap<&str, _> = people.iter().map(|p| (p.id.as_str(), p)).collect();
    for ((id, field), value) in &last {
        let Some(p) = by_id.get(id.as_str()) else {
            continue; // gone since
        };
        let held = match field.as_str() {
            "soft_end_conference_on_exit" => Value::Bool(p.soft_end_conference_on_exit),
            "end_conference_on_exit" => Value::Bool(p.end_conference_on_exit),
            "beep_enabled" => serde_json::to_value(p.beep_enabled).unwrap(),
            other => panic!("an unexpected field {other}"),
        };
        assert_eq!(&held, value, "{id} {field}");
    }
    // every write that failed is in the activity log as a failure
    let failures_logged = model
        .log
        .iter()
        .filter(|e| matches!(&e.what, Logged::Request(x) if x.method != "GET" && x.is_error()))
        .count();
    assert!(
        failed == 0 || failures_logged > 0,
        "{failed} failed writes, none in the log"
    );
    // the soak did what it is about
    assert!(ok >= 100, "only {ok} writes went through ({failed} failed)");
    assert!(failed > 0, "faults never failed a write");
    assert!(bulk > 0);
    assert!(started.elapsed() < DEADLINE, "took {:?}", started.elapsed());
    eprintln!(
        "soak: {ok} writes taken, {failed} failed, {} participants, {:?}",
        people.len(),
        started.elapsed()
    );
    sim.shutdown().await;
}

/// The server goes away mid-session and comes back on the same address (a
/// restart: the same seed, the same world): the console says it is offline,
/// keeps its rows, a write made meanwhile fails and is said, and within
/// seconds of the server's return the table is live again, by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_is_weathered_and_seen_through() {
    let config = || SimConfig {
        conferences: 1,
        participants: 50,
        ..SimConfig::default()
    };
    let sim = sim::spawn(config(), SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let addr = sim.addr();
    let conf = sim.sample_conference();
    let dir = tempfile::tempdir().unwrap();
    let console = Headless::start(&sim, dir.path(), 0.5);
    let seen = console.seen.clone();
    let press = |e: Event| console.press(e);
    assert!(until(&seen, Duration::from_secs(20), |s| s.loaded && s.rows == 50).await);

    sim.shutdown().await;
    assert!(
        until(&seen, Duration::from_secs(20), |s| s.offline).await,
        "never offline: {:?}",
        seen.lock().unwrap()
    );
    // a write while it is away: it fails, and nothing stays pending
    press(ch('m'));
    assert!(
        until(&seen, Duration::from_secs(20), |s| s.pending == 0
            && s.errors > 0)
        .await
    );
    assert_eq!(seen.lock().unwrap().rows, 50, "the rows stay");

    let back = sim::spawn(config(), addr).await.unwrap();
    let base = seen.lock().unwrap().listings;
    assert!(
        until(&seen, Duration::from_secs(20), |s| !s.offline
            && s.listings > base)
        .await,
        "not live again: {:?}",
        seen.lock().unwrap()
    );
    let model = console.quit().await;
    let table = model.conf.as_ref().unwrap();
    assert!(table.load.failure.is_none());
    assert_eq!(table.rows.len(), back.participants(&conf).len());
    // the failed write is in the activity log
    assert!(model.log.iter().any(|e| matches!(&e.what,
        Logged::Request(x) if x.method == "POST" && x.error.as_deref() == Some("connection failed"))));
    back.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_waits_for_a_write_in_flight_so_that_it_reaches_the_journal() {
    let sim = sim::spawn(
        SimConfig {
            conferences: 1,
            participants: 20,
            ..SimConfig::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = Headless::start(&sim, dir.path(), 2.0);
    let seen = console.seen.clone();
    assert!(until(&seen, Duration::from_secs(20), |s| s.loaded && s.rows == 20).await);
    // every answer now takes 600 ms: `m`, then `q` at once
    sim.set_faults(Faults {
        latency: Duration::from_millis(600),
        ..Faults::default()
    });
    console.press(ch('m'));
    assert!(until(&seen, Duration::from_secs(5), |s| s.pending > 0).await);
    let quit_at = Instant::now();
    let model = console.quit().await;
    // the console quit with the write still in flight on screen...
    let waited = quit_at.elapsed();
    assert_eq!(model.pending.len(), 1, "{:?}", model.pending);
    // ...and stayed for its answer (within its 3 s of grace), so the write
    // is in the journal with what the server answered
    let journal = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let entries: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 1, "{journal}");
    assert_eq!(
        (
            &entries[0]["action"],
            &entries[0]["ok"],
            &entries[0]["status"]
        ),
        (&Value::from("mute"), &Value::from(true), &Value::from(200)),
        "{journal}"
    );
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    sim.shutdown().await;
}
