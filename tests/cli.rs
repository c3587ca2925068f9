//! The `confmod` binary as a process (stdin null, stdout and stderr piped)
//! against a sim served in-process. Every run goes through [`run`], which also
//! checks that the API key never shows on stdout or stderr.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use confmod::sim::SimParticipant as Person;
use confmod::sim::wire::{BeepEnabled, ParticipantStatus};
use confmod::sim::{self, Faults, Scenario, ScenarioConference, SimConfig, SimHandle};
use rustix::process::{Pid, Signal};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_confmod");
/// Distinctive, so that a leak anywhere in the output is found.
const KEY: &str = "KEYneverShowThis42";
/// The longest one process may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);
const NAMES: [&str; 5] = [
    "Weekly all hands",
    "Sales",
    "Sales sync",
    "Old retro",
    "Board prep",
];
/// Labels of the first participants of every conference (the first is the host).
const LABELS: [&str; 2] = ["Ava / host", "Dial-in +1 415 555 0134"];

// ---- running the binary ------------------------------------------------------

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn exit(self, code: i32) -> Self {
        assert_eq!(self.code, Some(code), "unexpected exit code: {self:#?}");
        self
    }

    fn json(&self) -> Value {
        let doc = serde_json::from_str(&self.stdout);
        doc.unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// Asserts that stderr holds every one of `needles`.
    fn says(self, needles: &[&str]) -> Self {
        has(&self.stderr, needles);
        self
    }

    /// Asserts that stderr is the single line `error: ...` holding `needle`.
    fn one_error_line(&self, needle: &str) {
        let err = &self.stderr;
        assert_eq!(err.lines().count(), 1, "{self:#?}");
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{needle:?}: {self:#?}"
        );
    }
}

/// An empty HOME shared by every run, so that no user config file is read:
/// one fixed directory inside target/ (the place cargo gives integration
/// tests for their files), the same for every run of the suite.
fn home() -> &'static PathBuf {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("confmod-cli-home");
        std::fs::create_dir_all(&home).unwrap();
        // the journal of the writes of earlier runs of the suite
        let _ = std::fs::remove_file(home.join("state").join("confmod").join("audit.jsonl"));
        home
    })
}

/// A directory for one test's files, removed when it is dropped.
fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("confmod-cli-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// The binary with `args`, a clean environment plus `env`, and stdin null.
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("TELNYX_") || n.starts_with("CONFMOD_") {
            cmd.env_remove(&name);
        }
    }
    cmd.env("HOME", home())
        .env("XDG_CONFIG_HOME", home().join("config"))
        .env("XDG_STATE_HOME", home().join("state"))
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::null());
    cmd
}

fn kill(signal: Signal, pid: u32) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Runs the binary to completion (at most [`DEADLINE`]).
fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(args, env);
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let Ok(out) = rx.recv_timeout(DEADLINE) else {
        kill(Signal::KILL, pid);
        panic!("confmod {args:?} still running after {DEADLINE:?}");
    };
    let out = out.expect("wait for confmod");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key leaked: {args:?}"
    );
    Run {
        code: out.status.code(),
        stdout,
        stderr,
    }
}

// ---- the sim -------------------------------------------------------------------

/// A sim on 127.0.0.1:0 and the runtime serving it (dropped after it).
struct Sim {
    handle: SimHandle,
    _rt: tokio::runtime::Runtime,
}

impl std::ops::Deref for Sim {
    type Target = SimHandle;
    fn deref(&self) -> &SimHandle {
        &self.handle
    }
}

/// Five conferences (the fourth completed) of `participants` each.
fn config(participants: usize) -> SimConfig {
    let conference = |(i, name): (usize, &&str)| ScenarioConference {
        name: name.to_string(),
        participants: None,
        completed: i == 3,
        init: false,
    };
    let conferences = NAMES.iter().enumerate().map(conference).collect();
    let labels = LABELS.iter().map(|l| l.to_string()).collect();
    let scenario = Some(Scenario {
        conferences,
        labels,
    });
    SimConfig {
        api_key: KEY.into(),
        participants,
        scenario,
        ..SimConfig::default()
    }
}

impl Sim {
    fn start(config: SimConfig) -> Sim {
        let mut rt = tokio::runtime::Builder::new_multi_thread();
        let rt = rt.worker_threads(2).enable_all().build().unwrap();
        let handle = rt.block_on(sim::spawn(config, "127.0.0.1:0".parse().unwrap()));
        Sim {
            handle: handle.unwrap(),
            _rt: rt,
        }
    }

    fn env(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("TELNYX_BASE_URL", self.base_url()),
            ("TELNYX_API_KEY", self.api_key()),
        ]
    }

    /// Runs a command line (split on whitespace) with the sim's URL and key.
    fn run(&self, line: &str) -> Run {
        run(&split(line), &self.env())
    }

    /// Exit 0 and the JSON on stdout.
    fn ok(&self, line: &str) -> Value {
        self.run(line).exit(0).json()
    }

    /// Exit 0 and the ids of the JSON array on stdout.
    fn ids(&self, line: &str) -> Vec<String> {
        ids(&self.ok(line))
    }

    /// Asserts exit 2 with nothing sent to the sim; returns stderr.
    fn usage_error(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let before = self.request_count();
        let r = run(args, env).exit(2);
        assert_eq!(self.request_count(), before, "{args:?} reached the network");
        assert!(r.stdout.is_empty(), "{r:#?}");
        r.stderr
    }

    /// [`Sim::usage_error`] of a command line with the sim's URL and key.
    fn refused(&self, line: &str) -> String {
        self.usage_error(&split(line), &self.env())
    }

    fn conference_status(&self, conf: &str) -> Value {
        let all = self.ok("conferences");
        let found = all.as_array().unwrap().iter().find(|c| c["id"] == conf);
        found.expect("listed")["status"].clone()
    }

    fn people(&self, conf: &str, keep: impl Fn(&Person) -> bool) -> Vec<String> {
        let people = self.participants(conf).into_iter().filter(|p| keep(p));
        people.map(|p| p.id).collect()
    }
}

fn has(text: &str, needles: &[&str]) {
    let missing: Vec<_> = needles.iter().filter(|n| !text.contains(**n)).collect();
    assert!(missing.is_empty(), "{missing:?} not in:\n{text}");
}

fn split(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn faults(fail_rate: f64, hang_rate: f64) -> Faults {
    let latency = Duration::ZERO;
    Faults {
        latency,
        fail_rate,
        hang_rate,
    }
}

fn ids(list: &Value) -> Vec<String> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"));
    items
        .iter()
        .map(|o| o["id"].as_str().expect("an id").to_string())
        .collect()
}

fn all(_: &Person) -> bool {
    true
}

// ---- listings ------------------------------------------------------------------

#[test]
fn conferences_are_listed_filtered_and_formatted() {
    let sim = Sim::start(config(3));
    let all = sim.conference_ids();
    assert_eq!(sim.ids("conferences --format json"), all);
    // json is the default when stdout is not a terminal
    assert_eq!(sim.ids("conferences"), all);
    assert_eq!(sim.ids("conferences --status completed"), [all[3].clone()]);
    let live = [&all[..3], &all[4..]].concat();
    assert_eq!(sim.ids("conferences --status in_progress"), live);
    let named = |name: &str| ids(&run(&["conferences", "--name", name], &sim.env()).json());
    assert_eq!(named("Sales"), [all[1].clone()]);
    assert_eq!(named("Sales sync"), [all[2].clone()]);
    assert_eq!(named("sales"), Vec::<String>::new());

    let table = sim.run("conferences --format table").exit(0).stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + all.len(), "{table}");
    assert_eq!(split(lines[0])[..3], ["ID", "NAME", "STATUS"], "{table}");
    for ((line, id), name) in lines[1..].iter().zip(&all).zip(NAMES) {
        assert!(
            line.starts_with(id.as_str()) && line.contains(name),
            "{line}"
        );
    }

    let jsonl = sim.run("conferences --format jsonl").exit(0).stdout;
    let objects: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(objects.iter().all(Value::is_object), "{jsonl}");
    assert_eq!(ids(&Value::Array(objects)), all);
}

#[test]
fn participants_are_the_api_objects_and_filters_match_the_sim() {
    let sim = Sim::start(config(40));
    let conf = sim.sample_conference();
    let people = sim.participants(&conf);
    let list = sim.ok(&format!("participants {conf} --format json"));
    assert_eq!(ids(&list), sim.people(&conf, all));
    for (item, p) in list.as_array().unwrap().iter().zip(&people) {
        assert_eq!(item["record_type"], "participant", "{item}");
        assert_eq!(item["conference"]["id"], conf.as_str(), "{item}");
        assert!(item.get("label").is_none() && item.get("conference_id").is_none());
        let state = [&item["call_control_id"], &item["muted"], &item["on_hold"]];
        assert_eq!(
            state,
            [
                &json!(p.call_control_id),
                &json!(p.muted),
                &json!(p.on_hold)
            ]
        );
    }

    let muted = sim.people(&conf, |p| p.muted);
    assert!(
        !muted.is_empty() && muted.len() < people.len(),
        "the seed must mix"
    );
    assert_eq!(sim.ids(&format!("participants {conf} --muted true")), muted);
    let not_held = sim.people(&conf, |p| !p.on_hold);
    assert!(
        not_held.len() < people.len(),
        "the seed must put someone on hold"
    );
    assert_eq!(
        sim.ids(&format!("participants {conf} --on-hold false")),
        not_held
    );
}

#[test]
fn several_pages_of_participants_lose_and_repeat_nothing() {
    let sim = Sim::start(config(640));
    let conf = sim.sample_conference();
    let listed = sim.ids(&format!("participants {conf}"));
    assert_eq!(listed.iter().collect::<HashSet<_>>().len(), 640);
    assert_eq!(listed, sim.people(&conf, all));
    let not_held = sim.ids(&format!("participants {conf} --on-hold false"));
    assert!(not_held.len() > 500);
    assert_eq!(not_held, sim.people(&conf, |p| !p.on_hold));
}

// ---- writes --------------------------------------------------------------------

