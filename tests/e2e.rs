//! End-to-end journeys of the real `confmod` binary in a pseudo-terminal,
//! against a simulator served in-process (`confmod::sim` on 127.0.0.1:0).
//!
//! The only synchronisation is waiting, with a deadline, for the parsed screen
//! (or the process) to reach a state: no fixed sleeps, no timing assertions.
//! The harness only ever writes the keys a test sends: it never answers a
//! terminal query, so every journey also runs in a bare terminal.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use confmod::app::short_call_control_id;
use confmod::sim::wire::BeepEnabled;
use confmod::sim::{self, SimConfig, SimHandle, SimParticipant};
use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 120;
/// An upper bound for every wait: passing tests never wait this long.
const DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

const ENTER: &[u8] = b"\r";
const TAB: &[u8] = b"\t";
const ESC: &[u8] = b"\x1b";
const RIGHT: &[u8] = b"\x1b[C";
const SPACE: &[u8] = b" ";

const ALT_ENTER: &[u8] = b"\x1b[?1049h";
const ALT_LEAVE: &[u8] = b"\x1b[?1049l";
const CURSOR_HIDE: &[u8] = b"\x1b[?25l";
const CURSOR_SHOW: &[u8] = b"\x1b[?25h";
const PANIC_TEXT: &str = "a panic on purpose, to see the terminal restored";
/// What hostile labels leave behind when only their ESC is dropped, and
/// invisible characters that reorder or hide text.
const REMNANTS: [&str; 7] = [
    "pwned", "[31;1m", "[2J", "[999C", "\u{202E}", "\u{200B}", "\u{FEFF}",
];
/// Terminal queries: a bare terminal never answers them.
const QUERIES: [&str; 12] = [
    "\x1b[5n", "\x1b[6n", "\x1b[?6n", "\x1b[c", "\x1b[0c", "\x1b[>c", "\x1b[>0c", "\x1b[?u",
    "\x1b[>q", "\x1b[18t", "\x1bP", "\x1b]",
];

// ---- the pseudo-terminal harness ----------------------------------------------

/// A directory for one console's files, removed with the console.
fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("confmod-e2e-")
        .tempdir()
        .expect("temp dir")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// What the terminal was asked to do besides drawing (vt100 keeps no title).
#[derive(Default)]
struct Recorder {
    titles: Vec<String>,
    bells: usize,
}

impl vt100::Callbacks for Recorder {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        let title = String::from_utf8_lossy(title);
        self.titles.push(title.into_owned());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        let name = String::from_utf8_lossy(name);
        self.titles.push(name.into_owned());
    }
}

/// Everything the console wrote: the bytes as sent, and the parsed screen.
struct Term {
    raw: Vec<u8>,
    parser: vt100::Parser<Recorder>,
    /// The PTY reported EOF: every process holding its slave has gone.
    eof: bool,
}

/// The `confmod` binary running in a pseudo-terminal of ROWS x COLS.
struct Console {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn MasterPty + Send>,
    term: Arc<Mutex<Term>>,
    dir: tempfile::TempDir,
}

