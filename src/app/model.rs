//! The console's whole state. `view` reads it; only `update` changes it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use time::OffsetDateTime;
use tui_input::Input;

use super::form::Form;
use super::layout;
use crate::telnyx::{
    ApiError, BeepEnabled, CallControlIds, Conference, ConferenceId, EndReason, HoldMusic, Pacer,
    Participant, ParticipantAction, ParticipantStatus, RateLimit, UpdateParticipant,
};

/// What does not change while the console runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// `host[:port]` of the API, for the header.
    pub api_host: String,
    pub demo: bool,
    pub read_only: bool,
    pub no_color: bool,
    /// Time between participant list refreshes.
    pub refresh: Duration,
    /// Writes in flight at once in a bulk change.
    pub concurrency: usize,
    /// What a participant put on hold hears, if anything is configured.
    pub hold_music: Option<HoldMusic>,
    /// The base URL of the API, for the curl commands the log copies.
    pub api_base: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Picker,
    Table,
}

/// How long a success or info toast stays.
pub const TOAST_TTL: Duration = Duration::from_secs(4);
/// How long a changed row stays marked.
pub(crate) const CHANGED_TTL: Duration = Duration::from_secs(3);
/// Spinner frame length while a request is in flight.
pub(crate) const SPINNER_FRAME: Duration = Duration::from_millis(120);
/// The longest wait between retries of a failing load: short, so the
/// console is back within a few seconds of the API.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(3);
/// The picker refreshes this many times slower than the table.
pub(crate) const PICKER_PACE: u32 = 5;
/// How long a conference that ended stays in the picker, marked.
pub const ENDED_KEPT: Duration = Duration::from_secs(10 * 60);
/// Conferences that left the list read again at once, to say why.
pub(crate) const ENDED_CHECKS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub level: Level,
    pub text: String,
    /// `None`: stays until dismissed (errors), or until its participant's
    /// answer (a save still in flight).
    pub expires: Option<OffsetDateTime>,
    /// The participant it is about, if one: a later answer for them
    /// replaces it.
    pub about: Option<String>,
}

/// The state of a background load.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Load {
    /// The seq of the request in flight.
    pub in_flight: Option<u64>,
    /// When the last answer arrived, if it was a success.
    pub last_ok: Option<OffsetDateTime>,
    /// The last failure and when to try again (`None`: only on demand).
    pub failure: Option<(ApiError, Option<OffsetDateTime>)>,
    /// Consecutive failures, for the backoff.
    pub failures: u32,
    /// When the next refresh is due.
    pub next_at: Option<OffsetDateTime>,
    /// When the request in flight was sent (its cost paces the next).
    pub started_at: Option<OffsetDateTime>,
}

/// The conference picker.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    /// The conferences listed (in progress, then waiting), then those that
    /// left the list lately (ended), newest first.
    pub conferences: Vec<Conference>,
    /// Conferences that left the list, by id, and when that was noticed;
    /// each stays, marked, for [`ENDED_KEPT`].
    pub ended: HashMap<String, OffsetDateTime>,
    pub filter: Input,
    pub filtering: bool,
    /// Index into `visible()`.
    pub cursor: usize,
    pub offset: usize,
    pub load: Load,
}

/// The label of a participant, fetched lazily (the list carries none).
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    Pending,
    Known(String),
    /// The participant has no label.
    None,
    /// The lookup failed; the short call_control_id stands in.
    Failed,
    /// The lookup failed for a passing reason: ask again after this time.
    RetryAt(OffsetDateTime),
}

/// Label lookups in flight at once. Only rows on screen are looked up, and
/// the next ones are chosen when an answer arrives, so rows scrolled past in
/// the meantime are never asked for.
pub(crate) const LABEL_CONCURRENCY: usize = 4;
/// How long a label lookup that failed for a passing reason waits.
pub(crate) const LABEL_RETRY: Duration = Duration::from_secs(15);

