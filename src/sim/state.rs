//! The sim's world: conferences and participants, and how they change.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use fastrand::Rng;
use serde::Serialize;
use time::OffsetDateTime;

use super::names;
use super::seed::{call_control_id, new_participant, stamp, truncate_ms, uuid};
use super::wire::{
    self, ConferenceParticipant, ConferenceRecordType, ConferenceRef, ConferenceStatus, EndReason,
    ParticipantRecordType, ParticipantStatus,
};

/// How long a participant who left stays in the list (with churn on).
pub(crate) const LINGER: Duration = Duration::from_secs(10);

/// A participant as the sim holds it: every field, `label` and the
/// write-only `beep_enabled` included.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimParticipant {
    pub id: String,
    pub call_control_id: String,
    pub call_leg_id: String,
    pub label: String,
    pub status: ParticipantStatus,
    pub muted: bool,
    pub on_hold: bool,
    pub end_conference_on_exit: bool,
    pub soft_end_conference_on_exit: bool,
    pub beep_enabled: Option<wire::BeepEnabled>,
    pub whisper_call_control_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl SimParticipant {
    /// The list item (`Participant` schema), borrowing from `self`.
    pub fn to_list_item<'a>(&'a self, conference: ConferenceRef<'a>) -> wire::Participant<'a> {
        wire::Participant {
            record_type: ParticipantRecordType::Participant,
            id: Cow::Borrowed(&self.id),
            call_leg_id: Cow::Borrowed(&self.call_leg_id),
            call_control_id: Cow::Borrowed(&self.call_control_id),
            conference,
            whisper_call_control_ids: Cow::Borrowed(&self.whisper_call_control_ids),
            created_at: Cow::Borrowed(&self.created_at),
            updated_at: Cow::Borrowed(&self.updated_at),
            end_conference_on_exit: self.end_conference_on_exit,
            soft_end_conference_on_exit: self.soft_end_conference_on_exit,
            status: self.status,
            muted: self.muted,
            on_hold: self.on_hold,
        }
    }

    /// The single resource (`ConferenceParticipant` schema), borrowing from `self`.
    pub fn to_resource<'a>(&'a self, conference_id: &'a str) -> ConferenceParticipant<'a> {
        ConferenceParticipant {
            id: Cow::Borrowed(&self.id),
            call_control_id: Cow::Borrowed(&self.call_control_id),
            call_leg_id: Cow::Borrowed(&self.call_leg_id),
            conference_id: Cow::Borrowed(conference_id),
            label: Cow::Borrowed(&self.label),
            status: self.status,
            muted: self.muted,
            on_hold: self.on_hold,
            end_conference_on_exit: self.end_conference_on_exit,
            soft_end_conference_on_exit: self.soft_end_conference_on_exit,
            whisper_call_control_ids: Cow::Borrowed(&self.whisper_call_control_ids),
            created_at: Cow::Borrowed(&self.created_at),
            updated_at: Cow::Borrowed(&self.updated_at),
        }
    }
}

/// A conference as the sim holds it.
#[derive(Clone, Debug)]
pub(crate) struct ConfData {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
    pub status: ConferenceStatus,
    pub end_reason: Option<EndReason>,
    /// (call_control_id, call_session_id)
    pub ended_by: Option<(String, String)>,
    pub connection_id: String,
    pub region: String,
    pub updated_at: String,
}

impl ConfData {
    /// The `Conference` schema, borrowing from `self`.
    pub(crate) fn wire(&self) -> wire::Conference<'_> {
        wire::Conference {
            id: Cow::Borrowed(&self.id),
            name: Cow::Borrowed(&self.name),
            record_type: ConferenceRecordType::Conference,
            created_at: Cow::Borrowed(&self.created_at),
            expires_at: Cow::Borrowed(&self.expires_at),
            status: self.status,
            end_reason: self.end_reason,
            ended_by: self.ended_by.as_ref().map(|(ccid, session)| wire::EndedBy {
                call_control_id: Cow::Borrowed(ccid),
                call_session_id: Cow::Borrowed(session),
            }),
            connection_id: Cow::Borrowed(&self.connection_id),
            region: Cow::Borrowed(&self.region),
            updated_at: Cow::Borrowed(&self.updated_at),
        }
    }
}

pub(crate) struct Conf {
    pub data: ConfData,
    pub participants: Vec<SimParticipant>,
    /// Participant id -> position in `participants`.
    pub index: HashMap<String, usize>,
    /// A participant with `soft_end_conference_on_exit` left: no new joins.
    pub soft_ended: bool,
    /// The seeded size, which churn keeps the population around.
    pub target: usize,
}

impl Conf {
    /// Not ended: `init` or `in_progress`. Commands are taken.
    pub(crate) fn active(&self) -> bool {
        self.data.status != ConferenceStatus::Completed
    }

    /// `in_progress`: churn plays here (an `init` conference stays as seeded).
    pub(crate) fn in_progress(&self) -> bool {
        self.data.status == ConferenceStatus::InProgress
    }