impl Console {
    /// Spawns `confmod ARGS --log-file <tmp>` with a controlled environment:
    /// TERM, HOME and XDG_* in a fresh temp dir, TELNYX_API_KEY when given.
    fn spawn(args: &[&str], key: Option<&str>, env: &[(&str, &str)]) -> Console {
        let dir = temp_dir();
        let log = dir.path().join("confmod.log");
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["--log-file", log.to_str().expect("a UTF-8 temp path")]);
        let mut env = env.to_vec();
        if let Some(key) = key {
            env.push(("TELNYX_API_KEY", key));
        }
        Console::spawn_program(env!("CARGO_BIN_EXE_confmod").as_ref(), &args, &env, dir)
    }

    /// Spawns `program ARGS` in the pseudo-terminal, in `dir` (removed when
    /// the console is dropped), with only TERM, HOME and XDG_* (in `dir`) and
    /// `env` set.
    fn spawn_program(
        program: &std::ffi::OsStr,
        args: &[&str],
        env: &[(&str, &str)],
        dir: tempfile::TempDir,
    ) -> Console {
        Console::spawn_program_without(program, args, env, &[], dir)
    }

    /// `confmod ARGS` (no `--log-file`) as [`Console::spawn_program`] runs
    /// it, with the variables of `unset` (HOME, TERM, ...) left out.
    fn spawn_without(
        args: &[&str],
        env: &[(&str, &str)],
        unset: &[&str],
        dir: tempfile::TempDir,
    ) -> Console {
        let program = env!("CARGO_BIN_EXE_confmod").as_ref();
        Console::spawn_program_without(program, args, env, unset, dir)
    }

    fn spawn_program_without(
        program: &std::ffi::OsStr,
        args: &[&str],
        env: &[(&str, &str)],
        unset: &[&str],
        dir: tempfile::TempDir,
    ) -> Console {
        let size = PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        };
        let pty = native_pty_system().openpty(size).expect("openpty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(dir.path());
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", dir.path());
        for var in [
            "XDG_CONFIG_HOME",
            "XDG_STATE_HOME",
            "XDG_DATA_HOME",
            "XDG_CACHE_HOME",
        ] {
            cmd.env(var, dir.path().join(var.to_lowercase()));
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        for var in unset {
            cmd.env_remove(var);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn confmod");
        // Only the child holds the slave now: the reader sees EOF when it exits.
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let term = Arc::new(Mutex::new(Term {
            raw: Vec::new(),
            parser: vt100::Parser::new_with_callbacks(
                ROWS.try_into().expect("rows"),
                COLS.try_into().expect("cols"),
                0,
                Recorder::default(),
            ),
            eof: false,
        }));
        let sink = term.clone();
        // Drains the PTY continuously, so the console never blocks on a write.
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut t = lock(&sink);
                        t.raw.extend_from_slice(&buf[..n]);
                        t.parser.process(&buf[..n]);
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break, // EIO once the slave is closed
                }
            }
            lock(&sink).eof = true;
        });
        Console {
            child,
            writer,
            _master: pty.master,
            term,
            dir,
        }
    }

    fn send(&mut self, keys: &[u8]) {
        self.writer
            .write_all(keys)
            .and_then(|()| self.writer.flush())
            .unwrap_or_else(|e| panic!("cannot send {keys:?}: {e}\n{}", self.screen()));
    }

    fn screen(&self) -> String {
        lock(&self.term).parser.screen().contents()
    }

    fn raw(&self) -> Vec<u8> {
        lock(&self.term).raw.clone()
    }

    /// The raw output, escaped: safe to print in a failure message.
    fn raw_text(&self) -> String {
        format!("{:?}", String::from_utf8_lossy(&self.raw()))
    }

    /// The console's log file (`--log-file` in the temp dir).
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("confmod.log")).unwrap_or_default()
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("child pid")
    }

    /// Polls the parsed screen until `cond` holds; on failure, the screen.
    fn wait_for(&self, cond: impl Fn(&str) -> bool, deadline: Duration) -> Result<(), String> {
        let end = Instant::now() + deadline;
        loop {
            let (text, eof) = {
                let t = lock(&self.term);
                (t.parser.screen().contents(), t.eof)
            };
            if cond(&text) {
                return Ok(());
            }
            if eof || Instant::now() >= end {
                let why = if eof {
                    "the console exited"
                } else {
                    "timed out"
                };
                return Err(format!("{why}; the screen:\n{text}"));
            }
            thread::sleep(POLL);
        }
    }

    fn until(&self, what: &str, cond: impl Fn(&str) -> bool) {
        if let Err(e) = self.wait_for(cond, DEADLINE) {
            panic!("waiting for {what}: {e}");
        }
    }

    fn shows(&self, text: &str) {
        self.until(&format!("{text:?} on screen"), |s| s.contains(text));
    }

    fn hides(&self, text: &str) {
        self.until(&format!("{text:?} gone"), |s| !s.contains(text));
    }

    /// Waits for the process to exit and for its last output to be read.
    fn wait_exit(&mut self, deadline: Duration) -> Result<ExitStatus, String> {
        let end = Instant::now() + deadline;
        loop {
            let status = self.child.try_wait().map_err(|e| e.to_string())?;
            if let Some(status) = status
                && (lock(&self.term).eof || Instant::now() >= end)
            {
                return Ok(status);
            }
            if Instant::now() >= end {
                return Err(format!("still running; the screen:\n{}", self.screen()));
            }
            thread::sleep(POLL);
        }
    }

    fn exit(&mut self) -> ExitStatus {
        self.wait_exit(DEADLINE)
            .unwrap_or_else(|e| panic!("waiting for the console to exit: {e}"))
    }

    /// The terminal is back as it was: off the alternate screen, cursor shown.
    fn assert_restored(&self) {
        let raw = self.raw();
        let t = lock(&self.term);
        let screen = t.parser.screen();
        let enter = rfind(&raw, ALT_ENTER).expect("the alternate screen was never entered");
        let leave = rfind(&raw, ALT_LEAVE).filter(|&at| at > enter);
        let show = rfind(&raw, CURSOR_SHOW).filter(|&at| at > enter);
        assert!(leave.is_some(), "the alternate screen was not left");
        assert!(show.is_some(), "the cursor was not shown again");
        assert!(show > rfind(&raw, CURSOR_HIDE), "the cursor is left hidden");
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is hidden");
    }

    /// `q`, exit status 0, terminal restored.
    fn quit(&mut self) {
        self.send(b"q");
        let status = self.exit();
        assert!(status.success(), "q: {status:?}\n{}", self.screen());
        self.assert_restored();
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        // A failing test never leaves a process behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---- the simulator ------------------------------------------------------------

/// A sim served by a runtime the fixture owns.
struct Sim {
    rt: tokio::runtime::Runtime,
    handle: Option<SimHandle>,
}

impl Sim {
    fn start(config: SimConfig) -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let handle = rt.block_on(sim::spawn(config, addr)).expect("sim");
        Sim {
            rt,
            handle: Some(handle),
        }
    }

    /// One quiet conference of `n` participants (no churn).
    fn quiet(n: usize) -> Sim {
        Sim::start(SimConfig {
            participants: n,
            churn: 0.0,
            ..SimConfig::default()
        })
    }

    fn api(&self) -> &SimHandle {
        self.handle.as_ref().expect("sim running")
    }

    fn conf(&self) -> String {
        self.api().sample_conference()
    }

    fn participants(&self) -> Vec<SimParticipant> {
        self.api().participants(&self.conf())
    }

    /// The console on this sim's sample conference.
    fn console(&self, env: &[(&str, &str)]) -> Console {
        let api = self.api();
        let conf = self.conf();
        let args = ["--base-url", api.base_url(), "--conference", &conf];
        Console::spawn(&args, Some(api.api_key()), env)
    }

    /// The console on this sim's sample conference with more arguments.
    fn console_with(&self, more: &[&str], env: &[(&str, &str)]) -> Console {
        let api = self.api();
        let conf = self.conf();
        let args = [
            &["--base-url", api.base_url(), "--conference", &conf][..],
            more,
        ]
        .concat();
        Console::spawn(&args, Some(api.api_key()), env)
    }

    /// The console with the table up and the label of `participants()[i]` shown.
    fn table_showing(&self, i: usize) -> (Console, SimParticipant) {
        let p = self.participants().swap_remove(i);
        let tui = self.console(&[]);
        tui.until("the table with a label", |s| {
            s.contains("LABEL") && s.contains(&p.label)
        });
        (tui, p)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.rt.block_on(handle.shutdown());
        }
    }
}

