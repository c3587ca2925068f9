//! Proof that stays: properties that hold for random input, not only for the
//! cases someone thought of.
//!
//! - The pure core (`update`), driven by random sequences of keys, answers
//!   (successes and errors, in any order, some delivered twice), fresh and
//!   stale participant lists, time, rate limits and resizes, keeps the
//!   model's invariants after every step: the selection is in bounds, no
//!   write is pending without its request out, read-only never writes, a
//!   stale answer never wins, no write while a text entry is open.
//!   Three more of the same driver found bugs in `src/` (fixed): each
//!   names the case that found it.
//! - The view draws any model reached that way at any size.
//! - Every response decoder takes arbitrary bytes and arbitrary JSON.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::console::*;
use confmod::app::{Effect, Exchanged, Job, Model, Msg, Overlay, Screen, init, update};
use confmod::telnyx::{
    ApiError, CommandResult, Conference, ConferenceId, ConferenceParticipant, ConferenceRef,
    ConferenceStatus, EndReason, EndedBy, ErrorKind, ErrorsBody, ListResponse, Listing,
    PaginationMeta, Participant, ParticipantAction, ParticipantStatus, RateLimit, Resource,
    UpdateParticipant,
};
use crossterm::event::KeyCode;
use proptest::prelude::*;
use proptest::sample::Index;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use serde_json::value::RawValue;

// ---- the world the console talks to -------------------------------------------

/// A second conference, with participants of its own (`q0`, `q1`, ...).
const C2: &str = "00000000-0000-4000-8000-0000000000c2";
/// The name of the first conference: ending it asks for `Ops sy`.
const NAME: &str = "Ops sync";

fn c2() -> ConferenceId {
    C2.parse().unwrap()
}

/// The first letter of the ids of a conference's participants: each
/// conference has its own people.
fn prefix(id: &ConferenceId) -> char {
    if *id == conf() { 'p' } else { 'q' }
}

fn person(conference: &ConferenceId, i: usize) -> Participant {
    let mut p = participant(i);
    let c = prefix(conference);
    p.id = format!("{c}{i}");
    p.call_control_id = format!("v3:{c}call{i}");
    p.muted = i.is_multiple_of(3);
    p.on_hold = i % 5 == 4;
    p.status = match i % 7 {
        5 => ParticipantStatus::Joining,
        6 => ParticipantStatus::Left,
        _ => ParticipantStatus::Joined,
    };
    p
}

/// What the picker lists: the two conferences and one the API cannot
/// address (its id is not a UUID); `variant` leaves one out now and then.
fn conferences(variant: u8) -> Vec<Conference> {
    let mut all = vec![
        Conference {
            id: CONF.into(),
            name: NAME.into(),
            status: Some(ConferenceStatus::InProgress),
            ..Default::default()
        },
        Conference {
            id: C2.into(),
            name: "Standup ☕ 会議 \u{1b}[31mred\u{202e}".into(),
            status: Some(ConferenceStatus::Init),
            ..Default::default()
        },
        Conference {
            id: "not-a-uuid".into(),
            name: "Legacy".into(),
            status: Some(ConferenceStatus::InProgress),
            ..Default::default()
        },
    ];
    match variant % 5 {
        1 => drop(all.remove(0)),
        2 => drop(all.remove(1)),
        _ => {}
    }
    all
}

/// A change to a conference's participants between two listings.
#[derive(Debug, Clone)]
enum Change {
    Mute(u8),
    Unmute(u8),
    Hold(u8),
    Leave(u8),
    Rejoin(u8),
    /// Not listed any more (paging skipped them, or they are long gone).
    Remove(u8),
    Join,
    Swap(u8, u8),
    /// Listed twice in this listing only.
    Twice(u8),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        any::<u8>().prop_map(Change::Mute),
        any::<u8>().prop_map(Change::Unmute),
        any::<u8>().prop_map(Change::Hold),
        any::<u8>().prop_map(Change::Leave),
        any::<u8>().prop_map(Change::Rejoin),
        any::<u8>().prop_map(Change::Remove),
        Just(Change::Join),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Change::Swap(a, b)),
        any::<u8>().prop_map(Change::Twice),
    ]
}

fn changes() -> impl Strategy<Value = Vec<Change>> {
    prop::collection::vec(change(), 0..3)
}

/// How an answer goes.
#[derive(Debug, Clone)]
enum Reply {
    /// A success; the number picks among plausible variants of it.
    Ok(u8),
    Err(Fail),
}

#[derive(Debug, Clone, Copy)]
enum Fail {
    CallEnded,
    ConferenceEnded,
    NotFound,
    RateLimited,
    Server,
    Timeout,
    Connection,
    Auth,
    Unprocessable,
}

/// `failures` failures for every four successes.
fn reply(failures: u32) -> impl Strategy<Value = Reply> {
    let fail = prop_oneof![
        3 => Just(Fail::CallEnded),
        1 => Just(Fail::ConferenceEnded),
        2 => Just(Fail::NotFound),
        3 => Just(Fail::RateLimited),
        3 => Just(Fail::Server),
        2 => Just(Fail::Timeout),
        1 => Just(Fail::Connection),
        1 => Just(Fail::Auth),
        1 => Just(Fail::Unprocessable),
    ];
    prop_oneof![
        4 => any::<u8>().prop_map(Reply::Ok),
        failures => fail.prop_map(Reply::Err),
    ]
}

fn error(f: Fail) -> ApiError {
    match f {
        Fail::CallEnded => api_error(422, "90018", "Call has already ended", ""),
        Fail::ConferenceEnded => api_error(
            422,
            "90019",
            "Conference has already ended",
            "This conference is no longer active and can't receive commands.",
        ),
        Fail::NotFound => api_error(404, "10005", "Resource not found", ""),
        Fail::RateLimited => ApiError::from_response(429, b"", Some(Duration::from_millis(500))),
        Fail::Server => ApiError::from_response(502, b"<html><body>bad gateway</body>", None),
        Fail::Timeout => ApiError::timeout(Duration::from_secs(30)),
        Fail::Connection => ApiError::connection("connection refused"),
        Fail::Auth => api_error(401, "10009", "Authentication failed", ""),
        Fail::Unprocessable => api_error(422, "10015", "Invalid value", "bad \u{1b}[2J value"),
    }
}

// ---- steps -------------------------------------------------------------------

/// Which seq a participant list delivered out of turn carries.
#[derive(Debug, Clone)]
enum SeqPick {
    /// The one asked for (the oldest request still out for the open
    /// conference), or one nobody asked for when none is out.
    Current,
    /// Older than the one in flight: a stale answer.
    Older(u8),
}

/// Short key sequences that reach the writes (random keys seldom do).
#[derive(Debug, Clone, Copy)]
enum Macro {
    /// Enter, soft_end_conference_on_exit toggled, Enter.
    SoftEnd,
    /// Enter, end_conference_on_exit toggled, Enter, y (it asks first).
    EndOnExit,
    /// Enter, beep_enabled moved, Enter.
    Beep,
    /// Everyone shown marked, soft_end_conference_on_exit for them all.
    MarkAllAndSoftEnd,
    /// Esc until the picker (marks, errors, the search, the table).
    Away,
    MarkAllAndMute,
    MuteAllBut,
    UnmuteAll,
    /// E, the name as asked, Enter.
    EndConference,
    Undo,
    Retry,
}