#[test]
fn update_sets_the_fields_given_and_nothing_else() {
    let sim = Sim::start(config(30));
    let conf = sim.sample_conference();
    let before = sim.participants(&conf);
    let target = before[1..].iter().find(|p| !p.soft_end_conference_on_exit);
    let pid = &target.unwrap().id;
    let flags = "--soft-end-conference-on-exit true --beep-enabled on_exit";
    let out = sim.run(&format!("update {conf} {pid} {flags}")).exit(0);

    let mut expected = before.clone();
    for p in expected.iter_mut().filter(|p| p.id == *pid) {
        p.soft_end_conference_on_exit = true;
        p.beep_enabled = Some(BeepEnabled::OnExit);
    }
    let mut after = sim.participants(&conf);
    for p in after.iter_mut().chain(&mut expected) {
        p.updated_at.clear();
    }
    assert_eq!(after, expected);

    let doc = out.says(&["updated 1 of 1 participants"]).json();
    assert_eq!(ids(&doc["updated"]), std::slice::from_ref(pid));
    assert_eq!(doc["updated"][0]["soft_end_conference_on_exit"], true);
    assert_eq!([&doc["failed"], &doc["skipped"]], [&json!([]), &json!([])]);
}

#[test]
fn bulk_update_accounts_for_everyone_through_faults_and_429s() {
    let sim = Sim::start(config(60));
    let conf = sim.sample_conference();
    let people = sim.participants(&conf);
    let leavers: Vec<String> = people[1..4].iter().map(|p| p.id.clone()).collect();
    assert!(people[1..4].iter().all(|p| !p.soft_end_conference_on_exit));
    assert!(leavers.iter().all(|id| sim.hang_up(&conf, id)));
    sim.set_faults(faults(0.3, 0.0));
    sim.set_rate_limit(Some(20));
    // One retry (not the default two) so that some participants do fail. The
    // sim's faults are seeded and the listing is its first request, so the
    // listing itself gets through the same way every time.
    let flags = "--beep-enabled never --concurrency 8 --max-retries 1";
    let out = sim.run(&format!("update {conf} --all {flags}"));
    let doc = out.json();

    let updated = ids(&doc["updated"]);
    let failed = doc["failed"].as_array().unwrap();
    let failed_id = |f: &Value| f["participant_id"].as_str().unwrap().to_string();
    let skipped: Vec<String> = serde_json::from_value(doc["skipped"].clone()).unwrap();
    let mut seen = HashSet::new();
    for id in [
        updated.clone(),
        failed.iter().map(failed_id).collect(),
        skipped.clone(),
    ]
    .concat()
    {
        assert!(seen.insert(id.clone()), "{id} reported twice");
    }
    assert_eq!(seen, sim.people(&conf, all).into_iter().collect());
    assert_eq!(skipped, leavers);
    let beep = |id: &str| sim.participant(&conf, id).unwrap().beep_enabled;
    for id in &updated {
        assert_eq!(beep(id), Some(BeepEnabled::Never), "{id}");
    }
    for f in failed {
        let (status, message) = (&f["error"]["status"], &f["error"]["message"]);
        assert!(
            status.is_u64() || message.as_str().is_some_and(|m| !m.is_empty()),
            "{f}"
        );
        // faults strike before the handler: a failed update changed nothing
        assert_eq!(beep(&failed_id(f)), None, "{f}");
    }
    assert_eq!(out.code, Some(i32::from(!failed.is_empty())), "{out:#?}");
    let (n, m) = (updated.len(), updated.len() + failed.len());
    out.says(&[&format!("updated {n} of {m} participants")]);
}

#[test]
fn bulk_update_under_a_tight_rate_limit_waits_and_updates_everyone() {
    let sim = Sim::start(config(30));
    let conf = sim.sample_conference();
    sim.set_rate_limit(Some(5));
    let line = format!("update {conf} --all --beep-enabled on_enter --concurrency 8");
    let doc = sim
        .run(&line)
        .exit(0)
        .says(&["updated 30 of 30 participants"])
        .json();
    assert_eq!(doc["failed"], json!([]));
    assert_eq!(ids(&doc["updated"]), sim.people(&conf, all));
    let on_enter = sim.people(&conf, |p| p.beep_enabled == Some(BeepEnabled::OnEnter));
    assert_eq!(on_enter.len(), 30);
    let requests = sim.request_count();
    assert!(
        requests > 31,
        "the limit was never hit: {requests} requests"
    );
}

#[test]
fn bulk_update_paced_by_the_rate_limit_headers_is_almost_never_refused() {
    // 300 participants at 100 a second (a burst of 100), 10 ms a request,
    // 8 at a time: paced by x-ratelimit-*, the run waits for the tokens the
    // headers announce instead of running into 429s
    let sim = Sim::start(config(300));
    let conf = sim.sample_conference();
    sim.set_faults(Faults {
        latency: Duration::from_millis(10),
        ..faults(0.0, 0.0)
    });
    sim.set_rate_limit(Some(100));
    let line = format!("update {conf} --all --beep-enabled on_exit --concurrency 8");
    let doc = sim
        .run(&line)
        .exit(0)
        .says(&["updated 300 of 300 participants"])
        .json();
    assert_eq!(doc["failed"], json!([]));
    assert_eq!(ids(&doc["updated"]), sim.people(&conf, all));
    let on_exit = sim.people(&conf, |p| p.beep_enabled == Some(BeepEnabled::OnExit));
    assert_eq!(on_exit.len(), 300);
    // the listing (2 pages), the conference and 300 PATCHes: more than the
    // bucket, so the limit was reached
    let (requests, refused) = (sim.request_count(), sim.rate_limited_count());
    assert!(requests >= 303, "{requests} requests");
    assert!(
        refused <= 5,
        "{refused} of {requests} requests answered 429"
    );
}

#[test]
fn mute_unmute_hold_unhold_by_id_label_and_call_control_id() {
    let sim = Sim::start(config(30));
    let conf = sim.sample_conference();
    let people = sim.participants(&conf);
    let host = &people[0];
    assert_eq!(host.label, LABELS[0]);
    let mut free = people[LABELS.len()..]
        .iter()
        .filter(|p| !p.muted && !p.on_hold);
    let (a, b) = (free.next().unwrap(), free.next().unwrap());
    let refs = [a.id.as_str(), &host.label, &b.call_control_id];
    let ccids = HashSet::from([a, host, b].map(|p| p.call_control_id.clone()));
    let state = |list: Vec<Person>| -> Vec<(String, bool, bool)> {
        list.into_iter()
            .map(|p| (p.id, p.muted, p.on_hold))
            .collect()
    };
    type Apply = fn(&mut Person);
    let actions: [(&str, Apply); 4] = [
        ("mute", |p| p.muted = true),
        ("unmute", |p| p.muted = false),
        ("hold", |p| p.on_hold = true),
        ("unhold", |p| p.on_hold = false),
    ];
    for (action, apply) in actions {
        let mut expected = sim.participants(&conf);
        let targets = expected
            .iter_mut()
            .filter(|p| ccids.contains(&p.call_control_id));
        targets.for_each(apply);
        let doc = run(&[&[action, &conf][..], &refs].concat(), &sim.env())
            .exit(0)
            .json();
        let sent: HashSet<String> =
            serde_json::from_value(doc["call_control_ids"].clone()).unwrap();
        assert_eq!(sent, ccids, "{action}: {doc}");
        assert_eq!(state(sim.participants(&conf)), state(expected), "{action}");
    }
    let nobody = run(&["mute", &conf, "Nobody at all"], &sim.env());
    nobody.exit(1).one_error_line("404");
    // an empty list would mean everyone to the API: refused before the network
    sim.refused(&format!("mute {conf}"));
    sim.usage_error(&["hold", &conf, " "], &sim.env());
}

#[test]
fn end_needs_yes_and_then_the_conference_refuses_updates() {
    let sim = Sim::start(config(10));
    let conf = sim.sample_conference();
    let pid = sim.participants(&conf)[1].id.clone();
    has(&sim.refused(&format!("end {conf}")), &["--yes"]);
    assert_eq!(sim.conference_status(&conf), "in_progress");
    sim.run(&format!("end {conf} --yes")).exit(0);
    assert_eq!(sim.conference_status(&conf), "completed");
    assert_eq!(
        sim.participant(&conf, &pid).unwrap().status,
        ParticipantStatus::Left
    );
    let update = format!("update {conf} {pid} --beep-enabled never");
    sim.run(&update).exit(1).says(&["422 90019"]);
}

#[test]
fn read_only_refuses_every_write() {
    let sim = Sim::start(config(10));
    let conf = sim.sample_conference();
    let pid = &sim.participants(&conf)[1].id;
    let dir = temp_dir();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "read_only = true\n").unwrap();
    let config = config.display();
    for line in [
        format!("end {conf} --yes --read-only"),
        format!("mute {conf} {pid} --read-only"),
        format!("update {conf} {pid} --beep-enabled never --config {config}"),
        format!("unhold {conf} {pid} --config {config}"),
    ] {
        has(&sim.refused(&line), &["read-only"]);
    }
    assert_eq!(sim.conference_status(&conf), "in_progress");
    let listed = sim.ids(&format!("conferences --config {config}"));
    assert_eq!(listed, sim.conference_ids());
}

// ---- errors --------------------------------------------------------------------