fn selected_row_is(screen: &str, label: &str) -> bool {
    screen
        .lines()
        .any(|l| l.starts_with('›') && l.contains(label))
}

/// Moves to the second row and opens its edit form.
fn edit_second(tui: &mut Console, label: &str) {
    tui.send(b"j");
    tui.until("the second row selected", |s| selected_row_is(s, label));
    tui.send(ENTER);
    tui.shows(&format!("Edit {label}"));
}

// ---- the journeys -------------------------------------------------------------

/// Journey 1: edit a participant: the form, the PATCH, the row and the sim agree.
#[test]
fn edit_participant_saves_and_shows_the_new_values() {
    let sim = Sim::quiet(12);
    let (mut tui, before) = sim.table_showing(1);
    let label = before.label.clone();
    edit_second(&mut tui, &label);
    tui.send(TAB);
    tui.send(SPACE);
    let soft = if before.soft_end_conference_on_exit {
        "no"
    } else {
        "yes"
    };
    tui.shows(&format!("→  {soft}"));
    tui.send(TAB);
    tui.send(RIGHT);
    tui.shows("→  always");
    tui.send(ENTER);
    tui.until("the saved toast and always* in the row", |s| {
        s.contains(&format!("saved {label}"))
            && !s.contains(&format!("Edit {label}"))
            && s.lines()
                .any(|l| l.contains(&label) && l.contains("always*"))
    });
    let after = sim
        .api()
        .participant(&sim.conf(), &before.id)
        .expect("in the sim");
    assert_eq!(
        after.soft_end_conference_on_exit,
        !before.soft_end_conference_on_exit
    );
    assert_eq!(after.beep_enabled, Some(BeepEnabled::Always));
    assert_eq!(after.end_conference_on_exit, before.end_conference_on_exit);
    tui.quit();
}