impl Macro {
    fn keys(self) -> Vec<KeyCode> {
        use KeyCode::*;
        match self {
            Macro::SoftEnd => vec![Enter, Tab, Char(' '), Enter],
            Macro::EndOnExit => vec![Enter, Char(' '), Enter, Char('y')],
            Macro::Beep => vec![Enter, Tab, Tab, Right, Enter],
            Macro::MarkAllAndSoftEnd => vec![Char('a'), Enter, Tab, Char(' '), Enter],
            Macro::Away => vec![Esc, Esc, Esc, Esc],
            Macro::MarkAllAndMute => vec![Char('a'), Char('m')],
            Macro::MuteAllBut => vec![Char('M'), Char('y')],
            Macro::UnmuteAll => vec![Char('U'), Char('y')],
            Macro::EndConference => vec![Char('E')],
            Macro::Undo => vec![Char('u'), Char('y')],
            Macro::Retry => vec![Char('R'), Char('y')],
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(KeyCode),
    Keys(Macro),
    /// Answer one of the requests out (picked by index).
    Answer {
        pick: Index,
        reply: Reply,
        change: Vec<Change>,
    },
    /// Deliver an answer already delivered, again: stale by now (only the
    /// answers of writes, or any).
    Replay {
        writes: bool,
        pick: Index,
    },
    /// A participant list for the open conference, out of turn.
    Listing {
        seq: SeqPick,
        change: Vec<Change>,
    },
    /// Time passes (milliseconds).
    Tick(u64),
    /// Time jumps to the model's next deadline.
    ToDeadline,
    Resize(u16, u16),
    RateLimit {
        limit: u32,
        remaining: u32,
        reset_ms: u64,
    },
    /// One request for the activity log (bodies as the runtime keeps them).
    Exchanged {
        write: bool,
        status: Option<u16>,
        path: String,
        body: String,
    },
    Retrying(String),
    /// Back to the picker, its list answered, and the n-th conference of
    /// it opened (the same one, another one, one that cannot be opened).
    Switch(u8),
}

/// The keys that do something somewhere: moving, finding, marking, every
/// write, the log, help, the forms, and letters to type.
const CHARS: &[char] = &[
    'j', 'k', 'g', 'G', '/', 'a', 'A', 'm', 'o', 'M', 'U', 'E', 'u', 'R', 's', '1', '2', '3', '4',
    '5', '6', '0', 'n', 'J', 'y', 'Y', 'L', 'w', 'e', 'c', '?', 'r', ' ', 'p', 'O', 'x',
];

fn key_code() -> impl Strategy<Value = KeyCode> {
    use KeyCode::*;
    prop_oneof![
        40 => prop::sample::select(CHARS).prop_map(Char),
        20 => prop::sample::select(vec![
            Esc, Enter, Tab, BackTab, Backspace, Up, Down, Left, Right, PageUp, PageDown, Home,
            End,
        ]),
        // quits (the sequence ends there)
        1 => Just(Char('q')),
    ]
}

fn macro_keys() -> impl Strategy<Value = Macro> {
    prop::sample::select(vec![
        Macro::SoftEnd,
        Macro::EndOnExit,
        Macro::Beep,
        Macro::MarkAllAndSoftEnd,
        Macro::Away,
        Macro::MarkAllAndMute,
        Macro::MuteAllBut,
        Macro::UnmuteAll,
        Macro::EndConference,
        Macro::Undo,
        Macro::Retry,
    ])
}

fn size() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        3 => (60u16..=200, 15u16..=60),
        1 => (1u16..=300, 1u16..=100),
    ]
}

/// Text as the runtime hands it over: sanitized, but anything printable,
/// wide characters included.
fn printable(max: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[ -~é会議☕😀\\n]{{0,{max}}}")).unwrap()
}

/// One step; `failures` in four answers fail.
fn step(failures: u32) -> impl Strategy<Value = Step> {
    prop_oneof![
        30 => key_code().prop_map(Step::Key),
        4 => macro_keys().prop_map(Step::Keys),
        24 => (any::<Index>(), reply(failures), changes())
            .prop_map(|(pick, reply, change)| Step::Answer { pick, reply, change }),
        3 => (any::<bool>(), any::<Index>())
            .prop_map(|(writes, pick)| Step::Replay { writes, pick }),
        4 => (
            prop_oneof![2 => Just(SeqPick::Current), 1 => any::<u8>().prop_map(SeqPick::Older)],
            changes()
        )
            .prop_map(|(seq, change)| Step::Listing { seq, change }),
        6 => (0u64..4_000).prop_map(Step::Tick),
        3 => Just(Step::ToDeadline),
        2 => size().prop_map(|(w, h)| Step::Resize(w, h)),
        1 => (1u32..20, 0u32..20, 0u64..3_000).prop_map(|(limit, remaining, reset_ms)| {
            Step::RateLimit { limit, remaining, reset_ms }
        }),
        1 => (any::<bool>(), prop::option::of(100u16..600), printable(40), printable(300))
            .prop_map(|(write, status, path, body)| Step::Exchanged {
                write,
                status,
                path,
                body,
            }),
        1 => printable(60).prop_map(Step::Retrying),
        1 => (0u8..3).prop_map(Step::Switch),
    ]
}

fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(1), 1..max)
}

/// Steps where answers fail more often (three in seven).
fn failing_steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(3), 1..max)
}

// ---- the harness -----------------------------------------------------------------

/// Which of the checks that found a bug in `src/` a run makes (see the
/// properties at the end of the core's section).
#[derive(Debug, Clone, Copy, Default)]
struct Checks {
    /// A run accounts for every participant it addresses.
    run_books: bool,
    /// Every write goes to the conference its participants are in.
    right_conference: bool,
    /// A refused action chunk goes again only after a fresh list.
    resend_after_fresh_list: bool,
}

impl Checks {
    fn all() -> Self {
        Checks {
            run_books: true,
            right_conference: true,
            resend_after_fresh_list: true,
        }
    }
}

/// The console's core with a pretend runtime around it: it keeps the
/// requests the core asked for and not yet answered, answers them as a
/// server with its own participants would, and checks the invariants
/// around every message.
struct Harness {
    m: Model,
    /// Requests emitted and not answered yet, oldest first.
    out: Vec<Effect>,
    /// Answers delivered that carry a seq (delivered again, they are stale).
    delivered: Vec<Msg>,
    /// Each conference's participants, as the server has them.
    world: HashMap<ConferenceId, Vec<Participant>>,
    /// What each PATCH emitted set, by seq.
    patches: HashMap<u64, UpdateParticipant>,
    /// Conferences ended.
    ended: HashSet<ConferenceId>,
    /// The number of the next participant to join.
    joined: usize,
    quit: bool,
    /// The console was started read-only: nothing may write.
    read_only: bool,
    checks: Checks,
    stats: Stats,
}

/// A participant list's rows: (id, values, seq).
type Rows = Vec<(String, Participant, u64)>;

fn rows_of(m: &Model) -> Option<(ConferenceId, Rows)> {
    let c = m.conf.as_ref()?;
    Some((
        c.id,
        c.rows
            .iter()
            .map(|r| (r.p.id.clone(), r.p.clone(), r.seq))
            .collect(),
    ))
}

fn pending_of(m: &Model) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m
        .pending
        .iter()
        .map(|(id, p)| (id.clone(), p.seq))
        .collect();
    v.sort();
    v
}

fn is_write(e: &Effect) -> bool {
    matches!(
        e,
        Effect::Patch { .. } | Effect::Action { .. } | Effect::End { .. }
    )
}

/// A text entry is open: every printable key is text.
fn text_entry(m: &Model) -> bool {
    match &m.overlay {
        Some(Overlay::TypeToConfirm(_)) => true,
        Some(_) => false,
        None => match m.screen {
            Screen::Picker => m.picker.filtering,
            Screen::Table => m.conf.as_ref().is_some_and(|c| c.find.typing),
        },
    }
}

/// The typed confirmation of ending the conference holds what it asks for.
fn end_confirmed(m: &Model) -> bool {
    matches!(&m.overlay, Some(Overlay::TypeToConfirm(t)) if t.input.value() == t.expected)
}

fn participants_of(job: &Job) -> usize {
    match job {
        Job::Patch { .. } => 1,
        Job::Act { participants, .. } => participants.len(),
    }
}

/// What the model looked like before a message, for the checks after it.
struct Before {
    typing: bool,
    confirmed: bool,
    rows: Option<(ConferenceId, Rows)>,
    pending: Vec<(String, u64)>,
    conference: Option<String>,
    picker: Vec<Conference>,
}

impl Harness {
    fn new(read_only: bool, checks: Checks) -> Result<Self, TestCaseError> {
        let mut context = ctx();
        context.read_only = read_only;
        // runs queue and pace with a handful of participants
        context.concurrency = 2;
        let mut h = Harness {
            m: Model::new(context, T0, (120, 40)),
            out: Vec::new(),
            delivered: Vec::new(),
            world: HashMap::from([
                (conf(), (0..14).map(|i| person(&conf(), i)).collect()),
                (c2(), (0..4).map(|i| person(&c2(), i)).collect()),
            ]),
            patches: HashMap::new(),
            ended: HashSet::new(),
            joined: 14,
            quit: false,
            read_only,
            checks,
            stats: Stats::default(),
        };
        let effects = init(&mut h.m, Some(conf()));
        h.record(effects);
        // the table starts loaded: its two first answers
        for _ in 0..2 {
            if let Some(i) = h.out.iter().position(|e| {
                matches!(
                    e,
                    Effect::LoadParticipants { .. } | Effect::LoadConference { .. }
                )
            }) {
                let e = h.out.remove(i);
                let msg = h.answer(&e, &Reply::Ok(0), &[]);
                h.deliver(msg, None)?;
            }
        }
        Ok(h)
    }