#[test]
fn usage_errors_exit_2_before_any_request() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    let pid = sim.participants(&conf)[1].id.clone();
    for line in [
        "participants not-a-uuid".to_string(),
        format!("update all-hands {pid} --beep-enabled never"),
        format!("mute 3fa85f64 {pid}"),
        "end x --yes".to_string(),
    ] {
        has(&sim.refused(&line), &["not a conference id"]);
    }
    has(
        &sim.refused(&format!("update {conf} {pid}")),
        &["nothing to update"],
    );
    has(
        &sim.refused(&format!("update {conf} {pid} --beep-enabled loud")),
        &["loud"],
    );
    let plain = "conferences --base-url http://api.example.com/v2";
    has(&sim.refused(plain), &["plain http"]);
    let no_key = [("TELNYX_BASE_URL", sim.base_url())];
    let err = sim.usage_error(&["conferences"], &no_key);
    has(&err, &["TELNYX_API_KEY", "confmod demo"]);

    let dir = temp_dir();
    let dir = dir.path();
    let missing = dir.join("no-such-key");
    let err = sim.refused(&format!("conferences --api-key-file {}", missing.display()));
    has(&err, &["API key file", "no-such-key"]);

    // a bad config file: named with its line, its content never echoed
    let secret = "KEYsecretInTheConfig9";
    let files = [
        (
            format!("timeout = 3\napi_key = \"{secret}\"\n"),
            "line 2: unknown field",
        ),
        (
            format!("refresh = 3\n\nread_only = \"{secret}\"\n"),
            "line 3: invalid type",
        ),
    ];
    for (i, (text, problem)) in files.into_iter().enumerate() {
        let path = dir.join(format!("config{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let from_env = [sim.env(), vec![("CONFMOD_CONFIG", path)]].concat();
        for err in [
            sim.refused(&format!("conferences --config {path}")),
            sim.usage_error(&["conferences"], &from_env),
        ] {
            has(&err, &[problem]);
            assert!(
                !err.contains(secret) && !err.contains(" = 3"),
                "echoed: {err}"
            );
        }
    }
}

#[test]
fn key_config_and_scenario_files_are_read_bounded_and_keys_checked() {
    let sim = Sim::start(config(5));
    let dir = temp_dir();
    let dir = dir.path();
    let fifo = dir.join("fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let fifo = fifo.to_str().unwrap();
    // a device or a FIFO is never read (a plain read of /dev/zero never ends;
    // of a FIFO without a writer, never starts)
    for file in ["/dev/zero", "/dev/null", fifo] {
        for flag in ["--api-key-file", "--config"] {
            let err = sim.refused(&format!("conferences {flag} {file}"));
            has(&err, &[file, "not a regular file"]);
        }
    }
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    // a huge key file is refused by its size, not sent as a header
    let huge = write("huge-key", "K".repeat(100_000));
    has(
        &sim.refused(&format!("conferences --api-key-file {huge}")),
        &["larger than 8 KiB"],
    );
    let long = "K".repeat(confmod::telnyx::MAX_KEY_LEN + 1);
    let long_file = write("long-key", format!("{long}\n"));
    has(
        &sim.refused(&format!("conferences --api-key-file {long_file}")),
        &["longer than 2048"],
    );
    let env = [
        ("TELNYX_BASE_URL", sim.base_url()),
        ("TELNYX_API_KEY", &long),
    ];
    has(
        &sim.usage_error(&["conferences"], &env),
        &["TELNYX_API_KEY", "longer than 2048"],
    );
    let big_config = write("config.toml", "# padding\n".repeat(7_000));
    has(
        &sim.refused(&format!("conferences --config {big_config}")),
        &["larger than 64 KiB"],
    );
    // scenario files of the sim and the demo
    for line in ["sim --port 0 --scenario", "demo --scenario"] {
        for file in ["/dev/zero", fifo] {
            let r = run(&split(&format!("{line} {file}")), &[]).exit(2);
            r.one_error_line("not a regular file");
        }
    }
    let big_scenario = write("scenario.toml", "# padding\n".repeat(110_000));
    let r = run(&["sim", "--port", "0", "--scenario", &big_scenario], &[]);
    r.exit(2).one_error_line("larger than 1 MiB");
}

#[test]
fn bad_input_is_a_short_usage_error_and_nothing_is_sent() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    let huge = "p".repeat(70_000);
    let far = format!("http://127.0.0.1:1/{huge}");
    let cases: [&[&str]; 11] = [
        &["update", &conf, "..", "--beep-enabled", "never"],
        &["update", &conf, ".", "--beep-enabled", "never"],
        &["update", &conf, &huge, "--beep-enabled", "never"],
        &["mute", &conf, &huge],
        &["conferences", "--name", &huge],
        &["conferences", "--base-url", &far],
        &["update", &conf],
        &["update", "not-a-uuid", "p", "--beep-enabled", "never"],
        &["conferences", "--status", "bogus"],
        &["update", &conf, "p", "--al", "--beep-enabled", "never"],
        &["--bogus"],
    ];
    for args in cases {
        let err = sim.usage_error(args, &sim.env());
        let lines: Vec<&str> = err.lines().collect();
        let shown = &err[..err.len().min(400)];
        assert!((1..=2).contains(&lines.len()), "{shown}");
        assert!(lines[0].starts_with("error: "), "{shown}");
        assert!(lines.iter().all(|l| l.chars().count() <= 300), "{shown}");
    }
    let err = sim.usage_error(&["update", &conf, ".."], &sim.env());
    assert!(
        err.contains("'..' is not a participant id or label"),
        "{err}"
    );
    let err = sim.usage_error(&["conferences", "--status", "bogus"], &sim.env());
    assert!(
        err.contains("[possible values: init, in_progress, completed]"),
        "{err}"
    );
}

#[test]
fn the_key_file_flag_beats_the_environment_which_beats_the_config_file() {
    let sim = Sim::start(config(5));
    let dir = temp_dir();
    let dir = dir.path();
    let (right, wrong, config) = (dir.join("right"), dir.join("wrong"), dir.join("config"));
    std::fs::write(&right, format!("{KEY}\n")).unwrap();
    std::fs::write(&wrong, "KEYwrong\n").unwrap();
    std::fs::write(&config, format!("api_key_file = \"{}\"\n", wrong.display())).unwrap();
    let (right, config) = (right.to_str().unwrap(), config.to_str().unwrap());
    let url = ("TELNYX_BASE_URL", sim.base_url());
    let env_wrong = [url, ("TELNYX_API_KEY", "KEYwrong")];
    let out = run(&["conferences", "--api-key-file", right], &env_wrong);
    assert_eq!(ids(&out.exit(0).json()), sim.conference_ids());
    let listed = sim.ids(&format!("conferences --config {config}"));
    assert_eq!(listed, sim.conference_ids());
    let out = run(&["conferences", "--config", config], &[url]);
    out.exit(1).one_error_line("401 10009");
}

#[test]
fn api_errors_exit_1_with_one_line() {
    let sim = Sim::start(config(5));
    let unknown = uuid::Uuid::new_v4();
    let out = sim.run(&format!("participants {unknown}"));
    out.exit(1).one_error_line("404 90058");
    sim.run(&format!("end {unknown} --yes"))
        .exit(1)
        .one_error_line("404 90058");
    let pid = "6a09cdc3-8948-47f0-aa62-74ac943d6c58";
    let out = sim.run(&format!("update {unknown} {pid} --beep-enabled never"));
    has(&out.exit(1).stderr, &[&format!("failed {pid}: 404 90058")]);
    let wrong = [
        ("TELNYX_BASE_URL", sim.base_url()),
        ("TELNYX_API_KEY", "KEYwrongButValid"),
    ];
    let out = run(&["conferences"], &wrong).exit(1);
    out.one_error_line("401 10009");
    assert!(!out.stderr.contains("KEYwrongButValid"));

    sim.set_faults(faults(0.0, 1.0));
    // -v would report a retry on stderr: one line means no retry was made
    let out = sim.run("-v conferences --timeout 0.5 --max-retries 0");
    out.exit(1).one_error_line("timed out");
}

#[test]
fn a_refused_key_fails_each_participant_of_an_update_and_stops_an_update_of_all() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    let pid = sim.participants(&conf)[1].id.clone();
    let wrong = [
        ("TELNYX_BASE_URL", sim.base_url()),
        ("TELNYX_API_KEY", "KEYwrongButValid"),
    ];
    let r = run(&["update", &conf, &pid, "--beep-enabled", "never"], &wrong).exit(1);
    has(
        &r.stderr,
        &[
            &format!("failed {pid}: 401 10009"),
            "updated 0 of 1 participants, 1 failed",
        ],
    );
    assert!(!r.stderr.lines().any(|l| l.starts_with("error:")), "{r:#?}");
    assert!(!r.stderr.contains("KEYwrongButValid"), "{r:#?}");
    // the listing of --all is refused: one line, nothing updated
    let r = run(
        &["update", &conf, "--all", "--beep-enabled", "never"],
        &wrong,
    );
    r.exit(1).one_error_line("401 10009");
}

#[test]
fn verbose_reports_retries_but_never_the_key() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    let pid = sim.participants(&conf)[1].id.clone();
    sim.run(&format!("-v participants {conf}")).exit(0);
    sim.set_faults(faults(1.0, 0.0));
    let out = sim.run("-v conferences --max-retries 2");
    out.exit(1).says(&["retry 1/2", "retry 2/2"]);
    let line = format!("-v update {conf} {pid} --beep-enabled never --max-retries 1");
    sim.run(&line)
        .exit(1)
        .says(&["retry 1/1", "updated 0 of 1"]);
    // `run` has checked every output above for the key
}

// ---- the sim and the console as processes ---------------------------------------

/// Kills the process unless disarmed (a test that fails must not leave it running).
struct KillOnDrop(Option<u32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            kill(Signal::KILL, pid);
        }
    }
}

#[test]
fn sim_serves_its_banner_and_stops_on_sigterm() {
    let mut cmd = command(&split("sim --port 0 --participants 5"), &[]);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut guard = KillOnDrop(Some(pid));
    let (tx, lines) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        stdout
            .lines()
            .map_while(Result::ok)
            .try_for_each(|l| tx.send(l))
    });

    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut base, mut key, mut conf) = (None, None, None);
    while base.is_none() || key.is_none() || conf.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines.recv_timeout(left).expect("the banner in time");
        let value = |prefix: &str| line.strip_prefix(prefix).map(|v| v.trim().to_string());
        base = base.or(value("confmod sim listening on "));
        key = key.or(value("API key:"));
        conf = conf.or(value("conference:"));
    }
    let (base, key, conf) = (base.unwrap(), key.unwrap(), conf.unwrap());
    let port = base
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.strip_suffix("/v2"));
    assert!(
        port.is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p != 0)),
        "{base}"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let (status, body) = rt.unwrap().block_on(async {
        let request = common::http_client()
            .get(format!("{base}/conferences"))
            .bearer_auth(&key);
        let resp = request.send().await.unwrap();
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert!(ids(&body["data"]).contains(&conf), "{body}");

    kill(Signal::TERM, pid);
    let (tx, exited) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait()));
    let status = exited.recv_timeout(DEADLINE).expect("exited after SIGTERM");
    guard.0 = None;
    assert_eq!(status.unwrap().code(), Some(0));
}