/// Journey 2: the conference ends under the console: the write fails with 90019,
/// on screen until Esc, and the console carries on.
#[test]
fn conference_ended_mid_session_shows_90019_and_keeps_running() {
    let sim = Sim::quiet(12);
    let (mut tui, p) = sim.table_showing(1);
    assert!(sim.api().end_conference(&sim.conf()));
    edit_second(&mut tui, &p.label);
    tui.send(TAB);
    tui.send(SPACE);
    tui.send(ENTER);
    tui.until("the 90019 error", |s| {
        s.contains("90019") && s.contains("Conference has already ended")
    });
    // A failed save keeps the form open (to retry), as the README says:
    // the first Esc closes it, the next one dismisses the error.
    let form = format!("Edit {}", p.label);
    assert!(
        tui.screen().contains(&form),
        "the form closed after a failed save:\n{}",
        tui.screen()
    );
    tui.send(ESC);
    tui.until("the form closed, the error kept", |s| {
        !s.contains(&form) && s.contains("90019")
    });
    tui.send(ESC);
    tui.hides("90019");
    tui.quit();
}

/// Journey 3: `q` leaves the alternate screen and shows the cursor again; the
/// logs went to the log file, not to the screen.
#[test]
fn quit_restores_the_terminal() {
    let sim = Sim::quiet(12);
    let (mut tui, _) = sim.table_showing(0);
    tui.quit();
    let raw = tui.raw();
    let enter = find(&raw, ALT_ENTER).expect("entered the alternate screen");
    assert!(find(&raw[enter..], ALT_LEAVE).is_some());
    assert!(find(&raw[enter..], CURSOR_SHOW).is_some());
    assert!(tui.log().contains("console starting"), "{}", tui.log());
    assert!(
        find(&raw, b"console starting").is_none(),
        "a log line on screen"
    );
}

/// Journey 4: SIGTERM and SIGHUP end the console like `q`: terminal restored.
fn signal_restores_the_terminal(signal: &str) {
    let sim = Sim::quiet(12);
    let (mut tui, _) = sim.table_showing(0);
    let pid = tui.pid().to_string();
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill");
    assert!(sent.success(), "kill -{signal} {pid}");
    tui.exit(); // the status is not specified: q's 0 today
    tui.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("TERM");
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("HUP");
}

#[test]
fn sigquit_restores_the_terminal() {
    signal_restores_the_terminal("QUIT");
}

/// Journey 4b: a terminal that says it cannot draw a full screen is refused
/// with one line, before anything is drawn on it.
#[test]
fn a_dumb_terminal_or_none_named_is_refused_with_one_line() {
    let sim = Sim::quiet(3);
    let api = sim.api();
    let conf = sim.conf();
    let console = ["--base-url", api.base_url(), "--conference", &conf];
    let key = [("TELNYX_API_KEY", api.api_key())];
    /// Arguments, environment, variables left out, and why it is refused.
    type Case<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a [&'a str],
        &'a str,
    );
    let cases: [Case; 4] = [
        (&["demo"], &[("TERM", "dumb")], &[], "TERM is dumb"),
        (&["demo"], &[], &["TERM"], "TERM is not set"),
        (&console, &[key[0], ("TERM", "dumb")], &[], "TERM is dumb"),
        (&console, &key, &["TERM"], "TERM is not set"),
    ];
    for (args, env, unset, why) in cases {
        let mut tui = Console::spawn_without(args, env, unset, temp_dir());
        let status = tui.exit();
        assert_eq!(status.exit_code(), 2, "{args:?} {env:?}: {status:?}");
        let raw = tui.raw();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            find(&raw, b"\x1b").is_none(),
            "escapes written: {}",
            tui.raw_text()
        );
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{}", tui.raw_text());
        assert!(
            lines[0].starts_with("error: the console needs a terminal that can draw a full screen")
                && lines[0].contains(why),
            "{}",
            tui.raw_text()
        );
    }
}