    fn record(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Quit => self.quit = true,
                Effect::Copy(_) => {}
                e => {
                    if let Effect::Patch { seq, update, .. } = &e {
                        self.patches.insert(*seq, *update);
                    }
                    self.out.push(e)
                }
            }
        }
    }

    fn run(&mut self, step: &Step) -> Result<(), TestCaseError> {
        if self.quit {
            return Ok(());
        }
        match step {
            Step::Key(code) => self.press(*code),
            Step::Keys(keys) => {
                for code in keys.keys() {
                    self.press(code)?;
                }
                if matches!(keys, Macro::EndConference)
                    && let Some(Overlay::TypeToConfirm(t)) = &self.m.overlay
                {
                    let word: Vec<char> = t.expected.chars().collect();
                    for c in word {
                        self.press(KeyCode::Char(c))?;
                    }
                    self.press(KeyCode::Enter)?;
                }
                Ok(())
            }
            Step::Answer {
                pick,
                reply,
                change,
            } => {
                if self.out.is_empty() {
                    return Ok(());
                }
                let e = self.out.remove(pick.index(self.out.len()));
                let msg = self.answer(&e, reply, change);
                self.deliver(msg, None)
            }
            Step::Replay { writes, pick } => {
                let answers: Vec<&Msg> = self
                    .delivered
                    .iter()
                    .filter(|m| {
                        !writes || matches!(m, Msg::Patched { .. } | Msg::ActionDone { .. })
                    })
                    .collect();
                if answers.is_empty() {
                    return Ok(());
                }
                let msg = answers[pick.index(answers.len())].clone();
                self.deliver(msg, None)
            }
            Step::Listing { seq, change } => {
                let Some(c) = self.m.conf.as_ref() else {
                    return Ok(());
                };
                let id = c.id;
                let seq = match seq {
                    SeqPick::Current => {
                        let asked = self.out.iter().position(|e| {
                            matches!(e, Effect::LoadParticipants { conference_id, .. } if *conference_id == id)
                        });
                        match asked.map(|i| self.out.remove(i)) {
                            Some(Effect::LoadParticipants { seq, .. }) => seq,
                            _ => self.m.seq + 1,
                        }
                    }
                    SeqPick::Older(k) => c
                        .load
                        .in_flight
                        .unwrap_or(self.m.seq)
                        .saturating_sub(1 + u64::from(*k)),
                };
                let items = self.listing(&id, change);
                let msg = Msg::ParticipantsLoaded {
                    seq,
                    conference_id: id,
                    result: Ok(items),
                };
                self.delivered.push(msg.clone());
                self.deliver(msg, None)
            }
            Step::Tick(ms) => {
                let now = self.m.now + Duration::from_millis(*ms);
                self.deliver(Msg::Tick(now), None)
            }
            Step::ToDeadline => {
                let now = self.m.now;
                let at = self.m.next_deadline().unwrap_or(now).max(now);
                self.deliver(Msg::Tick(at), None)
            }
            Step::Resize(w, h) => self.deliver(Msg::Resize(*w, *h), None),
            Step::RateLimit {
                limit,
                remaining,
                reset_ms,
            } => self.deliver(
                Msg::RateLimit(RateLimit {
                    limit: *limit,
                    remaining: *remaining,
                    reset: Duration::from_millis(*reset_ms),
                }),
                None,
            ),
            Step::Exchanged {
                write,
                status,
                path,
                body,
            } => {
                let x = Exchanged {
                    method: if *write { "PATCH" } else { "GET" }.into(),
                    path: confmod::sanitize_line(path, 200),
                    attempt: 0,
                    status: *status,
                    latency: Duration::from_millis(87),
                    error: status
                        .filter(|s| *s >= 400)
                        .map(|s| format!("{s} something went wrong")),
                    request_body: write.then(|| body.clone()),
                    response_body: body.clone(),
                    cut: body.len() > 200,
                };
                self.deliver(Msg::Exchanged(Box::new(x)), None)
            }
            Step::Retrying(line) => {
                self.deliver(Msg::Retrying(confmod::sanitize_line(line, 80)), None)
            }
            Step::Switch(n) => {
                for code in Macro::Away.keys() {
                    self.press(code)?;
                }
                let asked = self
                    .out
                    .iter()
                    .position(|e| matches!(e, Effect::LoadConferences { .. }));
                if let Some(i) = asked {
                    let e = self.out.remove(i);
                    let msg = self.answer(&e, &Reply::Ok(0), &[]);
                    self.deliver(msg, None)?;
                }
                self.press(KeyCode::Char('g'))?;
                for _ in 0..*n {
                    self.press(KeyCode::Char('j'))?;
                }
                self.press(KeyCode::Enter)
            }
        }
    }

    fn press(&mut self, code: KeyCode) -> Result<(), TestCaseError> {
        if self.quit {
            return Ok(());
        }
        self.deliver(key(code), Some(code))
    }

    /// The participant list of a conference now, after `change`.
    fn listing(&mut self, id: &ConferenceId, change: &[Change]) -> Listing<Participant> {
        let mut joined = self.joined;
        let people = self.world.entry(*id).or_default();
        let mut twice = Vec::new();
        for c in change {
            let n = people.len().max(1);
            let at = |i: &u8| usize::from(*i) % n;
            match c {
                Change::Join => {
                    people.push(person(id, joined));
                    joined += 1;
                    continue;
                }
                _ if people.is_empty() => continue,
                Change::Mute(i) => people[at(i)].muted = true,
                Change::Unmute(i) => people[at(i)].muted = false,
                Change::Hold(i) => people[at(i)].on_hold = !people[at(i)].on_hold,
                Change::Leave(i) => people[at(i)].status = ParticipantStatus::Left,
                Change::Rejoin(i) => people[at(i)].status = ParticipantStatus::Joined,
                Change::Remove(i) => drop(people.remove(at(i))),
                Change::Swap(a, b) => people.swap(at(a), at(b)),
                Change::Twice(i) => twice.push(people[at(i)].clone()),
            }
        }
        self.joined = joined;
        let mut items = people.clone();
        items.extend(twice);
        Listing {
            items,
            ..Listing::default()
        }
    }

    /// The answer a server would give to `e`.
    fn answer(&mut self, e: &Effect, reply: &Reply, change: &[Change]) -> Msg {
        let ok = match reply {
            Reply::Ok(v) => Ok(*v),
            Reply::Err(f) => Err(error(*f)),
        };
        let msg = match e {
            Effect::LoadConferences { seq } => Msg::ConferencesLoaded {
                seq: *seq,
                result: ok.map(|v| Listing {
                    items: conferences(v),
                    ..Listing::default()
                }),
            },
            Effect::LoadConference { seq, conference_id } => Msg::ConferenceLoaded {
                seq: *seq,
                conference_id: *conference_id,
                result: ok.map(|v| self.conference(conference_id, v)),
            },
            Effect::CheckConference { conference_id } => Msg::ConferenceChecked {
                conference_id: *conference_id,
                result: ok.map(|v| Conference {
                    id: conference_id.to_string(),
                    status: Some(if v % 3 == 0 {
                        ConferenceStatus::InProgress
                    } else {
                        ConferenceStatus::Completed
                    }),
                    end_reason: Some(EndReason::AllLeft),
                    ..Default::default()
                }),
            },
            Effect::LoadParticipants { seq, conference_id } => {
                let result = match ok {
                    Ok(v) => {
                        let mut listing = self.listing(conference_id, change);
                        if v % 9 == 8 {
                            listing.rejected = vec!["item 3: invalid type: string".into()];
                            listing.warnings = vec!["paging stopped: page 2 of 1".into()];
                        }
                        Ok(listing)
                    }
                    Err(e) => Err(e),
                };
                Msg::ParticipantsLoaded {
                    seq: *seq,
                    conference_id: *conference_id,
                    result,
                }
            }
            Effect::LoadLabel {
                conference_id,
                participant_id,
            } => Msg::LabelLoaded {
                conference_id: *conference_id,
                participant_id: participant_id.clone(),
                result: ok.map(|v| match v % 4 {
                    0 => Some(format!("Person {participant_id}")),
                    1 => None,
                    2 => Some(String::new()),
                    _ => Some(format!(
                        "Zoë \u{202e}Åberg 会議 \u{1b}[2J{} {participant_id}",
                        "very long name ".repeat(8)
                    )),
                }),
            },
            Effect::Patch {
                seq,
                conference_id,
                participant_id,
                update,
                ..
            } => {
                let result = ok.map(|v| self.patched(conference_id, participant_id, update, v));
                Msg::Patched {
                    seq: *seq,
                    conference_id: *conference_id,
                    participant_id: participant_id.clone(),
                    result,
                }
            }
            Effect::Action {
                seq,
                conference_id,
                participant_ids,
                action,
                ..
            } => {
                if ok.is_ok() {
                    self.acted(conference_id, participant_ids, *action);
                }
                Msg::ActionDone {
                    seq: *seq,
                    conference_id: *conference_id,
                    participant_ids: participant_ids.clone(),
                    action: *action,
                    result: ok.map(|v| CommandResult {
                        result: if v % 6 == 5 { "queued" } else { "ok" }.into(),
                    }),
                }
            }
            Effect::End {
                seq, conference_id, ..
            } => {
                if ok.is_ok() {
                    self.ended.insert(*conference_id);
                }
                Msg::Ended {
                    seq: *seq,
                    conference_id: *conference_id,
                    result: ok.map(|_| common::console::ok()),
                }
            }
            Effect::Copy(_) | Effect::Quit => unreachable!("not a request"),
        };
        if !matches!(msg, Msg::LabelLoaded { .. } | Msg::ConferenceChecked { .. }) {
            self.delivered.push(msg.clone());
        }
        msg
    }

    fn conference(&mut self, id: &ConferenceId, v: u8) -> Conference {
        if v % 23 == 22 {
            // it ended by itself
            self.ended.insert(*id);
        }
        let ended = self.ended.contains(id);
        Conference {
            id: id.to_string(),
            name: if *id == conf() { NAME } else { "Standup" }.into(),
            status: Some(if ended {
                ConferenceStatus::Completed
            } else {
                ConferenceStatus::InProgress
            }),
            end_reason: ended.then_some(if v.is_multiple_of(2) {
                EndReason::EndedViaApi
            } else {
                EndReason::HostLeft
            }),
            updated_at: ended.then(|| "2026-11-30T10:05:00Z".into()),
            ..Default::default()
        }
    }

    fn patched(
        &mut self,
        conference_id: &ConferenceId,
        participant_id: &str,
        update: &UpdateParticipant,
        v: u8,
    ) -> ConferenceParticipant {
        let people = self.world.entry(*conference_id).or_default();
        let p = people.iter_mut().find(|p| p.id == participant_id);
        // now and then the server keeps a value (a 200 that did not take)
        let kept = v % 5 == 4;
        let mut cp = ConferenceParticipant {
            id: Some(participant_id.into()),
            label: v
                .is_multiple_of(7)
                .then(|| "Renamed \u{1b}]0;title\u{7}".into()),
            ..Default::default()
        };
        if let Some(p) = p {
            if !kept {
                if let Some(b) = update.end_conference_on_exit {
                    p.end_conference_on_exit = b;
                }
                if let Some(b) = update.soft_end_conference_on_exit {
                    p.soft_end_conference_on_exit = b;
                }
            }
            if v % 5 != 3 {
                // a full answer (else only the id)
                cp.end_conference_on_exit = Some(p.end_conference_on_exit);
                cp.soft_end_conference_on_exit = Some(p.soft_end_conference_on_exit);
                cp.muted = Some(p.muted);
                cp.on_hold = Some(p.on_hold);
                cp.status = Some(p.status.clone());
                cp.updated_at = Some("2026-11-30T10:01:00Z".into());
            }
        }
        cp
    }

    fn acted(&mut self, conference_id: &ConferenceId, ids: &[String], action: ParticipantAction) {
        let people = self.world.entry(*conference_id).or_default();
        for p in people.iter_mut().filter(|p| ids.contains(&p.id)) {
            match action {
                ParticipantAction::Mute => p.muted = true,
                ParticipantAction::Unmute => p.muted = false,
                ParticipantAction::Hold => p.on_hold = true,
                ParticipantAction::Unhold => p.on_hold = false,
            }
        }
    }

    fn before(&self) -> Before {
        let m = &self.m;
        Before {
            typing: text_entry(m),
            confirmed: end_confirmed(m),
            rows: rows_of(m),
            pending: pending_of(m),
            conference: m
                .conf
                .as_ref()
                .map(|c| format!("{:?} {:?}", c.conference, c.ended)),
            picker: m.picker.conferences.clone(),
        }
    }

    /// One message into the core, with every check around it. `key` is the
    /// key pressed, when the message is one.
    fn deliver(&mut self, msg: Msg, key: Option<KeyCode>) -> Result<(), TestCaseError> {
        let before = self.before();
        let fresh = self.awaited(&msg);
        let effects = update(&mut self.m, msg.clone());
        self.stats.messages += 1;
        self.check_writes(&before, &msg, key, &fresh, &effects)?;
        self.check_stale(&before, &msg, &fresh)?;
        self.record(effects);
        self.check_model()
    }

    /// Whether an answer is the one the model awaits; for a write's answer,
    /// the participants it is awaited for.
    fn awaited(&self, msg: &Msg) -> Fresh {
        let m = &self.m;
        let open = |id: &ConferenceId| m.conf.as_ref().filter(|c| c.id == *id);
        let waits = |seq: u64, ids: &[String]| {
            ids.iter()
                .filter(|id| m.pending.get(*id).is_some_and(|p| p.seq == seq))
                .cloned()
                .collect::<Vec<_>>()
        };
        match msg {
            Msg::ParticipantsLoaded {
                seq, conference_id, ..
            } => Fresh::Answer(open(conference_id).is_some_and(|c| c.load.in_flight == Some(*seq))),
            Msg::ConferenceLoaded {
                seq, conference_id, ..
            } => Fresh::Answer(open(conference_id).is_some_and(|c| c.conference_seq == Some(*seq))),
            Msg::ConferencesLoaded { seq, .. } => {
                Fresh::Answer(m.picker.load.in_flight == Some(*seq))
            }
            Msg::Ended { seq, .. } => Fresh::Answer(m.ending == Some(*seq)),
            Msg::Patched {
                seq,
                participant_id,
                ..
            } => Fresh::Write(waits(*seq, std::slice::from_ref(participant_id))),
            Msg::ActionDone {
                seq,
                participant_ids,
                ..
            } => Fresh::Write(waits(*seq, participant_ids)),
            _ => Fresh::Answer(true),
        }
    }

    /// Writes come from the operator: a key (never one typed into a text
    /// entry), or a change to many the operator started, carrying on.
    fn check_writes(
        &mut self,
        before: &Before,
        msg: &Msg,
        key: Option<KeyCode>,
        before_fresh: &Fresh,
        effects: &[Effect],
    ) -> Result<(), TestCaseError> {
        let writes: Vec<&Effect> = effects.iter().filter(|e| is_write(e)).collect();
        self.stats.writes += writes.len();
        self.stats.ends += writes
            .iter()
            .filter(|e| matches!(e, Effect::End { .. }))
            .count();
        if self.read_only {
            prop_assert!(
                writes.is_empty(),
                "read-only wrote after {:?}: {:?}",
                msg,
                writes
            );
        }
        match key {
            Some(code) if before.typing => {
                self.stats.typed += 1;
                // only the Enter that confirms ending the conference, its
                // name typed, sends (and only that)
                let confirms = code == KeyCode::Enter
                    && before.confirmed
                    && writes.iter().all(|e| matches!(e, Effect::End { .. }));
                prop_assert!(
                    writes.is_empty() || confirms,
                    "{:?} typed into a text entry wrote: {:?}",
                    code,
                    writes
                );
                prop_assert!(
                    !effects.contains(&Effect::Quit),
                    "{:?} typed into a text entry quit",
                    code
                );
            }
            Some(_) => {}
            None => {
                let run = self.m.run.as_ref();
                for w in &writes {
                    let seq = match w {
                        Effect::Patch { seq, .. }
                        | Effect::Action { seq, .. }
                        | Effect::End { seq, .. } => *seq,
                        _ => 0,
                    };
                    prop_assert!(
                        run.is_some_and(|r| r.in_flight.contains_key(&seq)),
                        "{:?} wrote by itself: {:?}",
                        msg,
                        w
                    );
                }
            }
        }
        if self.checks.resend_after_fresh_list
            && let Msg::ParticipantsLoaded { seq, result, .. } = msg
        {
            let fresh = matches!(before_fresh, Fresh::Answer(true)) && result.is_ok();
            prop_assert!(
                fresh || writes.is_empty(),
                "a {} list (seq {}) sent writes again: {:?}",
                if result.is_ok() { "stale" } else { "failed" },
                seq,
                writes
            );
        }
        if self.checks.right_conference {
            for w in &writes {
                let (conference_id, ids) = match w {
                    Effect::Patch {
                        conference_id,
                        participant_id,
                        ..
                    } => (conference_id, std::slice::from_ref(participant_id)),
                    Effect::Action {
                        conference_id,
                        participant_ids,
                        ..
                    } => (conference_id, participant_ids.as_slice()),
                    _ => continue,
                };
                let c = prefix(conference_id);
                prop_assert!(
                    ids.iter().all(|id| id.starts_with(c)),
                    "a write to conference {} addresses participants of another one: {:?}",
                    conference_id,
                    w
                );
            }
        }
        Ok(())
    }

    /// A stale answer changes nothing of the rows; a fresh one does not
    /// undo what a newer answer put there.
    fn check_stale(
        &mut self,
        before: &Before,
        msg: &Msg,
        fresh: &Fresh,
    ) -> Result<(), TestCaseError> {
        let after = rows_of(&self.m);
        let same_rows_but = |skip: &[String]| -> Result<(), TestCaseError> {
            let keep = |rows: &Option<(ConferenceId, Rows)>| {
                rows.as_ref().map(|(id, rows)| {
                    let rows: Rows = rows
                        .iter()
                        .filter(|(pid, _, _)| !skip.contains(pid))
                        .cloned()
                        .collect();
                    (*id, rows)
                })
            };
            prop_assert_eq!(keep(&before.rows), keep(&after), "after {:?}", msg);
            Ok(())
        };
        let row = |rows: &Option<(ConferenceId, Rows)>, id: &str| {
            rows.as_ref()
                .and_then(|(_, rows)| rows.iter().find(|(pid, _, _)| pid == id).cloned())
        };
        match (msg, fresh) {
            (Msg::ParticipantsLoaded { .. }, Fresh::Answer(false)) => {
                self.stats.stale_lists += 1;
                same_rows_but(&[])?;
            }
            (Msg::ParticipantsLoaded { seq, result, .. }, Fresh::Answer(true))
                if result.is_ok() =>
            {
                // a row whose values are newer than this list keeps them
                for (id, p, row_seq) in before.rows.iter().flat_map(|(_, r)| r) {
                    if *row_seq > *seq {
                        self.stats.newer_rows += 1;
                        if let Some((_, now, _)) = row(&after, id) {
                            prop_assert_eq!(&now, p, "list {} overwrote {}", seq, id);
                        }
                    }
                }
            }
            (Msg::Patched { .. } | Msg::ActionDone { .. }, Fresh::Write(ids)) if ids.is_empty() => {
                self.stats.stale_writes += 1;
                same_rows_but(&[])?;
                prop_assert_eq!(&pending_of(&self.m), &before.pending, "after {:?}", msg);
            }
            (
                Msg::Patched {
                    seq,
                    participant_id,
                    ..
                },
                Fresh::Write(_),
            ) => {
                same_rows_but(std::slice::from_ref(participant_id))?;
                // a PATCH older than the list on screen sets only what it sent
                if let (Some((_, was, row_seq)), Some((_, now, _))) = (
                    row(&before.rows, participant_id),
                    row(&after, participant_id),
                ) && row_seq > *seq
                {
                    self.stats.newer_rows += 1;
                    let sent = self.patches.get(seq).copied().unwrap_or_default();
                    let mask = |p: &Participant| {
                        let mut p = p.clone();
                        if sent.end_conference_on_exit.is_some() {
                            p.end_conference_on_exit = false;
                        }
                        if sent.soft_end_conference_on_exit.is_some() {
                            p.soft_end_conference_on_exit = false;
                        }
                        p
                    };
                    prop_assert_eq!(mask(&now), mask(&was), "PATCH {} on a newer row", seq);
                }
            }
            (Msg::ActionDone { action, .. }, Fresh::Write(ids)) => {
                same_rows_but(ids)?;
                // an action changes only what it is about
                for id in ids {
                    if let (Some((_, was, _)), Some((_, now, _))) =
                        (row(&before.rows, id), row(&after, id))
                    {
                        let mask = |p: &Participant| {
                            let mut p = p.clone();
                            match action {
                                ParticipantAction::Mute | ParticipantAction::Unmute => {
                                    p.muted = false
                                }
                                ParticipantAction::Hold | ParticipantAction::Unhold => {
                                    p.on_hold = false
                                }
                            }
                            p
                        };
                        prop_assert_eq!(mask(&now), mask(&was), "{:?} of {}", action, id);
                    }
                }
            }
            (Msg::ConferenceLoaded { .. } | Msg::Ended { .. }, Fresh::Answer(false)) => {
                let now = self
                    .m
                    .conf
                    .as_ref()
                    .map(|c| format!("{:?} {:?}", c.conference, c.ended));
                prop_assert_eq!(&now, &before.conference, "after {:?}", msg);
            }
            (Msg::ConferencesLoaded { .. }, Fresh::Answer(false)) => {
                prop_assert_eq!(
                    &self.m.picker.conferences,
                    &before.picker,
                    "after {:?}",
                    msg
                );
            }
            _ => {}
        }
        Ok(())
    }

    /// What holds after every message.
    fn check_model(&mut self) -> Result<(), TestCaseError> {
        let m = &self.m;
        // the selection is in bounds
        let visible = m.picker.visible().len();
        prop_assert!(
            m.picker.cursor < visible.max(1),
            "the picker's cursor {} of {}",
            m.picker.cursor,
            visible
        );
        if let Some(c) = &m.conf {
            prop_assert!(
                c.cursor < c.shown.len().max(1),
                "the cursor {} of {} shown",
                c.cursor,
                c.shown.len()
            );
            let mut seen = HashSet::new();
            for &i in &c.shown {
                prop_assert!(i < c.rows.len(), "shown {} of {} rows", i, c.rows.len());
                prop_assert!(seen.insert(i), "row {} shown twice", i);
            }
            prop_assert_eq!(c.index.len(), c.rows.len());
            for (i, r) in c.rows.iter().enumerate() {
                prop_assert_eq!(c.index.get(&r.p.id), Some(&i), "the index of {}", r.p.id);
            }
            prop_assert_eq!(
                c.selected_id.as_deref(),
                c.selected().map(|r| r.p.id.as_str()),
                "the selection follows the cursor"
            );
        }
        // no pending write without its request out
        for (id, p) in &m.pending {
            let patch = format!("{:?}", p.write).starts_with("Patch");
            let out = self.out.iter().any(|e| match e {
                Effect::Patch {
                    seq,
                    participant_id,
                    ..
                } => patch && *seq == p.seq && participant_id == id,
                Effect::Action {
                    seq,
                    participant_ids,
                    ..
                } => !patch && *seq == p.seq && participant_ids.contains(id),
                _ => false,
            });
            prop_assert!(
                out,
                "{} pending ({:?}, seq {}) without its request out",
                id,
                p.write,
                p.seq
            );
        }
        self.stats.pending += m.pending.len();
        if self.read_only {
            prop_assert!(m.pending.is_empty() && m.run.is_none() && m.ending.is_none());
        }
        if text_entry(m) {
            self.stats.typing += 1;
        }
        if let Some(run) = &m.run {
            self.stats.runs += 1;
            if self.checks.run_books {
                let failed: usize = run.failed.iter().map(|(j, _)| participants_of(j)).sum();
                let queued: usize = run.queue.iter().map(participants_of).sum();
                let out: usize = run.in_flight.values().map(participants_of).sum();
                let stalled: usize = run.stalled.iter().map(participants_of).sum();
                prop_assert_eq!(
                    run.done + failed + run.skipped.len() + queued + out + stalled + run.cancelled,
                    run.total,
                    "a run lost track of someone: {} done, {} failed, {} skipped, {} queued, {} out, {} stalled, {} not sent",
                    run.done,
                    failed,
                    run.skipped.len(),
                    queued,
                    out,
                    stalled,
                    run.cancelled
                );
            }
        }
        Ok(())
    }
}