/// A write in flight for one participant.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub seq: u64,
    pub write: Write,
    /// Part of the bulk run (its answer goes to the run, not to a toast).
    pub bulk: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Write {
    Patch {
        update: UpdateParticipant,
        /// The values of the fields `update` sets, before it (for undo).
        before: UpdateParticipant,
    },
    Action(ParticipantAction),
}

/// One participant row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub p: Participant,
    /// The seq of the request whose answer these values come from.
    pub seq: u64,
    /// When the row last changed (for the brief mark).
    pub changed_at: Option<OffsetDateTime>,
    /// `created_at`, parsed once.
    pub joined_at: Option<OffsetDateTime>,
    /// Whether the last listing missed this row (it is kept for one more).
    pub missed: bool,
    /// The participant is no longer listed; the row stays (greyed) only
    /// because it is selected, until the operator moves.
    pub gone: bool,
}

impl Row {
    pub fn new(p: Participant, seq: u64, changed_at: Option<OffsetDateTime>) -> Self {
        let joined_at = parse_time(&p.created_at);
        Row {
            p,
            seq,
            changed_at,
            joined_at,
            missed: false,
            gone: false,
        }
    }

    pub fn is_left(&self) -> bool {
        self.p.status == ParticipantStatus::Left
    }

    /// Whether a write can address this participant: still listed, not left.
    pub fn is_present(&self) -> bool {
        !self.gone && !self.is_left()
    }
}

pub(crate) fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// The conference has ended: writes to it cannot succeed any more.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ended {
    /// Why, when the API said (a write's 90019 says only that it ended).
    pub reason: Option<EndReason>,
    /// When, when the API said (the conference's `updated_at`).
    pub at: Option<OffsetDateTime>,
}

impl Ended {
    /// `the host left`, `ended via the API`, ...
    pub fn why(&self) -> Option<String> {
        self.reason.as_ref().map(|r| match r {
            EndReason::AllLeft => "everyone left".to_string(),
            EndReason::EndedViaApi => "ended via the API".to_string(),
            EndReason::HostLeft => "the host left".to_string(),
            EndReason::TimeExceeded => "its time ran out".to_string(),
            EndReason::Unknown(raw) => crate::sanitize::sanitize_line(raw, 32),
        })
    }
}

/// One line of the activity log: a request the console made, or something
/// it noticed.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Stable while the entry is in the log (the selection follows it).
    pub id: u64,
    pub at: OffsetDateTime,
    pub what: Logged,
}

impl LogEntry {
    pub fn request(&self) -> Option<&Exchanged> {
        match &self.what {
            Logged::Request(x) => Some(x),
            Logged::Event(_) => None,
        }
    }
}

/// The activity log's pane: what it shows and where.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogView {
    /// The selected entry; `None` follows the newest.
    pub selected: Option<u64>,
    pub writes_only: bool,
    pub errors_only: bool,
}

impl LogView {
    /// Whether the filters let `entry` through (events show unfiltered).
    pub fn shows(&self, entry: &LogEntry) -> bool {
        match entry.request() {
            Some(x) => (!self.writes_only || x.is_write()) && (!self.errors_only || x.is_error()),
            None => !self.writes_only && !self.errors_only,
        }
    }
}

/// The inspector of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspect {
    pub entry: u64,
    /// The first line shown.
    pub scroll: usize,
    /// The pane it came from (Esc goes back to it).
    pub from: LogView,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Logged {
    Request(Box<Exchanged>),
    /// `Liam Chen joined`, `Ava left`, `the conference ended`.
    Event(String),
}

/// One attempt of a request, as the activity log keeps it (never the key).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exchanged {
    pub method: String,
    /// The path below the base URL, with its query, sanitized.
    pub path: String,
    /// 0 for the first attempt, 1 for the first retry, ...
    pub attempt: u32,
    pub status: Option<u16>,
    pub latency: Duration,
    /// `90019 Conference has already ended`, or why there was no answer.
    pub error: Option<String>,
    /// The bodies, sanitized for a terminal and cut to a bound.
    pub request_body: Option<String>,
    pub response_body: String,
    /// The response body was longer than what is kept.
    pub cut: bool,
}