/// Journey 5: a panic restores the terminal first, then reports. The test
/// runs its own executable again as the panicking program: it sets the
/// terminal up and installs the hooks as `confmod` does, then panics; no
/// fault hook exists in the product.
#[test]
fn panic_restores_the_terminal_before_reporting() {
    const CHILD: &str = "CONFMOD_E2E_PANIC_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let _ = color_eyre::install();
        confmod::runtime::terminal::install_panic_hook();
        let (_guard, _terminal) = confmod::runtime::terminal::setup_terminal().expect("terminal");
        panic!("{PANIC_TEXT}");
    }
    let me = std::env::current_exe().expect("the test executable");
    let dir = temp_dir();
    let args = [
        "--exact",
        "panic_restores_the_terminal_before_reporting",
        "--nocapture",
        "--test-threads=1",
    ];
    let mut tui = Console::spawn_program(me.as_os_str(), &args, &[(CHILD, "1")], dir);
    let status = tui.exit();
    assert_eq!(
        status.exit_code(),
        101,
        "the hook ends the process: {status:?}"
    );
    let raw = tui.raw();
    let enter = find(&raw, ALT_ENTER).expect("entered the alternate screen");
    let report = find(&raw, PANIC_TEXT.as_bytes()).expect("the panic is reported");
    let leave = find(&raw[enter..], ALT_LEAVE).map(|at| at + enter);
    assert!(
        leave.is_some_and(|at| at < report),
        "the report came before the terminal was restored:\n{}",
        tui.raw_text()
    );
    tui.assert_restored();
    assert!(tui.screen().contains(PANIC_TEXT), "{}", tui.screen());
}

/// Journey 6: no key: a usage error before the terminal is touched.
#[test]
fn no_api_key_exits_2_without_touching_the_terminal() {
    let mut tui = Console::spawn(&[], None, &[]);
    let status = tui.exit();
    assert_eq!(status.exit_code(), 2, "{status:?}");
    // the raw bytes: the message may wrap on screen
    let out = tui.raw_text();
    assert!(out.contains("TELNYX_API_KEY"), "{out}");
    assert!(out.contains("confmod demo"), "{out}");
    assert!(find(&tui.raw(), ALT_ENTER).is_none(), "{out}");
}

/// Journey 7: nothing listens at the API: an explanation, not a crash.
#[test]
fn unreachable_api_says_so_and_quits() {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}/v2");
    let mut tui = Console::spawn(&["--base-url", &base], Some("KEYunreachable0000"), &[]);
    tui.shows("Cannot reach the API");
    tui.quit();
}

/// Journey 8: `confmod demo`: badge, live participants, help on `?`, closed by Esc.
#[test]
fn demo_shows_participants_and_help() {
    let mut tui = Console::spawn(&["demo"], None, &[]);
    tui.until("the DEMO badge and joined participants", |s| {
        s.contains("DEMO") && s.lines().skip(3).any(|l| l.contains("joined"))
    });
    tui.send(b"?");
    tui.until("the help overlay, scrollable", |s| {
        s.contains("Help") && s.contains("next participant") && s.contains("↓ more")
    });
    tui.send(b"G");
    tui.until("the end of the help: the symbols", |s| {
        s.contains("Help") && s.contains("request in flight") && !s.contains("↓ more")
    });
    tui.send(ESC);
    tui.until("the help closed", |s| {
        !s.contains("Help") && !s.contains("request in flight")
    });
    tui.quit();
}