/// Whether an answer is awaited (see [`Harness::awaited`]).
enum Fresh {
    Answer(bool),
    /// The participants whose write this answers.
    Write(Vec<String>),
}

/// How often the driver got where the properties look (so that none of
/// them holds only because nothing reached it).
#[derive(Debug, Clone, Default)]
struct Stats {
    messages: usize,
    writes: usize,
    /// Keys pressed while a text entry was open.
    typed: usize,
    /// Messages after which a text entry was open.
    typing: usize,
    stale_lists: usize,
    stale_writes: usize,
    /// Rows newer than the answer that came.
    newer_rows: usize,
    pending: usize,
    runs: usize,
    /// Conferences ended (typed confirmation, Enter).
    ends: usize,
}

fn drive(read_only: bool, checks: Checks, steps: &[Step]) -> Result<Harness, TestCaseError> {
    let mut h = Harness::new(read_only, checks)?;
    for s in steps {
        if h.quit {
            break;
        }
        h.run(s)?;
    }
    Ok(h)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---- the core's invariants ----------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// After every message: the selection is in bounds (and the rows, the
    /// shown and the index agree); every pending write has its request out;
    /// a stale answer (a list, a PATCH or action answer, the conference, the
    /// picker's list, the end) changes nothing, a fresh one does not undo a
    /// newer row, and a write's answer changes only its participants' fields
    /// it is about; no key typed into a text entry writes or quits; nothing
    /// but a key, or a change to many carrying on, writes.
    #[test]
    fn the_core_keeps_its_invariants_whatever_comes(steps in steps(150)) {
        drive(false, Checks::all(), &steps)?;
    }

    /// Read-only: not one write, whatever is pressed or answered.
    #[test]
    fn read_only_never_writes(steps in steps(150)) {
        drive(true, Checks::default(), &steps)?;
    }
}