#[test]
fn the_sim_refuses_a_world_too_large_to_seed_before_seeding_it() {
    // 50 million participants: refused at once, naming the limit
    let r = run(
        &split("sim --port 0 --conferences 1000 --participants 50000"),
        &[],
    );
    r.exit(2)
        .one_error_line("at most 100000 participants in all, not 50000000");
    let dir = temp_dir();
    let scenario = dir.path().join("big.toml");
    let text = "[[conferences]]\nparticipants = 50000\n".repeat(3);
    std::fs::write(&scenario, text).unwrap();
    let scenario = scenario.to_str().unwrap();
    for line in ["sim --port 0 --scenario", "demo --scenario"] {
        let r = run(&split(&format!("{line} {scenario}")), &[]);
        r.exit(2).one_error_line("not 150000");
    }
}

#[test]
fn the_console_refuses_to_run_without_a_terminal() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    for line in [
        "demo".to_string(),
        String::new(),
        format!("--conference {conf}"),
    ] {
        has(&sim.refused(&line), &["the console needs a terminal"]);
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // enough output (several hundred KB) to fill the pipe before it closes
    let sim = Sim::start(config(2_000));
    let conf = sim.sample_conference();
    let mut child = command(&["participants", &conf, "--format", "jsonl"], &sim.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    lines.read_line(&mut first).unwrap();
    assert!(first.contains("\"record_type\":\"participant\""), "{first}");
    drop(lines); // `| head -1`
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let out = rx.recv_timeout(DEADLINE).expect("exits").unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn an_empty_base_url_variable_counts_as_unset() {
    // empty TELNYX_BASE_URL: the default (https) base URL, so the run goes on
    // to the key check instead of failing on a relative URL
    let r = run(&["conferences"], &[("TELNYX_BASE_URL", "")]).exit(2);
    r.one_error_line("TELNYX_API_KEY");
}

// ---- identifiers, results and paging as the server gave them ---------------------

#[test]
fn every_form_of_a_conference_id_reaches_the_conference_in_its_canonical_form() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    let simple = conf.replace('-', "");
    let expected = sim.ids(&format!("participants {conf}"));
    for form in [
        conf.to_uppercase(),
        simple.clone(),
        format!("{{{conf}}}"),
        format!("urn:uuid:{}", conf.to_uppercase()),
    ] {
        assert_eq!(sim.ids(&format!("participants {form}")), expected, "{form}");
    }
    // a write too: the PATCH goes to the canonical path
    let p = sim.participants(&conf)[1].clone();
    sim.ok(&format!(
        "update {simple} {} --beep-enabled never",
        p.id.to_uppercase()
    ));
    assert_eq!(
        sim.participant(&conf, &p.id).unwrap().beep_enabled,
        Some(BeepEnabled::Never)
    );
}

/// A tiny API on 127.0.0.1:0 answering from `app`; its base URL.
struct Scripted {
    base: String,
    _rt: tokio::runtime::Runtime,
}

impl Scripted {
    fn start(app: axum::Router) -> Scripted {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}/v2", listener.local_addr().unwrap());
        rt.spawn(async move { axum::serve(listener, app).await });
        Scripted { base, _rt: rt }
    }

    fn run(&self, line: &str) -> Run {
        run(
            &split(line),
            &[("TELNYX_BASE_URL", &self.base), ("TELNYX_API_KEY", KEY)],
        )
    }
}

const CONF: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

#[test]
fn actions_print_the_result_the_server_answered() {
    use axum::routing::post;
    let answer = || async { axum::Json(json!({"data": {"result": "queued\u{1b}[2J"}})) };
    let app = axum::Router::new()
        .route("/v2/conferences/{id}/actions/mute", post(answer))
        .route("/v2/conferences/{id}/actions/end", post(answer));
    let api = Scripted::start(app);
    let r = api
        .run(&format!("mute {CONF} v3:abc --format json"))
        .exit(0);
    let doc = r.json();
    assert_eq!(doc["result"], "queued\u{1b}[2J", "{doc}");
    assert!(!r.stdout.contains('\u{1b}'), "escaped in JSON: {r:#?}");
    let r = api
        .run(&format!("mute {CONF} v3:abc --format table"))
        .exit(0);
    assert!(
        r.stdout.contains("the server answered \"queued\""),
        "{r:#?}"
    );
    let r = api.run(&format!("end {CONF} --yes --format table")).exit(0);
    assert!(
        r.stdout.contains("the server answered \"queued\""),
        "{r:#?}"
    );
}

#[test]
fn a_page_meta_that_makes_no_sense_ends_the_listing_with_a_warning() {
    use axum::routing::get;
    // what Prism's dynamic mock may send: a negative page count
    let page = || async {
        let item = |id: &str| json!({"id": id, "record_type": "participant", "status": "joined"});
        axum::Json(json!({
            "data": [item("a"), item("b")],
            "meta": {"page_number": 1, "page_size": 250, "total_pages": -7, "total_results": -1}
        }))
    };
    let app = axum::Router::new().route("/v2/conferences/{id}/participants", get(page));
    let api = Scripted::start(app);
    let r = api
        .run(&format!("participants {CONF} --format json"))
        .exit(0);
    assert_eq!(ids(&r.json()), ["a", "b"]);
    has(
        &r.stderr,
        &[
            "warning",
            "paging meta makes no sense",
            "stopped after page 1",
        ],
    );
}

#[test]
fn update_all_on_a_listing_it_cannot_trust_updates_what_it_named_and_exits_1() {
    use axum::extract::Path;
    use axum::routing::{get, patch};
    let page = || async {
        let item = |id: &str| json!({"id": id, "record_type": "participant", "status": "joined"});
        axum::Json(json!({
            "data": [item("a"), item("b")],
            "meta": {"page_number": 1, "page_size": 250, "total_pages": -7, "total_results": -1}
        }))
    };
    let app = axum::Router::new()
        .route("/v2/conferences/{id}/participants", get(page))
        .route(
            "/v2/conferences/{id}/participants/{pid}",
            patch(|Path((_, pid)): Path<(String, String)>| async move { echo(&pid) }),
        );
    let api = Scripted::start(app);
    let r = api.run(&format!(
        "update {CONF} --all --beep-enabled never --format json"
    ));
    let doc = r.json();
    let r = r.exit(1);
    assert_eq!(ids(&doc["updated"]), ["a", "b"]);
    let why = doc["listing_incomplete"][0].as_str().unwrap();
    assert!(why.contains("paging meta makes no sense"), "{doc}");
    has(
        &r.stderr,
        &[
            "confmod: warning: the server's paging meta makes no sense",
            "updated 2 of 2 participants; the listing may not have named everyone",
        ],
    );
}

#[test]
fn an_unexpected_error_is_reported_with_its_cause() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let r = run(&["sim", "--port", &port], &[]).exit(1);
    has(&r.stderr, &["cannot start the simulator", "in use"]);
    assert!(!r.stderr.contains('\u{1b}'), "no colour in a pipe: {r:#?}");
}

#[test]
fn hold_plays_the_music_of_the_flags_or_the_config_file() {
    use axum::routing::post;
    use std::sync::{Arc, Mutex};
    let bodies = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = bodies.clone();
    let app = axum::Router::new().route(
        "/v2/conferences/{id}/actions/hold",
        post(move |axum::Json(body): axum::Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body);
                axum::Json(json!({"data": {"result": "ok"}}))
            }
        }),
    );
    let api = Scripted::start(app);
    let dir = temp_dir();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "hold_media_name = \"lobby_jazz\"\n").unwrap();
    let config = config.display();
    api.run(&format!("hold {CONF} v3:a --config {config}"))
        .exit(0);
    api.run(&format!(
        "hold {CONF} v3:b --config {config} --audio-url https://example.com/hold.mp3"
    ))
    .exit(0);
    api.run(&format!("hold {CONF} v3:c")).exit(0);
    let seen = bodies.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            json!({"call_control_ids": ["v3:a"], "media_name": "lobby_jazz"}),
            json!({"call_control_ids": ["v3:b"], "audio_url": "https://example.com/hold.mp3"}),
            json!({"call_control_ids": ["v3:c"]}),
        ]
    );
    // both at once is refused before anything is sent
    let r = api.run(&format!(
        "hold {CONF} v3:d --audio-url https://x/a.mp3 --media-name b"
    ));
    r.exit(2);
    assert_eq!(bodies.lock().unwrap().len(), 3);
}

/// A server whose lists never end: every page of participants or
/// conferences brings 250 fresh items (with `padding` bytes of filler) and
/// claims more pages. Counts the PATCHes it is sent.
fn endless(padding: usize) -> (Scripted, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::extract::RawQuery;
    use axum::routing::get;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let patches = Arc::new(AtomicUsize::new(0));
    let counter = patches.clone();
    let page = move |RawQuery(query): RawQuery| {
        let query = query.unwrap_or_default();
        let number = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "page[number]")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        let filler = "x".repeat(padding);
        let items: Vec<Value> = (0..250)
            .map(|i| json!({"id": format!("p{number}-{i}"), "status": "joined", "padding": filler}))
            .collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": i64::MAX, "total_results": i64::MAX});
        std::future::ready(axum::Json(json!({"data": items, "meta": meta})))
    };
    let patch = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::ready(axum::Json(json!({"data": {}})))
    };
    let app = axum::Router::new()
        .route("/v2/conferences", get(page))
        .route("/v2/conferences/{id}/participants", get(page))
        .route(
            "/v2/conferences/{id}/participants/{pid}",
            axum::routing::patch(patch),
        );
    (Scripted::start(app), patches)
}