/// Journey 9: labels built to break terminals reach the screen harmless.
#[test]
fn hostile_labels_never_reach_the_terminal() {
    let sim = Sim::start(SimConfig {
        participants: 40,
        hostile_labels: true,
        ..SimConfig::default()
    });
    let ps = sim.participants();
    let labels = || ps.iter().map(|p| p.label.as_str());
    assert!(
        labels().any(|l| l.contains("\x1b]")),
        "the sim has an OSC label"
    );
    assert!(
        labels().any(|l| l.contains('\x07')),
        "the sim has a BEL label"
    );
    let stand_ins: Vec<String> = ps
        .iter()
        .map(|p| short_call_control_id(&p.call_control_id, &p.id))
        .collect();
    let labelled = |s: &str, plain: &str| {
        s.contains(plain) && !stand_ins.iter().any(|x| s.contains(x.as_str()))
    };
    let mut tui = sim.console(&[]);
    tui.until("every label of the first page", |s| {
        labelled(s, &ps[0].label)
    });
    let first_page = tui.screen();
    tui.send(b"G"); // the last page: every variant has been drawn
    let last = &ps[ps.len() - 1].label;
    tui.until("every label of the last page", |s| labelled(s, last));
    // Sequences go whole, not just their ESC (which ratatui would drop anyway).
    for screen in [first_page, tui.screen()] {
        for bit in REMNANTS {
            assert!(
                !screen.contains(bit),
                "{bit:?} reached the screen:\n{screen}"
            );
        }
        let lines: Vec<&str> = screen.lines().collect();
        assert!(lines[0].starts_with("confmod"), "header:\n{screen}");
        assert!(lines[3].contains("LABEL"), "column titles:\n{screen}");
    }

    let raw = tui.raw();
    assert!(
        find(&raw, b"\x1b]").is_none(),
        "an OSC sequence was written"
    );
    assert!(find(&raw, b"\x07").is_none(), "a BEL was written");
    assert!(
        find(&raw, "\u{9b}".as_bytes()).is_none(),
        "a C1 CSI was written"
    );
    {
        let t = lock(&tui.term);
        assert!(t.parser.callbacks().titles.is_empty(), "the title changed");
        assert_eq!(t.parser.callbacks().bells, 0, "the bell rang");
    }
    tui.quit();
}

/// Journey 10: a terminal that answers nothing: the console never asks.
#[test]
fn starts_in_a_bare_terminal_that_answers_no_queries() {
    let sim = Sim::quiet(12);
    let (mut tui, second) = sim.table_showing(1);
    tui.send(b"j");
    tui.until("the keys work", |s| selected_row_is(s, &second.label));
    let raw = tui.raw();
    for q in QUERIES {
        assert!(
            find(&raw, q.as_bytes()).is_none(),
            "the console asked {q:?}"
        );
    }
    tui.quit();
}

// ---- live moderation at scale ---------------------------------------------------

/// A quiet conference of `n` whose first participants carry `labels`.
fn labelled_sim(n: usize, labels: &[&str]) -> Sim {
    Sim::start(SimConfig {
        participants: n,
        churn: 0.0,
        scenario: Some(sim::Scenario {
            conferences: vec![sim::ScenarioConference {
                name: "Weekly all hands".into(),
                participants: None,
                completed: false,
                init: false,
            }],
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }),
        ..SimConfig::default()
    })
}

/// What a write could change of everyone, in the sim.
fn state(sim: &Sim) -> Vec<(String, bool, bool, bool, bool, Option<BeepEnabled>)> {
    sim.participants()
        .into_iter()
        .map(|p| {
            (
                p.id,
                p.muted,
                p.on_hold,
                p.end_conference_on_exit,
                p.soft_end_conference_on_exit,
                p.beep_enabled,
            )
        })
        .collect()
}

/// Journey 11: a search typed with the keys that act elsewhere (m, o, q, M,
/// E, u, space, a) changes nothing on the server, and the console stays.
#[test]
fn a_search_with_action_letters_changes_nothing_on_the_server() {
    let sim = labelled_sim(30, &["Niamh Walsh", "Omar Quinn", "Emma Mosley"]);
    let before = state(&sim);
    let (mut tui, _) = sim.table_showing(0);
    let requests = sim.api().request_count();
    tui.send(b"/");
    tui.send(b"mo q MEu aA Rmy");
    tui.shows("/ mo q MEu aA Rmy");
    tui.send(ENTER);
    tui.send(b"\x1b"); // Esc: clears the search, nothing else
    tui.hides("/ mo q");
    assert_eq!(state(&sim), before, "a typed key acted on the server");
    // the console is still there, and only read (label lookups, polls)
    tui.shows("LABEL");
    assert!(sim.api().request_count() >= requests);
    tui.quit();
}