// Three properties that found bugs in `src/`, kept with the cases that
// found them, and with more of the steps that reach them.

proptest! {
    #![proptest_config(config(400))]

    /// A change to many accounts for everyone: done, failed, skipped,
    /// waiting, out, stalled or not sent (the operator left). It once
    /// dropped the answer to a PATCH that arrived while no conference was
    /// open. The case that found it, with `table(6)` and
    /// `ctx.concurrency = 2`: `a Enter Tab Space Enter` (PATCHes seq 3 for
    /// p0 and 4 for p1 out, 4 queued), `Esc Esc` (the picker), then
    /// `patched(3, "p0", Ok(..))`: p0 was lost.
    #[test]
    fn a_change_to_many_accounts_for_everyone_it_addresses(steps in steps(150)) {
        let checks = Checks { run_books: true, ..Checks::default() };
        drive(false, checks, &steps)?;
    }

    /// Every write goes to the conference of its participants. A run once
    /// took the conference open *now*, so its queued jobs went to another
    /// conference opened meanwhile. The case that found it: as above,
    /// then the picker's list answered, `j Enter` (opens C2), and
    /// `patched(4, "p1", Ok(..))`: `Patch { conference_id: C2,
    /// participant_id: "p2", .. }` and the same for p3 went out.
    #[test]
    fn writes_go_to_the_conference_of_their_participants(steps in steps(150)) {
        let checks = Checks { right_conference: true, ..Checks::default() };
        drive(false, checks, &steps)?;
    }

    /// An action chunk refused because someone in it left (422 90018) goes
    /// again only after a fresh list asked for after the refusal (it once
    /// went after any list message, even a failed or stale one, with the
    /// one who left still in it). The case that found it: five
    /// participants, all muted;
    /// `U y` (one unmute action for the five), its answer 422 90018 (a
    /// list is asked for), that list's answer a 500: the same unmute of
    /// the same five went out again.
    #[test]
    fn a_refused_chunk_goes_again_only_after_a_fresh_list(steps in failing_steps(150)) {
        let checks = Checks { resend_after_fresh_list: true, ..Checks::default() };
        drive(false, checks, &steps)?;
    }
}