#[test]
fn a_listing_that_never_ends_stops_at_its_limits_and_exits_1_saying_the_output_is_incomplete() {
    let (api, patches) = endless(0);
    let dir = temp_dir();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "max_listing_items = 600\n").unwrap();
    let config = config.display();
    // what was written as the pages came stays, ended as a whole (a JSON
    // array closed), and the command fails
    let first_600: Vec<String> = (1..=3)
        .flat_map(|page| (0..250).map(move |i| format!("p{page}-{i}")))
        .take(600)
        .collect();
    for format in ["json", "jsonl", "table"] {
        let r = api.run(&format!(
            "participants {CONF} --format {format} --config {config}"
        ));
        let r = r.exit(1);
        r.one_error_line("the listing stopped at the limit of 600 items (max_listing_items");
        has(&r.stderr, &["after 600 items", "the output is incomplete"]);
        let written = match format {
            "json" => ids(&r.json()),
            "jsonl" => r
                .stdout
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
                .map(|id| id.trim_matches('"').to_string())
                .collect(),
            _ => {
                let mut lines = r.stdout.lines();
                assert!(lines.next().unwrap().starts_with("ID  "), "{r:#?}");
                lines
                    .map(|l| l.split(' ').next().unwrap().to_string())
                    .collect()
            }
        };
        assert_eq!(written, first_600, "{format}");
    }
    // a bulk update never acts on a part of the list as if it were all of it
    let r = api.run(&format!(
        "update {CONF} --all --beep-enabled never --config {config}"
    ));
    r.exit(1).one_error_line("nothing was updated");
    assert_eq!(patches.load(std::sync::atomic::Ordering::SeqCst), 0);

    // large items meet the byte limit first
    let (api, _) = endless(4_000);
    std::fs::write(dir.path().join("config.toml"), "max_listing_mib = 1\n").unwrap();
    let r = api.run(&format!("conferences --config {config}")).exit(1);
    r.one_error_line("the listing stopped at the limit of 1 MiB (max_listing_mib");
    let written = ids(&r.json()).len();
    assert!(written > 0 && written < 500, "{written} items written");
    assert!(
        r.stderr.contains(&format!("after {written} items")),
        "{r:#?}"
    );
}

#[test]
fn a_listing_stops_at_2000_pages_whatever_else_it_says() {
    use axum::extract::RawQuery;
    use axum::routing::get;
    // one participant a page, and a million pages to come
    let page = |RawQuery(query): RawQuery| {
        let query = query.unwrap_or_default();
        let number = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "page[number]")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        let meta = json!({"page_number": number, "page_size": 1,
                          "total_pages": 1_000_000, "total_results": 1_000_000});
        let items = json!([{"id": format!("p{number}"), "status": "joined"}]);
        std::future::ready(axum::Json(json!({"data": items, "meta": meta})))
    };
    let app = axum::Router::new().route("/v2/conferences/{id}/participants", get(page));
    let api = Scripted::start(app);
    let r = api
        .run(&format!("participants {CONF} --format jsonl"))
        .exit(1);
    r.one_error_line("the listing stopped at the limit of 2000 pages");
    has(&r.stderr, &["after 2000 items", "narrow the listing"]);
    let ids: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, (1..=2000).map(|n| format!("p{n}")).collect::<Vec<_>>());
}

#[test]
fn a_listing_whose_first_page_fails_writes_nothing() {
    use axum::routing::get;
    let refused = || async {
        let body = json!({"errors": [{"code": "10007", "title": "Not found"}]});
        (axum::http::StatusCode::NOT_FOUND, axum::Json(body))
    };
    let app = axum::Router::new().route("/v2/conferences/{id}/participants", get(refused));
    let api = Scripted::start(app);
    for format in ["json", "jsonl", "table"] {
        let r = api.run(&format!("participants {CONF} --format {format}"));
        let r = r.exit(1);
        r.one_error_line("404 10007 Not found");
        // not even an empty array: no list was read
        assert!(r.stdout.is_empty(), "{format}");
    }
}

#[test]
fn a_listing_that_breaks_off_midway_closes_its_json_and_exits_1() {
    use axum::extract::RawQuery;
    use axum::routing::get;
    // three pages; the third is refused
    let page = |RawQuery(query): RawQuery| async move {
        let query = query.unwrap_or_default();
        let number = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "page[number]")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        if number == 3 {
            let body = json!({"errors": [{"code": "10015", "title": "Bad Request"}]});
            return (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(body),
            );
        }
        let items: Vec<Value> = (0..250)
            .map(|i| json!({"id": format!("p{number}-{i}"), "status": "joined"}))
            .collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": 3, "total_results": 700});
        let body = json!({"data": items, "meta": meta});
        (axum::http::StatusCode::OK, axum::Json(body))
    };
    let app = axum::Router::new().route("/v2/conferences/{id}/participants", get(page));
    let api = Scripted::start(app);
    let r = api
        .run(&format!("participants {CONF} --format json"))
        .exit(1);
    r.one_error_line("the listing broke off after 500 items were written: the output is incomplete: 422 10015 Bad Request");
    assert_eq!(ids(&r.json()).len(), 500);
}

/// Every item of `conf`, as the API returns them, read with the client.
/// The participants of `conf` as the API sent them: each item's raw JSON.
fn api_items(sim: &Sim, conf: &str) -> Vec<String> {
    use confmod::telnyx::{ApiKey, Client, ClientConfig, ParticipantFilter};
    let config = ClientConfig::new(sim.base_url(), ApiKey::new(sim.api_key()).unwrap());
    let client = Client::new(&config).unwrap();
    let conf = conf.parse().unwrap();
    let listing = sim._rt.block_on(async {
        let filter = ParticipantFilter::default();
        client.list_participants_raw(&conf, &filter).await.unwrap()
    });
    listing.items.iter().map(|i| i.get().to_string()).collect()
}

#[test]
fn streamed_json_and_json_lines_are_the_items_byte_for_byte_as_the_api_sent_them() {
    // three pages, written as they come
    let sim = Sim::start(config(640));
    let conf = sim.sample_conference();
    let items = api_items(&sim, &conf);
    assert_eq!(items.len(), 640);
    // one array, an item a line, each exactly as the API sent it: every
    // field, in the server's order, never written again
    let whole = format!("[\n  {}\n]\n", items.join(",\n  "));
    let json = sim
        .run(&format!("participants {conf} --format json"))
        .exit(0);
    assert!(json.stdout == whole, "the JSON differs from the items sent");
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc.as_array().map(Vec::len), Some(640));
    let lines: String = items.iter().map(|i| format!("{i}\n")).collect();
    let jsonl = sim
        .run(&format!("participants {conf} --format jsonl"))
        .exit(0);
    assert!(
        jsonl.stdout == lines,
        "the JSON lines differ from the items sent"
    );
}

#[test]
fn a_large_listing_is_written_as_its_pages_arrive() {
    use axum::extract::RawQuery;
    use axum::routing::get;
    use std::sync::Arc;
    // four pages; the last one is served only once the first line of the
    // output has been read (or, failing that, refused after 20 s)
    let release = Arc::new(tokio::sync::Notify::new());
    let held = release.clone();
    let page = move |RawQuery(query): RawQuery| {
        let held = held.clone();
        async move {
            let query = query.unwrap_or_default();
            let number = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "page[number]")
                .and_then(|(_, v)| v.parse::<u64>().ok())
                .unwrap_or(1);
            if number == 4 {
                let wait = tokio::time::timeout(Duration::from_secs(20), held.notified());
                if wait.await.is_err() {
                    let body = json!({"errors": [{"code": "10002", "title": "held too long"}]});
                    let refused = axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    return ([("x-should-retry", "false")], (refused, axum::Json(body)));
                }
            }
            let items: Vec<Value> = (0..250)
                .map(|i| json!({"id": format!("p{number}-{i}"), "status": "joined"}))
                .collect();
            let meta = json!({"page_number": number, "page_size": 250,
                              "total_pages": 4, "total_results": 1000});
            let body = json!({"data": items, "meta": meta});
            (
                [("cache-control", "no-store")],
                (axum::http::StatusCode::OK, axum::Json(body)),
            )
        }
    };
    let app = axum::Router::new().route("/v2/conferences/{id}/participants", get(page));
    let api = Scripted::start(app);
    let env = [
        ("TELNYX_BASE_URL", api.base.as_str()),
        ("TELNYX_API_KEY", KEY),
    ];
    let mut run = Running::start(&["participants", CONF, "--format", "jsonl"], &env);
    run.stdout_lines(1);
    assert!(run.seen_out[0].contains("\"p1-0\""), "{:?}", run.seen_out);
    release.notify_one();
    let r = run.exit();
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(r.stdout.lines().count(), 1000);
    assert!(r.stdout.lines().last().unwrap().contains("\"p4-249\""));
}

// ---- the audit journal -----------------------------------------------------------

/// `confmod audit` of `journal` in `format`, with `more` arguments.
fn audit(journal: &std::path::Path, format: &str, more: &[&str]) -> Run {
    let path = journal.to_str().unwrap();
    let args = [
        &["audit", "--audit-file", path, "--format", format][..],
        more,
    ]
    .concat();
    run(&args, &[])
}