/// Journey 12: search, mark the five found, set beep_enabled to never for
/// them under a rate limit; every one of them reads back from the sim.
#[test]
fn search_mark_five_and_set_their_beep_under_a_rate_limit() {
    let labels = [
        "Ava Thompson",
        "Team blue: Liam",
        "Team blue: Sofia",
        "Noah Williams",
        "Team blue: Mia",
        "Team blue: Omar",
        "Team blue: Zoe",
        "Ethan Brown",
    ];
    let sim = labelled_sim(40, &labels);
    let blue: Vec<String> = sim
        .participants()
        .into_iter()
        .filter(|p| p.label.starts_with("Team blue"))
        .map(|p| p.id)
        .collect();
    assert_eq!(blue.len(), 5);
    let (mut tui, _) = sim.table_showing(0);
    sim.api().set_rate_limit(Some(4));
    tui.send(b"/team blue");
    tui.shows("5 of 40");
    tui.send(ENTER);
    tui.send(b"a");
    tui.shows("◆ 5 marked");
    tui.send(ENTER);
    tui.shows("Edit 5 participants");
    tui.send(TAB);
    tui.send(TAB);
    tui.send(RIGHT);
    tui.send(RIGHT);
    tui.shows("→  never");
    tui.send(ENTER);
    tui.until("the run done", |s| s.contains("5/5 done"));
    for id in &blue {
        let p = sim.api().participant(&sim.conf(), id).expect("in the sim");
        assert_eq!(p.beep_enabled, Some(BeepEnabled::Never), "{}", p.label);
    }
    let others = sim
        .participants()
        .into_iter()
        .filter(|p| !blue.contains(&p.id));
    assert!(others.into_iter().all(|p| p.beep_enabled.is_none()));
    tui.quit();
}

/// Journey 13: mute everyone but the selected one, after a confirmation.
#[test]
fn mute_all_but_the_speaker() {
    let sim = labelled_sim(25, &["Ava Thompson", "Liam Chen"]);
    let liam_before = sim.participants()[1].muted;
    let (mut tui, _) = sim.table_showing(1);
    tui.send(b"j");
    tui.until("Liam selected", |s| selected_row_is(s, "Liam Chen"));
    tui.send(b"M");
    tui.shows("but Liam Chen");
    tui.send(b"y");
    tui.until("the run done", |s| {
        s.contains(" done") && !s.contains("to go")
    });
    // everyone muted but the speaker, who stays as they were
    for p in sim.participants() {
        let expected = if p.label == "Liam Chen" {
            liam_before
        } else {
            true
        };
        assert_eq!(p.muted, expected, "{}", p.label);
    }
    tui.quit();
}

/// Journey 14: end the conference, typing the start of its name.
#[test]
fn end_the_conference_by_typing_its_name() {
    let sim = labelled_sim(10, &["Ava Thompson"]);
    let (mut tui, _) = sim.table_showing(0);
    tui.shows("Weekly all hands");
    tui.send(b"E");
    tui.shows("Type \"Weekly\" to confirm");
    tui.send(b"Weekl");
    tui.send(ENTER);
    tui.shows("type Weekly exactly");
    assert!(
        sim.participants()
            .iter()
            .any(|p| p.status != sim::wire::ParticipantStatus::Left)
    );
    tui.send(b"y");
    tui.send(ENTER);
    tui.shows("ended the conference for everyone");
    tui.until("the sim's conference ended", |_| {
        sim.participants()
            .iter()
            .all(|p| p.status == sim::wire::ParticipantStatus::Left)
    });
    tui.until("the banner with its reason", |s| {
        s.contains("This conference has ended") && s.contains("ended via the API")
    });
    tui.quit();
}

/// Journey 15: the conference ends from outside (another shell, the host
/// leaving): with no key pressed, the next refresh shows the banner with
/// its reason, and the rows stay for reading.
#[test]
fn a_conference_ended_from_outside_shows_the_banner_by_itself() {
    let sim = Sim::quiet(12);
    let (mut tui, p) = sim.table_showing(0);
    assert!(sim.api().end_conference(&sim.conf()));
    tui.until("the banner with its reason", |s| {
        s.contains("This conference has ended") && s.contains("ended via the API")
    });
    assert!(tui.screen().contains(&p.label), "{}", tui.screen());
    assert!(tui.screen().contains("■ ended"), "{}", tui.screen());
    tui.quit();
}