/// The properties are not vacuous: the sequences they draw reach writes,
/// changes to many, text entries, stale answers and rows newer than an
/// answer (64 sequences of a fixed seed, each counted once it gets there).
#[test]
fn the_driver_reaches_what_the_properties_are_about() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner =
        TestRunner::new_with_rng(config(1), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let mut reached = Stats::default();
    for _ in 0..64 {
        let steps = steps(150).new_tree(&mut runner).unwrap().current();
        let s = drive(false, Checks::default(), &steps).unwrap().stats;
        let once = |n: usize| usize::from(n > 0);
        reached.messages += once(s.messages);
        reached.writes += once(s.writes);
        reached.typed += once(s.typed);
        reached.typing += once(s.typing);
        reached.stale_lists += once(s.stale_lists);
        reached.stale_writes += once(s.stale_writes);
        reached.newer_rows += once(s.newer_rows);
        reached.pending += once(s.pending);
        reached.runs += once(s.runs);
        reached.ends += once(s.ends);
    }
    let s = &reached;
    assert!(
        s.writes >= 16
            && s.pending >= 12
            && s.runs >= 8
            && s.typed >= 10
            && s.stale_lists >= 20
            && s.stale_writes >= 5
            && s.newer_rows >= 3
            && s.ends >= 3,
        "sequences that got there, of 64: {s:?}"
    );
}

// ---- the view ---------------------------------------------------------------------

/// The sizes where layouts turn: nothing, too small by one, just enough,
/// the classic terminal, the largest.
const EDGES: [(u16, u16); 7] = [
    (1, 1),
    (2, 1),
    (1, 2),
    (59, 14),
    (60, 15),
    (80, 24),
    (300, 100),
];

fn render(m: &Model, w: u16, h: u16) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| confmod::view::view(m, f)).unwrap();
}

/// Draws `m` at `w`x`h` as the runtime does (the model told the size
/// first), and into a frame of a size the model was not told.
fn render_both(m: &Model, w: u16, h: u16) {
    let mut sized = m.clone();
    update(&mut sized, Msg::Resize(w, h));
    render(&sized, w, h);
    render(m, w, h);
}

proptest! {
    #![proptest_config(config(64))]

    /// Any model the core reaches draws at any size from 1x1 to 300x100:
    /// every few steps at its own size, at the end at sampled sizes and at
    /// the edge sizes.
    #[test]
    fn the_view_draws_any_reached_model_at_any_size(
        read_only in any::<bool>(),
        steps in steps(100),
        every in 3usize..12,
        sizes in prop::collection::vec((1u16..=300, 1u16..=100), 1..4),
    ) {
        let mut h = Harness::new(read_only, Checks::default())?;
        for (i, s) in steps.iter().enumerate() {
            if h.quit {
                break;
            }
            h.run(s)?;
            if i % every == 0 {
                render(&h.m, h.m.size.0, h.m.size.1);
            }
        }
        for (w, ht) in sizes.into_iter().chain(EDGES) {
            render_both(&h.m, w, ht);
        }
    }
}

/// Each screen and overlay, drawn at the edge sizes.
#[test]
fn every_screen_draws_at_the_edge_sizes() {
    use KeyCode::*;
    let screens: Vec<(&str, Vec<KeyCode>)> = vec![
        ("table", vec![]),
        ("search", vec![Char('/'), Char('p'), Char('1')]),
        ("marked", vec![Char('a'), Char('6')]),
        ("form", vec![Enter, Tab]),
        ("bulk form", vec![Char('a'), Enter]),
        ("confirm", vec![Char('M')]),
        ("end", vec![Char('E'), Char('O')]),
        ("help", vec![Char('?'), PageDown]),
        ("log", vec![Char('L')]),
        ("inspector", vec![Char('L'), Up, Enter]),
        ("run", vec![Char('a'), Enter, Tab, Char(' '), Enter]),
        ("picker", vec![Esc]),
        ("picker filter", vec![Esc, Char('/'), Char('o')]),
    ];
    for (name, keys) in screens {
        for read_only in [false, true] {
            let mut h = Harness::new(read_only, Checks::default()).unwrap();
            // a request or two for the log
            h.run(&Step::Exchanged {
                write: true,
                status: Some(422),
                path: "/conferences/x/participants/p1".into(),
                body: "{\"errors\":[{\"code\":\"90018\"}]}\nline 2 会議".into(),
            })
            .unwrap();
            for code in keys.iter().copied() {
                h.press(code).unwrap();
            }
            if name == "picker" || name == "picker filter" {
                let asked = h
                    .out
                    .iter()
                    .position(|e| matches!(e, Effect::LoadConferences { .. }));
                if let Some(i) = asked {
                    let e = h.out.remove(i);
                    let msg = h.answer(&e, &Reply::Ok(0), &[]);
                    h.deliver(msg, None).unwrap();
                }
            }
            for (w, ht) in EDGES {
                render_both(&h.m, w, ht);
            }
        }
    }
}

// ---- the decoders ----------------------------------------------------------------