fn journal_lines(journal: &std::path::Path) -> Vec<Value> {
    audit(journal, "jsonl", &[])
        .exit(0)
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_write_of_the_commands_is_journaled_and_audit_reads_it_back() {
    let sim = Sim::start(config(8));
    let conf = sim.sample_conference();
    let other = sim.ok("conferences").as_array().unwrap()[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let people = sim.participants(&conf);
    let (host, guest) = (&people[0], &people[3]);
    let dir = temp_dir();
    // the directory does not exist yet: it is made 0700
    let journal = dir.path().join("state").join("audit.jsonl");
    let path = journal.to_str().unwrap();
    let env = [&sim.env()[..], &[("USER", "ana")]].concat();
    let write = |args: &[&str]| run(&[&["--audit-file", path][..], args].concat(), &env);

    // one entry per request: two PATCHes, one mute, one end
    write(&[
        "update",
        &conf,
        &guest.id,
        &host.label,
        "--beep-enabled",
        "never",
    ])
    .exit(0);
    write(&["mute", &conf, &guest.call_control_id]).exit(0);
    write(&["end", &other, "--yes"]).exit(0);

    let entries = journal_lines(&journal);
    assert_eq!(entries.len(), 4, "{entries:#?}");
    let host_host = sim.base_url().split('/').nth(2).unwrap();
    for e in &entries {
        assert_eq!(e["operator"], "ana", "{e}");
        assert_eq!(e["api_host"], host_host, "{e}");
        assert_eq!(
            (e["ok"].clone(), e["status"].clone()),
            (json!(true), json!(200)),
            "{e}"
        );
        assert!(e["time"].as_str().unwrap().ends_with('Z'), "{e}");
    }
    let updates: Vec<&Value> = entries.iter().filter(|e| e["action"] == "update").collect();
    assert_eq!(updates.len(), 2);
    for u in &updates {
        assert_eq!(u["via"], "update");
        assert_eq!(u["conference_id"], conf.as_str());
        assert_eq!(u["conference_name"], NAMES[0]);
        assert_eq!(u["sent"], json!({"beep_enabled": "never"}));
    }
    // the one named by label is known by label and call_control_id too
    let by_label = updates
        .iter()
        .find(|u| u["participants"][0]["id"] == host.id.as_str())
        .expect("the host's entry");
    assert_eq!(by_label["participants"][0]["label"], host.label.as_str());
    assert_eq!(
        by_label["participants"][0]["call_control_id"],
        host.call_control_id.as_str()
    );
    let mute = &entries[2];
    assert_eq!(
        (mute["action"].clone(), mute["via"].clone()),
        (json!("mute"), json!("mute"))
    );
    assert_eq!(
        mute["sent"],
        json!({"call_control_ids": [guest.call_control_id]})
    );
    assert_eq!(
        mute["participants"][0]["call_control_id"],
        guest.call_control_id.as_str()
    );
    let end = &entries[3];
    assert_eq!(
        (end["action"].clone(), end["conference_id"].clone()),
        (json!("end"), json!(other))
    );
    assert_eq!(end["conference_name"], NAMES[1]);

    // a failure is journaled with the server's status and code
    write(&["update", &other, &guest.id, "--beep-enabled", "always"]).exit(1);
    let failed = journal_lines(&journal).pop().unwrap();
    assert_eq!(
        (failed["ok"].clone(), failed["status"].clone()),
        (json!(false), json!(422))
    );
    assert_eq!(failed["code"], "90019");

    // json is one array, oldest first, equal to the lines
    let all = audit(&journal, "json", &[]).exit(0).json();
    assert_eq!(all.as_array().unwrap(), &journal_lines(&journal));
    // filters: by conference, by time
    let only = audit(&journal, "json", &["--conference", &conf])
        .exit(0)
        .json();
    assert_eq!(only.as_array().unwrap().len(), 3);
    let recent = audit(&journal, "json", &["--since", "2h"]).exit(0).json();
    assert_eq!(recent.as_array().unwrap().len(), 5);
    let future = audit(&journal, "json", &["--since", "2999-01-01T00:00:00Z"]).exit(0);
    assert_eq!(future.json(), json!([]));
    let bad = run(
        &["audit", "--audit-file", path, "--since", "yesterday"],
        &[],
    )
    .exit(2);
    bad.one_error_line("--since");
    // a table for people
    let table = audit(&journal, "table", &[]).exit(0).stdout;
    has(
        &table,
        &[
            "TIME",
            "OPERATOR",
            "ana",
            NAMES[0],
            &host.label,
            "beep=never",
            "mute",
            "422 90019",
        ],
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&journal), 0o600);
        assert_eq!(mode(journal.parent().unwrap()), 0o700);
    }
}

#[test]
fn audit_without_a_journal_prints_nothing_and_skips_lines_that_are_not_entries() {
    let dir = temp_dir();
    let journal = dir.path().join("audit.jsonl");
    let none = audit(&journal, "json", &[])
        .exit(0)
        .says(&["no audit journal"]);
    assert_eq!(none.json(), json!([]));
    std::fs::write(&journal, "not an entry\n{\"torn\": \n").unwrap();
    let r = audit(&journal, "jsonl", &[])
        .exit(0)
        .says(&["2 line(s)", "line 1, 2"]);
    assert!(r.stdout.is_empty(), "{r:#?}");
}

#[test]
fn an_audit_table_shows_the_newest_entries_within_its_bound_and_says_so() {
    let dir = temp_dir();
    let journal = dir.path().join("audit.jsonl");
    let entry = |i: usize| {
        json!({"time": format!("2026-12-01T{:02}:{:02}:{:02}.000Z", i / 3600, i / 60 % 60, i % 60),
               "operator": "ops", "via": "update", "api_host": "api.telnyx.com",
               "conference_id": CONF, "conference_name": format!("call {i}"),
               "action": "update", "participants": [{"id": format!("p{i}")}],
               "sent": {"beep_enabled": "never"}, "ok": true, "status": 200,
               "code": null, "error": null})
        .to_string()
    };
    let total = confmod::commands::AUDIT_TABLE_ROWS + 3;
    let lines: Vec<String> = (0..total).map(entry).collect();
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let r = audit(&journal, "table", &[]).exit(0);
    let rows: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), confmod::commands::AUDIT_TABLE_ROWS);
    assert!(rows[0].contains("call 3 "), "{}", rows[0]);
    assert!(
        rows.last()
            .unwrap()
            .contains(&format!("call {} ", total - 1))
    );
    has(
        &r.stderr,
        &[&format!(
            "showing the newest {} of {total} entries",
            confmod::commands::AUDIT_TABLE_ROWS
        )],
    );
}

#[cfg(unix)]
#[test]
fn a_journal_behind_a_symbolic_link_is_refused_before_anything_is_sent() {
    let sim = Sim::start(config(4));
    let conf = sim.sample_conference();
    let pid = sim.participants(&conf)[1].id.clone();
    let dir = temp_dir();
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "precious\n").unwrap();
    let link = dir.path().join("audit.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let before = sim.request_count();
    let args = [
        "--audit-file",
        link.to_str().unwrap(),
        "update",
        &conf,
        &pid,
        "--beep-enabled",
        "never",
    ];
    run(&args, &sim.env())
        .exit(1)
        .one_error_line("audit.jsonl is a symbolic link (nothing was sent");
    assert_eq!(sim.request_count(), before, "a write was sent");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    let read = audit(&link, "json", &[]).exit(1);
    read.one_error_line("symbolic link");
}

/// A journal that stops taking writes (a full disk; here the file size limit
/// of the process, which fails a write the same way) is said on stderr and
/// in the exit code; the writes themselves are made and reported.
#[cfg(unix)]
#[test]
fn a_journal_that_cannot_be_written_is_reported_and_exits_1() {
    use std::os::unix::process::CommandExt;
    let sim = Sim::start(config(6));
    let conf = sim.sample_conference();
    let people = sim.participants(&conf);
    let targets = [people[2].id.as_str(), people[3].id.as_str()];
    let dir = temp_dir();
    let journal = dir.path().join("audit.jsonl");
    let path = journal.to_str().unwrap();
    let args = [
        &["--audit-file", path, "update", &conf][..],
        &targets,
        &["--beep-enabled", "on_enter"],
    ]
    .concat();
    let mut cmd = command(&args, &sim.env());
    // SAFETY: between fork and exec only async-signal-safe calls are made:
    // signal(2) and setrlimit(2).
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let none = rustix::process::Rlimit {
                current: Some(0),
                maximum: Some(0),
            };
            rustix::process::setrlimit(rustix::process::Resource::Fsize, none)?;
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    has(
        &stderr,
        &[
            "the audit journal",
            "cannot be written",
            "a write was made but is not in the journal",
            "2 of these writes are not in the audit journal",
            "updated 2 of 2 participants",
        ],
    );
    for id in targets {
        let p = sim.participant(&conf, id).unwrap();
        assert_eq!(p.beep_enabled, Some(BeepEnabled::OnEnter), "{id}");
    }
    assert_eq!(std::fs::metadata(&journal).unwrap().len(), 0);
}

// ---- bulk updates: nothing lost or hidden ------------------------------------------

/// A server of one conference: its participant list is `items`, and a PATCH
/// is answered by `answer` (given the participant id); counts the PATCHes.
fn patching(
    items: Vec<Value>,
    answer: impl Fn(&str) -> axum::response::Response + Clone + Send + Sync + 'static,
) -> (Scripted, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::extract::Path;
    use axum::routing::{get, patch};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let patches = Arc::new(AtomicUsize::new(0));
    let counter = patches.clone();
    let list = move || {
        let page = json!({"data": items, "meta": {"page_number": 1, "total_pages": 1}});
        std::future::ready(axum::Json(page))
    };
    let update = move |Path((_, pid)): Path<(String, String)>| {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::ready(answer(&pid))
    };
    let app = axum::Router::new()
        .route("/v2/conferences/{id}/participants", get(list))
        .route("/v2/conferences/{id}/participants/{pid}", patch(update));
    (Scripted::start(app), patches)
}

fn answer_json(status: u16, body: Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::from_u16(status).unwrap();
    (status, axum::Json(body)).into_response()
}

fn echo(pid: &str) -> axum::response::Response {
    answer_json(200, json!({"data": {"id": pid, "status": "joined"}}))
}

fn count(counter: &std::sync::atomic::AtomicUsize) -> usize {
    counter.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn a_bulk_update_keeps_at_most_max_listing_mib_of_the_answers() {
    // ten participants, each answered with a label of 300 KiB: 3 MiB of
    // answers against a limit of 1 MiB
    let items: Vec<Value> = (0..10)
        .map(|i| json!({"id": format!("p{i}"), "status": "joined"}))
        .collect();
    let (api, patches) = patching(items, |pid| {
        let body = json!({"data": {"id": pid, "status": "joined", "label": "x".repeat(300 << 10)}});
        answer_json(200, body)
    });
    let dir = temp_dir();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "max_listing_mib = 1\n").unwrap();
    let line = format!(
        "update {CONF} --all --beep-enabled never --concurrency 1 --format json --config {}",
        config.display()
    );
    let r = api.run(&line);
    let doc = r.json();
    let r = r.exit(0);
    assert_eq!(count(&patches), 10);
    // everyone updated, and said so; the answers kept whole are the first
    // three (within 1 MiB), the others by their id alone
    let updated = doc["updated"].as_array().unwrap();
    let ids: Vec<&str> = updated.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, (0..10).map(|i| format!("p{i}")).collect::<Vec<_>>());
    let whole = updated.iter().filter(|p| p.get("label").is_some()).count();
    assert_eq!(whole, 3, "{whole} answers kept whole");
    assert!(updated[9].get("label").is_none() && updated[9]["id"] == "p9");
    has(
        &r.stderr,
        &[
            "the answers passed 1 MiB (max_listing_mib in the config file): 7 updated participant(s) are reported by their id alone",
            "updated 10 of 10 participants",
        ],
    );
}