/// Journey 16: a beep set in the console is journaled; `confmod audit`
/// reads it back; a console started later shows the beep marker it could
/// not otherwise know (the API never returns `beep_enabled`).
#[test]
fn the_journal_records_the_console_and_its_beep_markers_survive_a_restart() {
    let sim = Sim::quiet(12);
    let shared = temp_dir();
    let journal = shared.path().join("audit.jsonl");
    let path = journal.to_str().expect("a UTF-8 temp path");
    let before = sim.participants().swap_remove(1);
    let label = before.label.clone();
    let mut tui = sim.console_with(&["--audit-file", path], &[("USER", "ana")]);
    tui.shows(&label);
    edit_second(&mut tui, &label);
    tui.send(TAB);
    tui.send(TAB);
    tui.send(RIGHT);
    tui.shows("→  always");
    tui.send(ENTER);
    tui.until("always* in the row", |s| {
        s.lines()
            .any(|l| l.contains(&label) && l.contains("always*"))
    });
    tui.quit();

    let out = Command::new(env!("CARGO_BIN_EXE_confmod"))
        .args(["audit", "--audit-file", path, "--format", "jsonl"])
        .output()
        .expect("confmod audit");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let entries: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(entries.len(), 1, "{text}");
    let e = &entries[0];
    assert_eq!(e["via"], "console");
    assert_eq!(e["operator"], "ana");
    assert_eq!(e["action"], "update");
    assert_eq!(e["sent"], serde_json::json!({"beep_enabled": "always"}));
    assert_eq!(e["ok"], true);
    assert_eq!(e["conference_id"], sim.conf().as_str());
    let who = &e["participants"][0];
    assert_eq!(who["id"], before.id.as_str());
    assert_eq!(who["label"], label.as_str());
    assert_eq!(who["call_control_id"], before.call_control_id.as_str());

    // a new console knows the beep from the journal, with no write of its own
    let mut tui = sim.console_with(&["--audit-file", path], &[]);
    tui.until("always* from the journal", |s| {
        s.lines()
            .any(|l| l.contains(&label) && l.contains("always*"))
    });
    tui.quit();
}

/// Journey 17: without a home, the log goes in a directory of the user's
/// own in the temporary directory, private; a symbolic link planted there is
/// refused, not followed: the console runs without logs and says so.
#[test]
fn without_a_home_the_log_is_private_and_a_planted_symlink_is_refused() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let uid = rustix::process::geteuid().as_raw();
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    let no_home = ["HOME", "XDG_STATE_HOME"];

    let dir = temp_dir();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let tmp_var = tmp.to_str().expect("UTF-8").to_string();
    let mut tui = Console::spawn_without(&["demo"], &[("TMPDIR", &tmp_var)], &no_home, dir);
    tui.until("the demo", |s| s.contains("DEMO"));
    tui.quit();
    let own = tmp.join(format!("confmod-{uid}"));
    let log = own.join("confmod.log");
    assert_eq!((mode(&own), mode(&log)), (0o700, 0o600));
    let text = std::fs::read_to_string(&log).expect("the log");
    assert!(text.contains("console starting"), "{text}");

    // someone else got there first: the directory is a link to theirs
    let dir = temp_dir();
    let tmp = dir.path().join("tmp");
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&tmp).expect("tmp");
    std::fs::create_dir(&theirs).expect("theirs");
    std::fs::write(theirs.join("confmod.log"), "theirs\n").expect("their log");
    symlink(&theirs, tmp.join(format!("confmod-{uid}"))).expect("symlink");
    let tmp_var = tmp.to_str().expect("UTF-8").to_string();
    let mut tui = Console::spawn_without(&["demo"], &[("TMPDIR", &tmp_var)], &no_home, dir);
    tui.until("the demo", |s| s.contains("DEMO"));
    tui.quit();
    let out = tui.raw_text();
    assert!(
        out.contains("confmod: logging off: cannot open the log file safely"),
        "{out}"
    );
    assert!(out.contains("is a symbolic link"), "{out}");
    let theirs_now = std::fs::read_to_string(theirs.join("confmod.log")).expect("their log");
    assert_eq!(theirs_now, "theirs\n");
}