/// The field names of the API's objects (and a few of its values), so that
/// random objects look like real ones more often than not.
const FIELDS: &[&str] = &[
    "id",
    "name",
    "record_type",
    "created_at",
    "expires_at",
    "status",
    "end_reason",
    "ended_by",
    "connection_id",
    "region",
    "updated_at",
    "call_leg_id",
    "call_control_id",
    "call_session_id",
    "conference",
    "whisper_call_control_ids",
    "end_conference_on_exit",
    "soft_end_conference_on_exit",
    "muted",
    "on_hold",
    "label",
    "conference_id",
    "beep_enabled",
    "data",
    "meta",
    "page_number",
    "page_size",
    "total_pages",
    "total_results",
    "result",
    "errors",
    "code",
    "title",
    "detail",
    "source",
    "pointer",
    "parameter",
];

const WORDS: &[&str] = &[
    "",
    "joined",
    "joining",
    "left",
    "init",
    "in_progress",
    "completed",
    "host_left",
    "ok",
    "always",
    "on_exit",
    "90018",
    "90019",
    "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "2026-11-30T10:00:00Z",
];

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FIELDS).prop_map(String::from),
        1 => any::<String>(),
    ]
}

/// Any JSON value, bounded in depth and size; numbers of every kind,
/// strings of every character.
fn json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(WORDS).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// An object with (some of) these fields, each holding what `value` makes.
fn object(fields: &'static [&'static str], value: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop::collection::vec(prop::option::weighted(0.8, value), fields.len())
        .prop_map(move |values| {
            Value::Object(
                fields
                    .iter()
                    .zip(values)
                    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                    .collect(),
            )
        })
        .boxed()
}

const PARTICIPANT: &[&str] = &[
    "record_type",
    "id",
    "call_leg_id",
    "call_control_id",
    "conference",
    "whisper_call_control_ids",
    "created_at",
    "updated_at",
    "end_conference_on_exit",
    "soft_end_conference_on_exit",
    "status",
    "muted",
    "on_hold",
];
const CONFERENCE: &[&str] = &[
    "id",
    "name",
    "record_type",
    "created_at",
    "expires_at",
    "status",
    "end_reason",
    "ended_by",
    "connection_id",
    "region",
    "updated_at",
];
const CONFERENCE_PARTICIPANT: &[&str] = &[
    "id",
    "call_control_id",
    "call_leg_id",
    "conference_id",
    "label",
    "status",
    "muted",
    "on_hold",
    "end_conference_on_exit",
    "soft_end_conference_on_exit",
    "whisper_call_control_ids",
    "created_at",
    "updated_at",
];
const META: &[&str] = &["page_number", "page_size", "total_pages", "total_results"];
const ERROR_ENTRY: &[&str] = &["code", "title", "detail", "source", "meta"];

/// Objects shaped like the API's, their fields of any type: a participant,
/// a conference, a PATCH answer, a page of either, an errors body.
fn shaped() -> BoxedStrategy<Value> {
    let page = |item: BoxedStrategy<Value>| {
        object(
            &["data", "meta"],
            prop_oneof![
                3 => prop::collection::vec(item, 0..4).prop_map(Value::Array),
                1 => object(META, json()),
                1 => json(),
            ]
            .boxed(),
        )
    };
    let errors = object(
        &["errors"],
        prop_oneof![
            3 => prop::collection::vec(object(ERROR_ENTRY, json()), 0..4).prop_map(Value::Array),
            1 => json(),
        ]
        .boxed(),
    );
    prop_oneof![
        object(PARTICIPANT, json()),
        object(CONFERENCE, json()),
        object(CONFERENCE_PARTICIPANT, json()),
        object(META, json()),
        page(object(PARTICIPANT, json())),
        page(object(CONFERENCE, json())),
        object(&["data"], object(CONFERENCE_PARTICIPANT, json())),
        errors,
    ]
    .boxed()
}

/// Bytes: anything, or JSON text shaped like an answer, damaged and cut.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        (
            prop_oneof![shaped(), json()],
            prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
            prop::option::of(any::<Index>()),
        )
            .prop_map(|(v, damage, cut)| {
                let mut b = serde_json::to_vec(&v).unwrap();
                for (at, byte) in damage {
                    if !b.is_empty() {
                        let i = at.index(b.len());
                        b[i] = byte;
                    }
                }
                if let Some(cut) = cut {
                    b.truncate(cut.index(b.len() + 1));
                }
                b
            }),
    ]
}

/// Safe to print: one line, no control character.
fn printable_line(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// What holds of any error answer.
fn check_error(e: &ApiError, status: u16) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.status, Some(status));
    prop_assert!(e.errors.len() <= 20, "{} entries kept", e.errors.len());
    let shown = e.to_string();
    prop_assert!(printable_line(&shown), "{:?}", shown);
    prop_assert!(printable_line(&e.summary()), "{:?}", e.summary());
    // the status decides the kind, whatever the body says
    match status {
        401 => prop_assert_eq!(e.kind, ErrorKind::Auth),
        429 => prop_assert_eq!(e.kind, ErrorKind::RateLimited),
        500..=599 => prop_assert_eq!(e.kind, ErrorKind::Server),
        _ => {}
    }
    if status == 429 || (500..=599).contains(&status) {
        prop_assert!(e.is_transient());
    }
    if let Some(code) = e.code() {
        prop_assert_eq!(Some(code), e.errors.first().map(|x| x.code.as_str()));
    }
    Ok(())
}

/// Every decoder of the client's answers, on `bytes`: none panics, and what
/// decodes says what the bytes say.
fn decode_everything(bytes: &[u8]) -> Result<(), TestCaseError> {
    let _ = serde_json::from_slice::<Participant>(bytes);
    let _ = serde_json::from_slice::<Conference>(bytes);
    let _ = serde_json::from_slice::<ConferenceParticipant>(bytes);
    let _ = serde_json::from_slice::<ConferenceRef>(bytes);
    let _ = serde_json::from_slice::<EndedBy>(bytes);
    let _ = serde_json::from_slice::<CommandResult>(bytes);
    let _ = serde_json::from_slice::<UpdateParticipant>(bytes);
    let _ = serde_json::from_slice::<ErrorsBody>(bytes);
    let _ = serde_json::from_slice::<ConferenceStatus>(bytes);
    let _ = serde_json::from_slice::<EndReason>(bytes);
    let _ = serde_json::from_slice::<ParticipantStatus>(bytes);
    let _ = serde_json::from_slice::<ListResponse<Participant>>(bytes);
    let _ = serde_json::from_slice::<ListResponse<Conference>>(bytes);
    let _ = serde_json::from_slice::<Resource<Conference>>(bytes);
    let _ = serde_json::from_slice::<Resource<ConferenceParticipant>>(bytes);
    if let Ok(meta) = serde_json::from_slice::<PaginationMeta>(bytes) {
        let _ = meta.nonsense();
    }
    // a page as the client reads it: the items kept raw, then one by one
    if let Ok(page) = serde_json::from_slice::<ListResponse<Box<RawValue>>>(bytes) {
        let n = page.data.len();
        let raw = Listing {
            items: page.data,
            rejected: Vec::new(),
            warnings: Vec::new(),
            truncated: None,
        };
        let people = raw.clone().decode::<Participant>();
        let rooms = raw.decode::<Conference>();
        for listing in [
            (people.items.len(), people.rejected),
            (rooms.items.len(), rooms.rejected),
        ] {
            let (read, rejected) = listing;
            prop_assert_eq!(read + rejected.len(), n, "every item read or rejected");
            for why in &rejected {
                prop_assert!(
                    printable_line(why) && why.chars().count() <= 160,
                    "{:?}",
                    why
                );
            }
        }
        if let Some(meta) = page.meta {
            let _ = meta.nonsense();
        }
    }
    Ok(())
}