#[test]
fn a_list_item_over_the_item_limit_is_not_read_and_is_a_failure() {
    // one item of 300 KiB, over the 256 KiB an item may be
    let items = vec![
        json!({"id": "p1", "status": "joined"}),
        json!({"id": "big", "status": "joined", "padding": "x".repeat(300 << 10)}),
        json!({"id": "p2", "status": "joined"}),
    ];
    let (api, patches) = patching(items, echo);
    let r = api.run(&format!(
        "update {CONF} --all --beep-enabled never --format json"
    ));
    let doc = r.json();
    let r = r.exit(1);
    assert_eq!(ids(&doc["updated"]), ["p1", "p2"]);
    let failed = doc["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{doc}");
    let message = failed[0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("larger than 256 KiB"), "{message}");
    assert_eq!(count(&patches), 2, "the item not read is not written to");
    has(&r.stderr, &["updated 2 of 3 participants, 1 failed"]);
    // a table leaves it out and says so
    let r = api
        .run(&format!("participants {CONF} --format table"))
        .exit(0);
    has(&r.stdout, &["p1", "p2"]);
    has(
        &r.stderr,
        &["1 item(s) of the listing could not be read and are not shown"],
    );
}

#[test]
fn a_list_item_that_does_not_decode_is_a_failure_not_left_out() {
    let items = vec![
        json!({"id": "p1", "status": "joined"}),
        json!({"id": "p2", "status": "joined", "muted": "loud"}),
        json!("not a participant"),
        json!({"id": "p3", "status": "left"}),
        json!({"id": "p4", "status": "joining"}),
    ];
    let (api, patches) = patching(items, echo);
    let r = api.run(&format!(
        "update {CONF} --all --beep-enabled never --format json"
    ));
    let doc = r.json();
    let r = r.exit(1);
    assert_eq!(ids(&doc["updated"]), ["p1", "p4"]);
    let failed = doc["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{doc}");
    assert_eq!(failed[0]["participant_id"], "p2");
    let message = failed[0]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("does not decode") && message.contains("muted"),
        "{message}"
    );
    assert_eq!(failed[1]["participant_id"], Value::Null);
    assert_eq!(doc["skipped"], json!(["p3"]));
    assert_eq!(count(&patches), 2);
    has(
        &r.stderr,
        &[
            "failed p2: ",
            "failed an item of the list without an id: ",
            "updated 2 of 4 participants, 2 failed, skipped 1 who have left",
        ],
    );

    // the same, line by line
    let r = api.run(&format!(
        "update {CONF} --all --beep-enabled never --format jsonl"
    ));
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ok: Vec<&Value> = lines.iter().filter(|l| l["ok"] == true).collect();
    let failed: Vec<&Value> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(
        (ok.len(), failed.len(), lines.len()),
        (2, 2, 5),
        "{lines:?}"
    );
    r.exit(1);
}

#[test]
fn an_answer_that_does_not_carry_the_participant_is_a_failure() {
    const EMPTY: &str = "00000000-0000-4000-8000-000000000001";
    const OTHER: &str = "00000000-0000-4000-8000-000000000002";
    const FINE: &str = "00000000-0000-4000-8000-000000000003";
    let answer = |pid: &str| match pid {
        EMPTY => answer_json(200, json!({"data": {}})),
        OTHER => answer_json(200, json!({"data": {"id": FINE}})),
        _ => echo(pid),
    };
    let (api, _) = patching(vec![], answer);
    let line = format!("update {CONF} {EMPTY} {OTHER} {FINE} --beep-enabled never --format json");
    let r = api.run(&line);
    let doc = r.json();
    r.exit(1).says(&["updated 1 of 3 participants, 2 failed"]);
    // every participant updated is the one asked for, by its id
    assert_eq!(ids(&doc["updated"]), [FINE]);
    let failed = doc["failed"].as_array().unwrap();
    let why = |i: usize| failed[i]["error"]["message"].as_str().unwrap().to_string();
    assert_eq!(failed[0]["participant_id"], EMPTY);
    assert!(
        why(0).contains("does not carry the participant"),
        "{}",
        why(0)
    );
    assert_eq!(failed[1]["participant_id"], OTHER);
    assert!(why(1).contains("about another participant"), "{}", why(1));
}

fn too_many(retry_after: &str) -> axum::response::Response {
    let mut r = answer_json(
        429,
        json!({"errors": [{"code": "10011", "title": "Too many requests"}]}),
    );
    r.headers_mut()
        .insert("retry-after", retry_after.parse().unwrap());
    r
}

#[test]
fn a_long_retry_after_fails_the_participant_instead_of_pausing_everyone() {
    // before: ten pauses of 60 s, silently, for one participant
    let (api, patches) = patching(vec![], |_| too_many("3600"));
    let line =
        format!("update {CONF} {FINE_ID} --beep-enabled never --max-retries 0 --format json");
    let r = api.run(&line);
    let doc = r.json();
    r.exit(1);
    let message = doc["failed"][0]["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("429 10011 Too many requests")
            && message.contains("asks to wait 3600s")
            && message.contains("rate_limit_max_wait"),
        "{message}"
    );
    assert_eq!(count(&patches), 1);

    // the limit comes from the config file
    let (api, patches) = patching(vec![], |_| too_many("1"));
    let dir = temp_dir();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "rate_limit_max_wait = 0.5\n").unwrap();
    let r = api.run(&format!("{line} --config {}", config.display()));
    let doc = r.json();
    r.exit(1);
    let message = doc["failed"][0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("asks to wait 1s"), "{message}");
    assert_eq!(count(&patches), 1);
}

const FINE_ID: &str = "00000000-0000-4000-8000-0000000000f1";

#[test]
fn a_turn_the_headers_put_past_the_wait_allowed_fails_unsent() {
    // every answer: an empty bucket of 100, full again in an hour (one
    // token every 36 s); each participant may wait half a second
    let (api, patches) = patching(vec![], |pid| {
        let mut r = echo(pid);
        let headers = r.headers_mut();
        for (name, value) in [
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "3600"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        r
    });
    let dir = temp_dir();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "rate_limit_max_wait = 0.5\n").unwrap();
    const SECOND: &str = "00000000-0000-4000-8000-0000000000f2";
    let line = format!(
        "update {CONF} {FINE_ID} {SECOND} --beep-enabled never --concurrency 1 --format json --config {}",
        config.display()
    );
    let r = api.run(&line);
    let doc = r.json();
    r.exit(1);
    assert_eq!(ids(&doc["updated"]), [FINE_ID]);
    let failed = &doc["failed"][0];
    assert_eq!(failed["participant_id"], SECOND);
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("not sent: the server's rate limit")
            && message.contains("more than the 500ms one participant may wait"),
        "{message}"
    );
    assert_eq!(count(&patches), 1, "the second was never sent");
}

#[test]
fn a_rate_limit_wait_is_said_on_stderr() {
    // once 429 with Retry-After: 1, then fine: by the bulk update's pause
    // (no client retry), and by the client's own retry
    for retries in ["0", "2"] {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let answer = move |pid: &str| match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        {
            0 => too_many("1"),
            _ => echo(pid),
        };
        let (api, patches) = patching(vec![], answer);
        let line = format!("update {CONF} {FINE_ID} --beep-enabled never --max-retries {retries}");
        let r = api.run(&line).exit(0);
        has(
            &r.stderr,
            &[
                "confmod: rate limited: waiting 1s (Retry-After)",
                "updated 1 of 1",
            ],
        );
        assert_eq!(count(&patches), 2, "--max-retries {retries}");
    }
}

#[test]
fn progress_that_cannot_be_drawn_is_not_a_failed_update() {
    let sim = Sim::start(config(20));
    let conf = sim.sample_conference();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(
        &split(&format!("update {conf} --all --beep-enabled never")),
        &sim.env(),
    )
    .stdout(Stdio::piped())
    .stderr(full)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&doc["updated"]), sim.people(&conf, all));
    let never = sim.people(&conf, |p| p.beep_enabled == Some(BeepEnabled::Never));
    assert_eq!(never.len(), 20);
}

// ---- bulk updates interrupted ------------------------------------------------------

/// The binary running, its stdout and stderr read line by line as they come.
struct Running {
    child: std::process::Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    seen_out: Vec<String>,
    seen_err: Vec<String>,
    _guard: KillOnDrop,
}

impl Running {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = command(args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = |from: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                BufReader::new(from)
                    .lines()
                    .map_while(Result::ok)
                    .try_for_each(|l| tx.send(l))
            });
            rx
        };
        let stdout = lines(Box::new(child.stdout.take().unwrap()));
        let stderr = lines(Box::new(child.stderr.take().unwrap()));
        let guard = KillOnDrop(Some(child.id()));
        Running {
            child,
            stdout,
            stderr,
            seen_out: Vec::new(),
            seen_err: Vec::new(),
            _guard: guard,
        }
    }

    fn signal(&self, signal: Signal) {
        kill(signal, self.child.id());
    }

    /// Waits (at most [`DEADLINE`]) until `n` lines came on stdout.
    fn stdout_lines(&mut self, n: usize) {
        let end = Instant::now() + DEADLINE;
        while self.seen_out.len() < n {
            let left = end.saturating_duration_since(Instant::now());
            let line = self.stdout.recv_timeout(left);
            self.seen_out
                .push(line.unwrap_or_else(|_| panic!("{n} lines on stdout: {:?}", self.seen_out)));
        }
    }

    /// Waits (at most [`DEADLINE`]) for a line on stderr holding `needle`.
    fn stderr_says(&mut self, needle: &str) {
        let end = Instant::now() + DEADLINE;
        while !self.seen_err.iter().any(|l| l.contains(needle)) {
            let left = end.saturating_duration_since(Instant::now());
            let line = self.stderr.recv_timeout(left);
            self.seen_err
                .push(line.unwrap_or_else(|_| panic!("{needle:?} on stderr: {:?}", self.seen_err)));
        }
    }

    /// Waits (at most [`DEADLINE`]) for the exit; the code, all of stdout and
    /// all of stderr.
    fn exit(mut self) -> Run {
        let end = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < end, "still running: {:?}", self.seen_err);
            std::thread::sleep(Duration::from_millis(20));
        };
        self.seen_out.extend(self.stdout.iter());
        self.seen_err.extend(self.stderr.iter());
        let (stdout, stderr) = (self.seen_out.join("\n"), self.seen_err.join("\n"));
        assert!(
            !stdout.contains(KEY) && !stderr.contains(KEY),
            "the key leaked"
        );
        Run {
            code: status.code(),
            stdout,
            stderr,
        }
    }
}