impl Exchanged {
    /// A write (anything but a GET).
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }

    pub fn is_error(&self) -> bool {
        self.error.is_some() || self.status.is_none_or(|s| s >= 400)
    }
}

/// The activity log: the last [`LOG_ENTRIES`] requests and events.
pub const LOG_ENTRIES: usize = 2_000;

/// The open conference and its participants.
#[derive(Debug, Clone)]
pub struct ConferenceView {
    pub id: ConferenceId,
    pub conference: Option<Conference>,
    pub conference_seq: Option<u64>,
    pub rows: Vec<Row>,
    /// participant id -> index in `rows`.
    pub index: HashMap<String, usize>,
    /// The rows the operator sees, as indices into `rows`: those the search
    /// and the quick filter let through, in the chosen order, and always the
    /// selected one. Recomputed when the data, the search, the filter or the
    /// order change, never per frame.
    pub shown: Vec<usize>,
    /// The selected row, as an index into `shown`; follows the participant.
    pub cursor: usize,
    pub selected_id: Option<String>,
    pub offset: usize,
    pub load: Load,
    /// Whether the list has loaded at least once.
    pub loaded: bool,
    /// Items of the last listing that could not be read.
    pub rejected: usize,
    /// Why the last listing stopped early, if it did (sanitized).
    pub warning: Option<String>,
    pub ended: Option<Ended>,
    pub find: Find,
    /// Marked participants, by id (they follow the participant across
    /// refreshes; one who leaves is unmarked).
    pub marks: HashSet<String>,
    /// (joining, joined, left) of `rows`, counted when `shown` is.
    pub counts: (usize, usize, usize),
    /// Rows whose label is known (or known to be none), counted with
    /// `shown` while a search is on.
    pub labels_known: usize,
    /// When the rows marked as changed stop being marked, soonest first
    /// (one entry per refresh or answer that marked some): the console
    /// wakes for these without scanning the rows.
    pub changes: VecDeque<OffsetDateTime>,
    /// The time between two refreshes now: the configured one, or longer
    /// for a listing that costs many pages or a rate limit running low.
    pub interval: Duration,
}

/// The search, the quick filter and the order of the table.
#[derive(Debug, Clone, Default)]
pub struct Find {
    pub search: Input,
    /// The search line is open: every printable key is text.
    pub typing: bool,
    pub quick: Quick,
    pub sort: Sort,
}

impl Find {
    /// The search, trimmed and lower-cased; empty when there is none.
    pub fn needle(&self) -> String {
        self.search.value().trim().to_lowercase()
    }

    /// Whether anything narrows the table.
    pub fn narrows(&self) -> bool {
        self.quick != Quick::All || !self.search.value().trim().is_empty()
    }
}

/// The quick filters (one key each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quick {
    #[default]
    All,
    Muted,
    Unmuted,
    OnHold,
    Joining,
    Left,
    Marked,
}

impl Quick {
    pub fn name(self) -> &'static str {
        match self {
            Quick::All => "everyone",
            Quick::Muted => "muted",
            Quick::Unmuted => "unmuted",
            Quick::OnHold => "on hold",
            Quick::Joining => "joining",
            Quick::Left => "left",
            Quick::Marked => "marked",
        }
    }
}

/// The orders `s` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Joined,
    Label,
    Status,
    MutedFirst,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::Joined => "joined",
            Sort::Label => "label",
            Sort::Status => "status",
            Sort::MutedFirst => "muted first",
        }
    }

    pub fn next(self) -> Sort {
        match self {
            Sort::Joined => Sort::Label,
            Sort::Label => Sort::Status,
            Sort::Status => Sort::MutedFirst,
            Sort::MutedFirst => Sort::Joined,
        }
    }
}