/// The same decoders on a JSON value, and a page's items as the client
/// decodes them one by one.
fn decode_value(v: &Value) -> Result<(), TestCaseError> {
    /// Decoded, it encodes and decodes back to itself.
    fn round_trip<T>(v: &Value) -> Result<(), TestCaseError>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        if let Ok(t) = serde_json::from_value::<T>(v.clone()) {
            let back: T = serde_json::from_value(serde_json::to_value(&t).unwrap())
                .map_err(|e| TestCaseError::fail(format!("{t:?} does not decode back: {e}")))?;
            prop_assert_eq!(back, t);
        }
        Ok(())
    }
    round_trip::<Participant>(v)?;
    round_trip::<Conference>(v)?;
    round_trip::<ConferenceParticipant>(v)?;
    round_trip::<PaginationMeta>(v)?;
    round_trip::<CommandResult>(v)?;
    round_trip::<UpdateParticipant>(v)?;
    round_trip::<ListResponse<Participant>>(v)?;
    round_trip::<ListResponse<Conference>>(v)?;
    round_trip::<Resource<ConferenceParticipant>>(v)?;
    let _ = serde_json::from_value::<ErrorsBody>(v.clone());
    // a page's items one by one: one bad item costs only itself
    if let Value::Array(items) = v {
        let raw = items
            .iter()
            .map(|i| serde_json::value::RawValue::from_string(i.to_string()).expect("JSON"));
        let listing = Listing {
            items: raw.collect(),
            rejected: vec!["before".into()],
            warnings: Vec::new(),
            truncated: None,
        }
        .decode::<Participant>();
        prop_assert_eq!(
            listing.items.len() + listing.rejected.len(),
            items.len() + 1
        );
        for (item, p) in items
            .iter()
            .filter_map(|i| serde_json::from_value::<Participant>(i.clone()).ok())
            .zip(&listing.items)
            .map(|(a, b)| (a, b.clone()))
        {
            prop_assert_eq!(item, p);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    /// An error answer of any status, with any body, decodes.
    #[test]
    fn an_error_answer_decodes_whatever_its_body(
        status in prop_oneof![any::<u16>(), prop::sample::select(vec![200u16, 401, 404, 422, 429, 500, 503])],
        body in bytes(),
        retry_ms in prop::option::of(0u64..600_000),
    ) {
        let e = ApiError::from_response(status, &body, retry_ms.map(Duration::from_millis));
        check_error(&e, status)?;
        prop_assert_eq!(e.retry_after, retry_ms.map(Duration::from_millis));
    }

    /// A 2xx answer that did not decode keeps a printable note, whatever
    /// its body and the decoder's words.
    #[test]
    fn an_undecodable_answer_says_so_printably(
        status in any::<u16>(),
        body in bytes(),
        why in any::<String>(),
    ) {
        let e = ApiError::decode(status, &body, &why);
        prop_assert_eq!(e.kind, ErrorKind::Decode);
        prop_assert_eq!(e.status, Some(status));
        prop_assert!(printable_line(&e.to_string()), "{:?}", e.to_string());
        prop_assert!(printable_line(&e.summary()));
    }

    /// Every model decoder takes any bytes.
    #[test]
    fn every_decoder_takes_any_bytes(body in bytes()) {
        decode_everything(&body)?;
    }

    /// Every model decoder takes any JSON, and objects shaped like the
    /// API's with fields of any type; what decodes encodes back.
    #[test]
    fn every_decoder_takes_any_json(v in prop_oneof![json(), shaped()]) {
        decode_value(&v)?;
        decode_everything(&serde_json::to_vec(&v).unwrap())?;
        let body = serde_json::to_vec(&v).unwrap();
        check_error(&ApiError::from_response(422, &body, None), 422)?;
    }

    /// A well-formed errors body is read whole: its entries (20 at most),
    /// its first code (a string or a number), no note.
    #[test]
    fn an_errors_body_is_read(
        status in 400u16..600,
        entries in prop::collection::vec(
            (
                prop_oneof![
                    prop::sample::select(vec!["90018", "90019", "90058", "10005"]).prop_map(Value::from),
                    any::<String>().prop_map(Value::from),
                    any::<u32>().prop_map(Value::from),
                ],
                any::<String>(),
                prop::option::of(any::<String>()),
            ),
            1..30,
        ),
    ) {
        let errors: Vec<Value> = entries
            .iter()
            .map(|(code, title, detail)| serde_json::json!({"code": code, "title": title, "detail": detail}))
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({ "errors": errors })).unwrap();
        let e = ApiError::from_response(status, &body, None);
        check_error(&e, status)?;
        prop_assert_eq!(e.errors.len(), entries.len().min(20));
        prop_assert_eq!(&e.note, &None);
        let first = match &entries[0].0 {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        prop_assert_eq!(e.code(), Some(first.as_str()).filter(|c| !c.is_empty()));
        prop_assert_eq!(&e.errors[0].title, &entries[0].1);
    }

    /// Decoding is tolerant: a participant, a conference or a PATCH answer
    /// whose fields each are of their type, `null` or missing, with unknown
    /// fields of any type and enum values nobody knows, always decodes, to
    /// the values given.
    #[test]
    fn decoding_tolerates_missing_null_unknown_fields_and_values(
        texts in prop::collection::vec(prop::option::of(prop::option::of(any::<String>())), 8),
        flags in prop::collection::vec(prop::option::of(prop::option::of(any::<bool>())), 4),
        whisper in prop::option::of(prop::option::of(prop::collection::vec(any::<String>(), 0..3))),
        extra in prop::collection::vec((any::<String>(), json()), 0..4),
    ) {
        // None: missing; Some(None): null; Some(Some(v)): v
        let put = |o: &mut serde_json::Map<String, Value>, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                o.insert(k.into(), v);
            }
        };
        let text = |i: usize| texts[i].clone().map(|t| t.map_or(Value::Null, Value::from));
        let flag = |i: usize| flags[i].map(|b| b.map_or(Value::Null, Value::from));
        let mut o = serde_json::Map::new();
        for (k, v) in extra {
            o.insert(format!("x-{k}"), v);
        }
        put(&mut o, "id", text(0));
        put(&mut o, "call_control_id", text(1));
        put(&mut o, "status", text(2));
        put(&mut o, "created_at", text(3));
        put(&mut o, "muted", flag(0));
        put(&mut o, "on_hold", flag(1));
        put(&mut o, "end_conference_on_exit", flag(2));
        put(&mut o, "soft_end_conference_on_exit", flag(3));
        put(&mut o, "whisper_call_control_ids", whisper.clone().map(|w| w.map_or(Value::Null, Value::from)));
        let mut participant = o.clone();
        put(&mut participant, "conference", texts[4].clone().map(|t| match t {
            None => Value::Null,
            Some(name) => serde_json::json!({"id": null, "name": name}),
        }));
        let p: Participant = serde_json::from_value(Value::Object(participant))
            .map_err(|e| TestCaseError::fail(format!("a participant did not decode: {e}")))?;
        let got = |i: usize| texts[i].clone().flatten().unwrap_or_default();
        prop_assert_eq!(&p.id, &got(0));
        prop_assert_eq!(&p.call_control_id, &got(1));
        prop_assert_eq!(p.status.as_str(), &got(2));
        prop_assert_eq!(p.muted, flags[0].flatten().unwrap_or(false));
        prop_assert_eq!(p.soft_end_conference_on_exit, flags[3].flatten().unwrap_or(false));
        prop_assert_eq!(&p.whisper_call_control_ids, &whisper.clone().flatten().unwrap_or_default());
        prop_assert_eq!(&p.conference.name, &got(4));

        let mut cp = o.clone();
        put(&mut cp, "label", text(5));
        put(&mut cp, "conference_id", text(6));
        let c: ConferenceParticipant = serde_json::from_value(Value::Object(cp))
            .map_err(|e| TestCaseError::fail(format!("a PATCH answer did not decode: {e}")))?;
        prop_assert_eq!(c.label, texts[5].clone().flatten());
        prop_assert_eq!(c.muted, flags[0].flatten());
        prop_assert_eq!(c.status.map(|s| s.as_str().to_string()), texts[2].clone().flatten());

        let mut room = serde_json::Map::new();
        put(&mut room, "id", text(0));
        put(&mut room, "name", text(7));
        put(&mut room, "status", text(2));
        put(&mut room, "end_reason", text(3));
        put(&mut room, "region", text(6));
        put(&mut room, "ended_by", texts[4].clone().map(|t| match t {
            None => Value::Null,
            Some(id) => serde_json::json!({"call_control_id": id, "call_session_id": null}),
        }));
        let conference: Conference = serde_json::from_value(Value::Object(room))
            .map_err(|e| TestCaseError::fail(format!("a conference did not decode: {e}")))?;
        prop_assert_eq!(&conference.name, &got(7));
        prop_assert_eq!(
            conference.status.map(|s| s.as_str().to_string()),
            texts[2].clone().flatten()
        );
    }

    /// The page meta reads any object: each count is its integer, or absent.
    #[test]
    fn a_page_meta_reads_any_object(fields in object(META, json())) {
        let meta: PaginationMeta = serde_json::from_value(fields.clone())
            .map_err(|e| TestCaseError::fail(format!("{fields} did not decode: {e}")))?;
        let int = |k: &str| fields.get(k).and_then(Value::as_i64);
        prop_assert_eq!(meta.page_number, int("page_number"));
        prop_assert_eq!(meta.page_size, int("page_size"));
        prop_assert_eq!(meta.total_pages, int("total_pages"));
        prop_assert_eq!(meta.total_results, int("total_results"));
    }
}