/// A sim whose every answer takes a while, so that a bulk update of its
/// 60 participants one at a time is still running when it is signalled.
fn slow_sim() -> Sim {
    let sim = Sim::start(config(60));
    sim.set_faults(Faults {
        latency: Duration::from_millis(100),
        ..faults(0.0, 0.0)
    });
    sim
}

/// Every participant of the conference is accounted for exactly once, and
/// the sim agrees: those reported updated are, the others are not.
fn accounted(
    sim: &Sim,
    conf: &str,
    updated: &[String],
    failed: &[String],
    not_attempted: &[String],
    skipped: &[String],
) {
    let mut seen = HashSet::new();
    for id in [updated, failed, not_attempted, skipped].concat() {
        assert!(seen.insert(id.clone()), "{id} reported twice");
    }
    assert_eq!(seen, sim.people(conf, all).into_iter().collect());
    let changed = sim.people(conf, |p| p.beep_enabled == Some(BeepEnabled::Never));
    let mut updated = updated.to_vec();
    updated.sort();
    let mut changed = changed;
    changed.sort();
    assert_eq!(updated, changed, "reported updated vs changed in the sim");
}

#[test]
fn sigint_mid_update_finishes_what_is_in_flight_and_reports_everyone() {
    let sim = slow_sim();
    let conf = sim.sample_conference();
    let line = format!("update {conf} --all --beep-enabled never --concurrency 1 --format jsonl");
    let mut run = Running::start(&split(&line), &sim.env());
    // evidence that it is under way: results on stdout
    run.stdout_lines(3);
    run.signal(Signal::INT);
    let r = run.exit();
    assert_eq!(r.code, Some(130), "{r:#?}");
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pick = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let kept = lines.iter().filter(|l| keep(l));
        kept.map(|l| l["participant_id"].as_str().unwrap().to_string())
            .collect()
    };
    let updated = pick(&|l| l["ok"] == true);
    let failed = pick(&|l| l.get("error").is_some());
    let not_attempted = pick(&|l| l["not_attempted"] == "interrupted");
    assert!(
        !updated.is_empty() && !not_attempted.is_empty(),
        "{lines:?}"
    );
    accounted(&sim, &conf, &updated, &failed, &not_attempted, &[]);
    has(
        &r.stderr,
        &[
            "confmod: interrupted (SIGINT)",
            "interrupted by SIGINT: updated ",
        ],
    );
    has(
        &r.stderr,
        &[&format!("{} not attempted", not_attempted.len())],
    );
}

#[test]
fn sigterm_mid_update_reports_everyone_in_the_json_document() {
    let sim = slow_sim();
    let conf = sim.sample_conference();
    let line = format!("update {conf} --all --beep-enabled never --concurrency 1 --format json");
    let run = Running::start(&split(&line), &sim.env());
    // evidence that it is under way: the listing and some updates reached the sim
    let end = Instant::now() + DEADLINE;
    while sim.request_count() < 5 {
        assert!(Instant::now() < end, "no updates reached the sim");
        std::thread::sleep(Duration::from_millis(10));
    }
    run.signal(Signal::TERM);
    let r = run.exit();
    assert_eq!(r.code, Some(143), "{r:#?}");
    let doc = r.json();
    let list = |key: &str| -> Vec<String> { serde_json::from_value(doc[key].clone()).unwrap() };
    let updated = ids(&doc["updated"]);
    let failed: Vec<String> = doc["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["participant_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!list("not_attempted").is_empty(), "{doc}");
    assert_eq!(doc["interrupted"], "SIGTERM");
    accounted(
        &sim,
        &conf,
        &updated,
        &failed,
        &list("not_attempted"),
        &list("skipped"),
    );
}

#[test]
fn a_second_signal_stops_at_once() {
    use axum::routing::{get, patch};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // a server that lists two participants and never answers a PATCH
    let patches = Arc::new(AtomicUsize::new(0));
    let counter = patches.clone();
    let list = || {
        let items = json!([{"id": "p1", "status": "joined"}, {"id": "p2", "status": "joined"}]);
        std::future::ready(axum::Json(json!({"data": items})))
    };
    let hang = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<axum::Json<Value>>()
    };
    let app = axum::Router::new()
        .route("/v2/conferences/{id}/participants", get(list))
        .route("/v2/conferences/{id}/participants/{pid}", patch(hang));
    let api = Scripted::start(app);
    let env = [
        ("TELNYX_BASE_URL", api.base.as_str()),
        ("TELNYX_API_KEY", KEY),
    ];
    let line = format!("update {CONF} --all --beep-enabled never --format jsonl --timeout 600");
    let mut run = Running::start(&split(&line), &env);
    let end = Instant::now() + DEADLINE;
    while patches.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < end, "no PATCH reached the server");
        std::thread::sleep(Duration::from_millis(10));
    }
    run.signal(Signal::INT);
    // the first is heard: the run waits for the two requests in flight
    run.stderr_says("finishing the 2 request(s) in flight");
    run.signal(Signal::INT);
    let r = run.exit();
    assert_eq!(r.code, Some(130), "{r:#?}");
    has(&r.stderr, &["stopped at once (SIGINT)"]);
}

// ---- faults as the commands say them (the README's fault matrix) -----------------

#[test]
fn nothing_listening_is_a_connection_failure_exit_1() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}/v2");
    let env = [("TELNYX_BASE_URL", base.as_str()), ("TELNYX_API_KEY", KEY)];
    run(&["conferences", "--max-retries", "0"], &env)
        .exit(1)
        .one_error_line("connection failed");
    let pid = "6a09cdc3-8948-47f0-aa62-74ac943d6c58";
    let r = run(
        &[
            "update",
            CONF,
            pid,
            "--beep-enabled",
            "never",
            "--max-retries",
            "0",
        ],
        &env,
    )
    .exit(1);
    has(&r.stderr, &["connection failed"]);
}

#[test]
fn a_proxys_html_page_is_said_to_be_one_never_printed() {
    use axum::response::IntoResponse;
    use axum::routing::get;
    let page = || async {
        (
            axum::http::StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center>nginx</center></body></html>",
        )
            .into_response()
    };
    let server = Scripted::start(axum::Router::new().route("/v2/conferences", get(page)));
    let r = server.run("conferences --max-retries 0").exit(1);
    r.one_error_line("502 Bad Gateway (HTML error page from a proxy)");
    assert!(
        !r.stderr.contains('<') && !r.stderr.contains("nginx"),
        "{r:#?}"
    );
}

#[test]
fn an_answer_that_does_not_decode_is_not_retried_and_says_so() {
    use axum::routing::get;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let truncated = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::ready((
            [("content-type", "application/json")],
            "{\"data\": [{\"id\": \"p1\"",
        ))
    };
    let server = Scripted::start(
        axum::Router::new().route("/v2/conferences/{id}/participants", get(truncated)),
    );
    server
        .run(&format!("participants {CONF}"))
        .exit(1)
        .one_error_line("200 undecodable response");
    assert_eq!(count(&asked), 1, "not retried");
}

#[test]
fn a_participant_that_does_not_exist_or_left_fails_the_update_with_its_error() {
    let sim = Sim::start(config(6));
    let conf = sim.sample_conference();
    let people = sim.participants(&conf);
    let gone = &people[3];
    assert!(sim.hang_up(&conf, &gone.id));
    let nobody = "6a09cdc3-8948-47f0-aa62-74ac943d6c58";
    let r = sim
        .run(&format!("update {conf} {} --beep-enabled never", gone.id))
        .exit(1);
    has(&r.stderr, &[&format!("failed {}: 422 90018", gone.id)]);
    let r = sim
        .run(&format!("update {conf} {nobody} --beep-enabled never"))
        .exit(1);
    has(&r.stderr, &[&format!("failed {nobody}: 404 10007")]);
    // by label: one line, and nothing sent after the lookup
    let before = sim.request_count();
    run(
        &["update", &conf, "Nobody at all", "--beep-enabled", "never"],
        &sim.env(),
    )
    .exit(1)
    .one_error_line("participant \"Nobody at all\": 404 10007");
    assert_eq!(sim.request_count(), before + 1, "only the lookup");
}

#[test]
fn an_action_on_a_call_that_ended_is_refused_with_one_line() {
    let sim = Sim::start(config(6));
    let conf = sim.sample_conference();
    let gone = sim.participants(&conf)[3].clone();
    assert!(sim.hang_up(&conf, &gone.id));
    sim.run(&format!("mute {conf} {}", gone.call_control_id))
        .exit(1)
        .one_error_line("422 90018");
}

#[test]
fn a_call_control_id_not_in_the_conference_is_refused_with_422_90015() {
    let sim = Sim::start(config(5));
    let conf = sim.sample_conference();
    sim.run(&format!("mute {conf} v3:nobody"))
        .exit(1)
        .one_error_line("422 90015");
}

#[test]
fn a_value_the_server_refuses_fails_the_participant_with_its_pointer() {
    let (api, patches) = patching(vec![], |_| {
        let entry = json!({
            "code": "10032",
            "title": "Invalid enumerated value",
            "source": {"pointer": "/beep_enabled"},
        });
        answer_json(422, json!({ "errors": [entry] }))
    });
    let r = api
        .run(&format!("update {CONF} {FINE_ID} --beep-enabled never"))
        .exit(1);
    has(
        &r.stderr,
        &[
            &format!("failed {FINE_ID}: 422 10032 Invalid enumerated value [/beep_enabled]"),
            "updated 0 of 1 participants, 1 failed",
        ],
    );
    assert_eq!(count(&patches), 1, "not sent again");
}

#[test]
fn a_rate_limit_that_outlasts_the_retries_is_one_error_line_after_the_waits() {
    use axum::routing::get;
    let limited = || std::future::ready(too_many("1"));
    let server = Scripted::start(axum::Router::new().route("/v2/conferences", get(limited)));
    let r = server.run("conferences --max-retries 1").exit(1);
    has(
        &r.stderr,
        &["confmod: rate limited: waiting 1s (Retry-After)"],
    );
    assert_eq!(
        r.stderr.lines().last(),
        Some("error: 429 10011 Too many requests"),
        "{r:#?}"
    );
}