impl ConferenceView {
    pub fn new(id: ConferenceId) -> Self {
        ConferenceView {
            id,
            conference: None,
            conference_seq: None,
            rows: Vec::new(),
            index: HashMap::new(),
            shown: Vec::new(),
            cursor: 0,
            selected_id: None,
            offset: 0,
            load: Load::default(),
            loaded: false,
            rejected: 0,
            warning: None,
            ended: None,
            find: Find::default(),
            marks: HashSet::new(),
            counts: (0, 0, 0),
            labels_known: 0,
            changes: VecDeque::new(),
            interval: Duration::ZERO,
        }
    }

    /// Rows were marked as changed at `now`: wake when the mark goes.
    pub(crate) fn marked_changes(&mut self, now: OffsetDateTime) {
        let until = now + CHANGED_TTL;
        if self.changes.back() != Some(&until) {
            self.changes.push_back(until);
        }
    }

    pub fn selected(&self) -> Option<&Row> {
        self.shown.get(self.cursor).map(|&i| &self.rows[i])
    }

    pub fn row(&self, participant_id: &str) -> Option<&Row> {
        self.index.get(participant_id).map(|&i| &self.rows[i])
    }

    pub fn row_mut(&mut self, participant_id: &str) -> Option<&mut Row> {
        match self.index.get(participant_id) {
            Some(&i) => self.rows.get_mut(i),
            None => None,
        }
    }

    /// The part of `shown` on screen, for a table `rows` tall.
    /// The rows on screen in a table of `rows`: from the scroll offset, but
    /// always holding the cursor (a table that lost a line to a run's
    /// progress, before the offset caught up, never highlights a row other
    /// than the selected one).
    pub fn window(&self, rows: usize) -> std::ops::Range<usize> {
        let len = self.shown.len();
        let start = layout::scroll(self.offset, self.cursor, rows, len).min(len);
        start..(start + rows).min(len)
    }

    /// The rows a write to "the marked" addresses: marked and present.
    pub fn marked_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| r.is_present() && self.marks.contains(&r.p.id))
    }
}

/// `v3:MdI91X4l…` from a call_control_id (or the id when there is none).
pub fn short_call_control_id(ccid: &str, id: &str) -> String {
    let source = if ccid.is_empty() { id } else { ccid };
    let clean = crate::sanitize::sanitize_line(source, 200);
    if clean.chars().count() > 12 {
        let mut s: String = clean.chars().take(11).collect();
        s.push('…');
        s
    } else {
        clean
    }
}

/// An overlay that takes the keys while it is open.
#[derive(Debug, Clone)]
pub enum Overlay {
    Form(Form),
    /// A change to many, or one that ends the call for everyone: asks first.
    Confirm(Confirm),
    /// Ending the conference: the operator types (part of) its name.
    TypeToConfirm(TypeToConfirm),
    /// The activity log (`L`).
    Log(LogView),
    /// One request of the log, whole.
    Inspect(Inspect),
    Help,
}

/// A change waiting for `y`.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    /// What will happen, one sentence a line.
    pub lines: Vec<String>,
    pub plan: Plan,
    /// The form this came from, reopened on `n` (and after `y`).
    pub form: Option<Form>,
}

/// Ending the conference, waiting for its name.
#[derive(Debug, Clone)]
pub struct TypeToConfirm {
    pub input: Input,
    /// What must be typed (case-sensitive, as shown).
    pub expected: String,
}

/// A write, decided and waiting to be sent: the single place every write of
/// the console goes through (`writes::execute`).
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// PATCH each participant with its changes.
    Patch {
        what: String,
        targets: Vec<(String, UpdateParticipant)>,
    },
    /// One action on these participants (by id; sent as their
    /// call_control_ids, chunked).
    Act {
        what: String,
        action: ParticipantAction,
        targets: Vec<String>,
    },
    /// End the conference for everyone.
    End,
}

/// One request of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Patch {
        participant_id: String,
        update: UpdateParticipant,
        /// The values of the fields `update` sets, before it (for undo;
        /// `beep_enabled` only when this console knows it).
        before: UpdateParticipant,
    },
    Act {
        action: ParticipantAction,
        /// The participants of this chunk, by id.
        participants: Vec<String>,
        call_control_ids: CallControlIds,
        /// Those whose state this action changes (for undo).
        changes: Vec<String>,
        /// Sent again after a refresh dropped those who left meanwhile.
        resent: bool,
    },
}