    /// `Participant.conference`, borrowing from `self`.
    pub(crate) fn reference(&self) -> ConferenceRef<'_> {
        ConferenceRef {
            id: Cow::Borrowed(&self.data.id),
            name: Cow::Borrowed(&self.data.name),
        }
    }

    /// A participant by id, else by label (the first with that label).
    pub(crate) fn find(&self, id_or_label: &str) -> Option<usize> {
        self.index.get(id_or_label).copied().or_else(|| {
            self.participants
                .iter()
                .position(|p| p.label == id_or_label)
        })
    }

    pub(super) fn push(&mut self, p: SimParticipant) {
        self.index.insert(p.id.clone(), self.participants.len());
        self.participants.push(p);
    }

    /// Drops the participants whose ids are listed, keeping the order.
    pub(crate) fn remove(&mut self, ids: &[String]) {
        let before = self.participants.len();
        self.participants.retain(|p| !ids.contains(&p.id));
        if self.participants.len() != before {
            self.index = self
                .participants
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.clone(), i))
                .collect();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// A joining participant becomes joined.
    Joined,
    /// A participant who left disappears from the list.
    Remove,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timer {
    pub due: Instant,
    pub seq: u64,
    pub kind: TimerKind,
    pub conf: usize,
    pub participant: String,
}

pub(crate) struct World {
    /// In listing order: newest `expires_at` first.
    pub confs: Vec<Conf>,
    pub(super) by_id: HashMap<String, usize>,
    /// Randomness after seeding (churn, later joins).
    pub rng: Rng,
    pub hostile: bool,
    pub churn_on: bool,
    pub timers: BinaryHeap<Reverse<Timer>>,
    pub(super) seq: u64,
    pub(super) last_stamp: OffsetDateTime,
}

impl World {
    pub(crate) fn conf_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The first conference with that name, preferring one not ended.
    pub(crate) fn conf_by_name(&self, name: &str) -> Option<usize> {
        let mut matches = self
            .confs
            .iter()
            .enumerate()
            .filter(|(_, c)| c.data.name == name);
        let first = matches.next()?;
        if first.1.active() {
            return Some(first.0);
        }
        Some(matches.find(|(_, c)| c.active()).unwrap_or(first).0)
    }

    pub(crate) fn sample_conference(&self) -> String {
        self.confs
            .iter()
            .find(|c| c.in_progress())
            .or(self.confs.first())
            .map(|c| c.data.id.clone())
            .unwrap_or_default()
    }

    /// Now, strictly later than every stamp handed out before.
    pub(crate) fn stamp_now(&mut self) -> String {
        let now = truncate_ms(OffsetDateTime::now_utc());
        let floor = self.last_stamp + time::Duration::milliseconds(1);
        self.last_stamp = now.max(floor);
        stamp(self.last_stamp)
    }

    pub(crate) fn schedule(
        &mut self,
        due: Instant,
        kind: TimerKind,
        conf: usize,
        participant: String,
    ) {
        self.seq += 1;
        self.timers.push(Reverse(Timer {
            due,
            seq: self.seq,
            kind,
            conf,
            participant,
        }));
    }

    /// Participant `pi` of conference `ci` leaves, with the on-exit effects.
    pub(crate) fn leave(&mut self, ci: usize, pi: usize, now: Instant) {
        let at = self.stamp_now();
        let conf = &mut self.confs[ci];
        let p = &mut conf.participants[pi];
        p.status = ParticipantStatus::Left;
        p.updated_at = at;
        let (id, ccid) = (p.id.clone(), p.call_control_id.clone());
        if p.end_conference_on_exit {
            self.end(ci, EndReason::HostLeft, Some(ccid));
            return;
        }
        if p.soft_end_conference_on_exit {
            conf.soft_ended = true;
        }
        if conf
            .participants
            .iter()
            .all(|p| p.status == ParticipantStatus::Left)
        {
            self.end(ci, EndReason::AllLeft, Some(ccid));
            return;
        }
        if self.churn_on {
            self.schedule(now + LINGER, TimerKind::Remove, ci, id);
        }
    }

    pub(crate) fn end_via_api(&mut self, ci: usize) {
        self.end(ci, EndReason::EndedViaApi, None);
    }

    /// The conference completes; everyone still in it leaves.
    pub(crate) fn end(&mut self, ci: usize, reason: EndReason, by: Option<String>) {
        let at = self.stamp_now();
        let ccid = by.unwrap_or_else(|| call_control_id(&mut self.rng));
        let session = uuid(&mut self.rng);
        let conf = &mut self.confs[ci];
        conf.data.status = ConferenceStatus::Completed;
        conf.data.end_reason = Some(reason);
        conf.data.ended_by = Some((ccid, session));
        conf.data.updated_at = at.clone();
        for p in &mut conf.participants {
            if p.status != ParticipantStatus::Left {
                p.status = ParticipantStatus::Left;
                p.updated_at = at.clone();
            }
        }
    }

    /// A new participant dials in (status joining, joined 1-2 s later).
    pub(crate) fn join(&mut self, ci: usize, now: Instant) {
        let at = self.stamp_now();
        self.seq += 1;
        let conf = &self.confs[ci];
        let label = names::join_label(
            &mut self.rng,
            self.hostile,
            conf.participants.len() + 1,
            conf.participants.iter().map(|p| p.label.as_str()),
        );
        let mut p = new_participant(&mut self.rng, label, &at, ParticipantStatus::Joining);
        p.muted = self.rng.u8(..4) == 0;
        let id = p.id.clone();
        self.confs[ci].push(p);
        let delay = Duration::from_millis(self.rng.u64(1000..2000));
        self.schedule(now + delay, TimerKind::Joined, ci, id);
    }
}