impl Job {
    /// The participants it writes to, by id.
    pub fn participant_ids(&self) -> &[String] {
        match self {
            Job::Patch { participant_id, .. } => std::slice::from_ref(participant_id),
            Job::Act { participants, .. } => participants,
        }
    }
}

/// The requests of one change to many, paced by the server's rate limit.
#[derive(Debug, Clone)]
pub struct Run {
    /// The conference it writes to (the operator may leave it meanwhile).
    pub conference_id: ConferenceId,
    pub what: String,
    pub queue: VecDeque<Job>,
    /// Requests in flight, by seq.
    pub in_flight: HashMap<u64, Job>,
    /// Participants this run addresses, and of them those done and failed.
    pub total: usize,
    pub done: usize,
    pub failed: Vec<(Job, ApiError)>,
    /// Left meanwhile, so not sent to: their names.
    pub skipped: Vec<String>,
    /// Action chunks refused because someone in them left meanwhile: sent
    /// again, without those who left, after the next refresh asked for
    /// after `stalled_since` (a seq).
    pub stalled: Vec<Job>,
    pub stalled_since: u64,
    /// Participants never sent to because the operator left the
    /// conference while they waited.
    pub cancelled: usize,
    /// What succeeded, for undo.
    pub succeeded: Vec<Job>,
    pub pacer: Pacer,
    /// Time zero of the pacer.
    pub origin: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    /// Times each job went back to the queue after a 429.
    pub requeues: HashMap<String, u32>,
}

impl Run {
    /// The pacer's clock: time since the run began.
    pub fn clock(&self, now: OffsetDateTime) -> Duration {
        let d = now - self.origin;
        if d.is_negative() {
            Duration::ZERO
        } else {
            d.unsigned_abs()
        }
    }

    /// When the next request may start, if one is waiting and may start
    /// before an answer comes.
    pub fn next_start(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if self.queue.is_empty() {
            return None;
        }
        let at = self.pacer.next_start(self.clock(now))?;
        Some(self.origin + at)
    }

    /// Whether requests are out or waiting.
    pub fn running(&self) -> bool {
        !self.queue.is_empty() || !self.in_flight.is_empty() || !self.stalled.is_empty()
    }
}

/// How one participant's part of the last change ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    /// The error's short form when it failed.
    pub detail: Option<String>,
    pub at: OffsetDateTime,
}

/// The last change this console made, undoable.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    /// What the change was: `mute Ava`, `beep_enabled → never for 12`.
    pub what: String,
    pub plan: Plan,
    /// What the undo cannot restore (a `beep_enabled` never known).
    pub caveat: Option<String>,
}

/// The console.
#[derive(Debug, Clone)]
pub struct Model {
    pub ctx: Context,
    pub now: OffsetDateTime,
    pub size: (u16, u16),
    pub screen: Screen,
    pub picker: Picker,
    pub conf: Option<ConferenceView>,
    /// Labels fetched so far, by participant id (ids are unique across conferences).
    pub labels: HashMap<String, Label>,
    /// The `beep_enabled` this console last set, by participant id: the API
    /// never returns it, so this is all anyone can know.
    pub beeps: HashMap<String, BeepEnabled>,
    /// Writes in flight, by participant id: the latest one only.
    pub pending: HashMap<String, Pending>,
    /// The change to many in progress (or just finished).
    pub run: Option<Run>,
    /// How each participant's part of the latest change ended.
    pub outcomes: HashMap<String, Outcome>,
    pub undo: Option<Undo>,
    /// The seq of the request ending the conference, while it is out.
    pub ending: Option<u64>,
    /// The activity log: requests made and events noticed, newest last.
    pub log: VecDeque<LogEntry>,
    /// The id of the last log entry.
    pub log_seq: u64,
    /// Label lookups in flight (at most `LABEL_CONCURRENCY`).
    pub labels_in_flight: usize,
    pub overlay: Option<Overlay>,
    /// The first line of the help shown (it scrolls on small terminals).
    pub help_offset: usize,
    pub toasts: Vec<Toast>,
    /// The last retry the client reported, and when.
    pub activity: Option<(String, OffsetDateTime)>,
    /// The rate limit the server last said (any answer: the budget is the
    /// key's), for pacing the refreshes.
    pub rate: Option<RateLimit>,
    /// Why the audit journal cannot record this console's writes, once it
    /// could not (the header says so for the rest of the session).
    pub journal_trouble: Option<String>,
    /// The sequence number of the last request issued.
    pub seq: u64,
}

impl Model {
    pub fn new(ctx: Context, now: OffsetDateTime, size: (u16, u16)) -> Self {
        Model {
            ctx,
            now,
            size,
            screen: Screen::Picker,
            picker: Picker::default(),
            conf: None,
            labels: HashMap::new(),
            beeps: HashMap::new(),
            pending: HashMap::new(),
            run: None,
            outcomes: HashMap::new(),
            undo: None,
            ending: None,
            log: VecDeque::new(),
            log_seq: 0,
            labels_in_flight: 0,
            overlay: None,
            help_offset: 0,
            toasts: Vec::new(),
            activity: None,
            journal_trouble: None,
            rate: None,
            seq: 0,
        }
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The open conference, if it is `id` (an answer about another one is
    /// for a conference the operator has left).
    pub fn conf_mut(&mut self, id: &ConferenceId) -> Option<&mut ConferenceView> {
        self.conf.as_mut().filter(|c| c.id == *id)
    }

    /// The known label of a participant, sanitized.
    pub fn known_label(&self, participant_id: &str) -> Option<String> {
        match self.labels.get(participant_id) {
            Some(Label::Known(l)) => Some(crate::sanitize::sanitize_line(l, 120)),
            _ => None,
        }
    }

    /// The label to show for a participant: the known label, else a short
    /// call_control_id.
    pub fn label_of(&self, p: &Participant) -> String {
        self.known_label(&p.id)
            .unwrap_or_else(|| short_call_control_id(&p.call_control_id, &p.id))
    }

    /// The label of a participant by id, whether or not its row is shown.
    pub fn label_by_id(&self, participant_id: &str) -> String {
        match self.conf.as_ref().and_then(|c| c.row(participant_id)) {
            Some(row) => self.label_of(&row.p),
            None => self
                .known_label(participant_id)
                .unwrap_or_else(|| short_call_control_id("", participant_id)),
        }
    }

    pub fn too_small(&self) -> bool {
        layout::too_small(self.size.0, self.size.1)
    }

    /// Rows of the participant table on screen now (the run's progress line
    /// takes one while it shows).
    pub fn table_rows(&self) -> usize {
        layout::participant_rows(self.size.1, self.run_shown())
    }

    /// A change to many of the open conference: its progress line shows
    /// under the table.
    pub fn run_shown(&self) -> bool {
        let open = self.conf.as_ref().map(|c| c.id);
        self.run
            .as_ref()
            .is_some_and(|r| Some(r.conference_id) == open)
    }

    /// Adds to the activity log (the oldest line goes past the bound) and to
    /// the log file.
    pub fn record(&mut self, what: Logged) {
        if let Logged::Event(text) = &what {
            tracing::info!(target: "confmod::activity", "{text}");
        }
        if self.log.len() == LOG_ENTRIES {
            self.log.pop_front();
        }
        self.log_seq += 1;
        self.log.push_back(LogEntry {
            id: self.log_seq,
            at: self.now,
            what,
        });
    }

    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        let expires = match level {
            Level::Error => None,
            _ => Some(self.now + TOAST_TTL),
        };
        self.push_toast(level, text.into(), expires, None);
    }

    /// A toast about one participant: what an earlier answer for them said
    /// (their sticky error, a "still saving") gives way to it.
    pub fn toast_about(&mut self, participant_id: &str, level: Level, text: impl Into<String>) {
        self.forget_about(participant_id);
        let expires = match level {
            Level::Error => None,
            _ => Some(self.now + TOAST_TTL),
        };
        self.push_toast(
            level,
            text.into(),
            expires,
            Some(participant_id.to_string()),
        );
    }

    /// A note about a participant that stays until their answer comes.
    pub fn note_until_answer(&mut self, participant_id: &str, text: impl Into<String>) {
        self.forget_about(participant_id);
        self.push_toast(
            Level::Info,
            text.into(),
            None,
            Some(participant_id.to_string()),
        );
    }

    /// Drops the toasts about a participant.
    pub fn forget_about(&mut self, participant_id: &str) {
        self.toasts
            .retain(|t| t.about.as_deref() != Some(participant_id));
    }

    fn push_toast(
        &mut self,
        level: Level,
        text: String,
        expires: Option<OffsetDateTime>,
        about: Option<String>,
    ) {
        // the same message twice in a row is shown once
        self.toasts.retain(|t| t.text != text);
        self.toasts.push(Toast {
            level,
            text,
            expires,
            about,
        });
        const MAX_TOASTS: usize = 4;
        if self.toasts.len() > MAX_TOASTS {
            let drop = self.toasts.len() - MAX_TOASTS;
            self.toasts.drain(..drop);
        }
    }

    /// The next instant at which something on screen changes by itself or a
    /// request is due; `None` when the console is idle.
    pub fn next_deadline(&self) -> Option<OffsetDateTime> {
        let mut next: Option<OffsetDateTime> = None;
        let mut consider = |t: OffsetDateTime| {
            next = Some(next.map_or(t, |n| n.min(t)));
        };
        for t in &self.toasts {
            if let Some(e) = t.expires {
                consider(e);
            }
        }
        if let Some((_, at)) = &self.activity {
            consider(*at + TOAST_TTL);
        }
        match self.screen {
            Screen::Picker => {
                let load = &self.picker.load;
                if load.in_flight.is_some() {
                    // only the first load shows a spinner
                    if load.last_ok.is_none() {
                        consider(self.now + SPINNER_FRAME);
                    }
                } else if let Some((_, Some(retry))) = &load.failure {
                    // the countdown is shown in whole seconds
                    consider((*retry).min(self.now + Duration::from_secs(1)));
                } else if let Some(next) = load.next_at {
                    consider(next);
                }
            }
            Screen::Table => {
                if !self.pending.is_empty() {
                    consider(self.now + SPINNER_FRAME);
                }
                if let Some(conf) = &self.conf {
                    // the "loading…" spinner (an error screen does not spin)
                    if !conf.loaded && conf.load.in_flight.is_some() {
                        consider(self.now + SPINNER_FRAME);
                    }
                    if conf.load.in_flight.is_none()
                        && let Some(at) = conf.load.next_at
                    {
                        consider(at);
                    }
                    // "updated 3s ago" stays true: wake when it would change
                    if let Some(ok) = conf.load.last_ok {
                        let elapsed = (self.now - ok).whole_seconds().max(0) + 1;
                        consider(ok + time::Duration::seconds(elapsed));
                    }
                    // "retrying in 4s" counts down in whole seconds
                    if let Some((_, Some(_))) = &conf.load.failure {
                        consider(self.now + Duration::from_secs(1));
                    }
                    if let Some(&until) = conf.changes.iter().find(|&&t| t > self.now) {
                        consider(until);
                    }
                }
                if let Some(run) = &self.run {
                    if let Some(at) = run.next_start(self.now) {
                        consider(at);
                    }
                    // a finished run's line goes after a while
                    if let Some(at) = run.finished_at.filter(|_| run.failed.is_empty()) {
                        consider(at + TOAST_TTL);
                    }
                }
                for o in self.outcomes.values() {
                    if o.ok && o.at + CHANGED_TTL > self.now {
                        consider(o.at + CHANGED_TTL);
                    }
                }
            }
        }
        next
    }
}
