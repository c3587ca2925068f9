//! Sending writes and keeping their books: the request for one participant,
//! what an answer changes in the rows, what undoes a change, and the words
//! the console says them in. The other write modules build on this one.

use std::collections::HashSet;

use super::model::{Ended, Job, Label, Level, Model, Outcome, Pending, Plan, Row, Undo, Write};
use super::msg::Effect;
use crate::audit::{Party, Subject};
use crate::telnyx::{
    ApiError, CallControlIds, ConferenceId, ConferenceParticipant, ErrorKind, HoldMusic,
    Participant, ParticipantAction, UpdateParticipant,
};

/// At most this many call_control_ids in one action request.
pub const ACTION_CHUNK: usize = 100;

/// One write per participant at a time: a plan for one whose change is in
/// flight, or waits its turn in a change to many, is refused (`None`,
/// said); of many, those are left out (named).
pub(crate) fn without_in_flight(model: &mut Model, plan: Plan) -> Option<Plan> {
    let waiting: HashSet<&str> = (model.run.iter())
        .flat_map(|r| r.queue.iter().chain(&r.stalled))
        .flat_map(Job::participant_ids)
        .map(String::as_str)
        .collect();
    let busy = |id: &String| model.pending.contains_key(id) || waiting.contains(id.as_str());
    let (plan, out): (Plan, Vec<String>) = match plan {
        Plan::Patch { what, targets } => {
            let (out, targets): (Vec<_>, Vec<_>) =
                targets.into_iter().partition(|(id, _)| busy(id));
            let out = out.into_iter().map(|(id, _)| id).collect();
            (Plan::Patch { what, targets }, out)
        }
        Plan::Act {
            what,
            action,
            targets,
        } => {
            let (out, targets): (Vec<_>, Vec<_>) = targets.into_iter().partition(busy);
            (
                Plan::Act {
                    what,
                    action,
                    targets,
                },
                out,
            )
        }
        Plan::End => (Plan::End, Vec::new()),
    };
    if out.is_empty() {
        return Some(plan);
    }
    let who: Vec<String> = out.iter().map(|id| model.label_by_id(id)).collect();
    let empty = match &plan {
        Plan::Patch { targets, .. } => targets.is_empty(),
        Plan::Act { targets, .. } => targets.is_empty(),
        Plan::End => false,
    };
    if empty {
        model.toast(
            Level::Info,
            format!("a change to {} is already in flight", names(&who)),
        );
        return None;
    }
    model.toast(
        Level::Info,
        format!(
            "left out {} with a change in flight: {}",
            who.len(),
            names(&who)
        ),
    );
    Some(plan)
}

/// The values of the fields `update` sets, as they are before it: the row's,
/// and the beep this console last set (the API never tells it).
pub(crate) fn before(
    model: &Model,
    participant_id: &str,
    update: &UpdateParticipant,
) -> UpdateParticipant {
    let row = model.conf.as_ref().and_then(|c| c.row(participant_id));
    UpdateParticipant {
        end_conference_on_exit: update
            .end_conference_on_exit
            .and(row.map(|r| r.p.end_conference_on_exit)),
        soft_end_conference_on_exit: update
            .soft_end_conference_on_exit
            .and(row.map(|r| r.p.soft_end_conference_on_exit)),
        beep_enabled: update
            .beep_enabled
            .and(model.beeps.get(participant_id).copied()),
    }
}

/// Action requests of at most [`ACTION_CHUNK`] calls each, for the targets
/// still present; the names of those who left meanwhile.
pub(crate) fn action_jobs(
    model: &Model,
    action: ParticipantAction,
    targets: Vec<String>,
) -> (Vec<Job>, Vec<String>) {
    let Some(conf) = model.conf.as_ref() else {
        return (Vec::new(), Vec::new());
    };
    let mut present = Vec::new();
    let mut skipped = Vec::new();
    for id in targets {
        match conf.row(&id) {
            Some(r) if r.is_present() && !r.p.call_control_id.trim().is_empty() => present.push(r),
            _ => skipped.push(model.label_by_id(&id)),
        }
    }
    let jobs = present
        .chunks(ACTION_CHUNK)
        .filter_map(|chunk| {
            let ids = chunk.iter().map(|r| r.p.call_control_id.clone()).collect();
            // The API reads an empty list as "everyone": never build one.
            let call_control_ids = CallControlIds::new(ids)?;
            let changes = chunk
                .iter()
                .filter(|r| changes_state(action, r))
                .map(|r| r.p.id.clone())
                .collect();
            Some(Job::Act {
                action,
                participants: chunk.iter().map(|r| r.p.id.clone()).collect(),
                call_control_ids,
                changes,
                resent: false,
            })
        })
        .collect();
    (jobs, skipped)
}

fn changes_state(action: ParticipantAction, r: &Row) -> bool {
    match action {
        ParticipantAction::Mute => !r.p.muted,
        ParticipantAction::Unmute => r.p.muted,
        ParticipantAction::Hold => !r.p.on_hold,
        ParticipantAction::Unhold => r.p.on_hold,
    }
}

/// One request for one participant, answered by `patched` / `action_done`.
pub(crate) fn send_single(model: &mut Model, conference_id: ConferenceId, job: Job) -> Vec<Effect> {
    let seq = model.next_seq();
    vec![request(model, conference_id, seq, &job, false)]
}

/// The request of a job (`seq`), its participants marked pending; `bulk`
/// when a change to many sends it (its answer goes to the run).
pub(crate) fn request(
    model: &mut Model,
    conference_id: ConferenceId,
    seq: u64,
    job: &Job,
    bulk: bool,
) -> Effect {
    match job {
        Job::Patch {
            participant_id,
            update,
            before,
        } => {
            let write = Write::Patch {
                update: *update,
                before: *before,
            };
            model
                .pending
                .insert(participant_id.clone(), Pending { seq, write, bulk });
            Effect::Patch {
                seq,
                conference_id,
                subject: subject(model, std::slice::from_ref(participant_id)),
                participant_id: participant_id.clone(),
                update: *update,
            }
        }
        Job::Act {
            action,
            participants,
            call_control_ids,
            ..
        } => {
            for id in participants {
                let write = Write::Action(*action);
                model
                    .pending
                    .insert(id.clone(), Pending { seq, write, bulk });
            }
            Effect::Action {
                seq,
                conference_id,
                subject: subject(model, participants),
                participant_ids: participants.clone(),
                action: *action,
                call_control_ids: call_control_ids.clone(),
                music: music(model, *action),
            }
        }
    }
}

/// Who a write is about, as the operator sees them now: the conference's
/// name and each participant's id, label and call_control_id (for the
/// audit journal).
pub(crate) fn subject(model: &Model, participant_ids: &[String]) -> Subject {
    let conf = model.conf.as_ref();
    Subject {
        conference_name: conf
            .and_then(|c| c.conference.as_ref())
            .map(|c| c.name.clone()),
        participants: participant_ids
            .iter()
            .map(|id| Party {
                id: Some(id.clone()),
                label: match model.labels.get(id) {
                    Some(Label::Known(l)) => Some(l.clone()),
                    _ => None,
                },
                call_control_id: conf
                    .and_then(|c| c.row(id))
                    .map(|r| r.p.call_control_id.clone())
                    .filter(|c| !c.trim().is_empty()),
            })
            .collect(),
    }
}

/// The configured hold music, for a hold.
pub(crate) fn music(model: &Model, action: ParticipantAction) -> Option<HoldMusic> {
    (action == ParticipantAction::Hold)
        .then(|| model.ctx.hold_music.clone())
        .flatten()
}

/// Takes the pending write of `participant_id` if `seq` is the latest one;
/// `None` for a stale answer, which must not touch anything.
pub(crate) fn take_pending(model: &mut Model, participant_id: &str, seq: u64) -> Option<Pending> {
    match model.pending.get(participant_id) {
        Some(p) if p.seq == seq => model.pending.remove(participant_id),
        _ => {
            tracing::debug!(seq, "stale answer dropped");
            None
        }
    }
}

/// What a failed write tells about the conference: it ended (reload it for
/// its end reason), or a row is stale (refresh soon).
pub(crate) fn learn_from(
    model: &mut Model,
    conference_id: &ConferenceId,
    e: &ApiError,
) -> Vec<Effect> {
    let now = model.now;
    let seq = model.next_seq();
    let Some(conf) = model.conf_mut(conference_id) else {
        return Vec::new();
    };
    match e.kind {
        ErrorKind::ConferenceEnded => {
            // why and when come with the conference, read again
            conf.ended.get_or_insert_with(Ended::default);
            conf.conference_seq = Some(seq);
            vec![Effect::LoadConference {
                seq,
                conference_id: *conference_id,
            }]
        }
        ErrorKind::CallEnded | ErrorKind::NotFound => {
            conf.load.next_at = Some(now);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Applies a PATCH answer to its row, records the beep it set and the
/// label it told; the fields the server did not take.
pub(crate) fn took_patch(
    model: &mut Model,
    conference_id: &ConferenceId,
    participant_id: &str,
    seq: u64,
    sent: &UpdateParticipant,
    cp: &ConferenceParticipant,
) -> Vec<String> {
    if let Some(beep) = sent.beep_enabled {
        model.beeps.insert(participant_id.to_string(), beep);
    }
    if let Some(label) = cp.label.clone().filter(|l| !l.is_empty()) {
        model
            .labels
            .insert(participant_id.to_string(), Label::Known(label));
    }
    let now = model.now;
    if let Some(conf) = model.conf_mut(conference_id)
        && let Some(row) = conf.row_mut(participant_id)
    {
        if row.seq > seq {
            // a listing newer than this PATCH is on screen: keep it,
            // but for the fields this PATCH set
            apply_sent(&mut row.p, sent, cp);
        } else {
            apply(&mut row.p, cp);
            row.seq = seq;
        }
        row.changed_at = Some(now);
        conf.marked_changes(now);
    }
    model.outcomes.insert(
        participant_id.to_string(),
        Outcome {
            ok: true,
            detail: None,
            at: now,
        },
    );
    not_taken(sent, cp)
}

/// The undo of PATCHes: each participant back to its values from before
/// (a `beep_enabled` nobody here knew cannot be restored: said as a caveat).
pub(crate) fn patch_undo(
    what: String,
    befores: Vec<(String, UpdateParticipant)>,
    sent: &UpdateParticipant,
) -> Undo {
    let caveat = (sent.beep_enabled.is_some()
        && befores.iter().any(|(_, b)| b.beep_enabled.is_none()))
    .then(|| "beep_enabled stays: its value before was never known".to_string());
    let targets: Vec<(String, UpdateParticipant)> =
        befores.into_iter().filter(|(_, b)| !b.is_empty()).collect();
    let fields = targets
        .first()
        .map(|(_, u)| describe(u))
        .unwrap_or_default();
    Undo {
        what,
        plan: Plan::Patch {
            what: format!("undo: {fields}"),
            targets,
        },
        caveat,
    }
}

/// The server's values win: every field the answer carries replaces ours.
fn apply(p: &mut Participant, cp: &ConferenceParticipant) {
    if let Some(v) = cp.end_conference_on_exit {
        p.end_conference_on_exit = v;
    }
    if let Some(v) = cp.soft_end_conference_on_exit {
        p.soft_end_conference_on_exit = v;
    }
    if let Some(v) = cp.muted {
        p.muted = v;
    }
    if let Some(v) = cp.on_hold {
        p.on_hold = v;
    }
    if let Some(v) = &cp.status {
        p.status = v.clone();
    }
    if let Some(v) = &cp.updated_at {
        p.updated_at = v.clone();
    }
}

/// Only the fields `sent` set, as the answer has them.
fn apply_sent(p: &mut Participant, sent: &UpdateParticipant, cp: &ConferenceParticipant) {
    if sent.end_conference_on_exit.is_some()
        && let Some(v) = cp.end_conference_on_exit
    {
        p.end_conference_on_exit = v;
    }
    if sent.soft_end_conference_on_exit.is_some()
        && let Some(v) = cp.soft_end_conference_on_exit
    {
        p.soft_end_conference_on_exit = v;
    }
}

/// The fields of `sent` that the answer shows with another value.
fn not_taken(sent: &UpdateParticipant, cp: &ConferenceParticipant) -> Vec<String> {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut kept = Vec::new();
    for (name, asked, got) in [
        (
            "end_conference_on_exit",
            sent.end_conference_on_exit,
            cp.end_conference_on_exit,
        ),
        (
            "soft_end_conference_on_exit",
            sent.soft_end_conference_on_exit,
            cp.soft_end_conference_on_exit,
        ),
    ] {
        if let (Some(asked), Some(got)) = (asked, got)
            && asked != got
        {
            kept.push(format!("{name} = {}", yes(got)));
        }
    }
    kept
}

/// `end_conference_on_exit → yes, beep_enabled → on_exit`
pub(crate) fn describe(u: &UpdateParticipant) -> String {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut parts = Vec::new();
    if let Some(v) = u.end_conference_on_exit {
        parts.push(format!("end_conference_on_exit → {}", yes(v)));
    }
    if let Some(v) = u.soft_end_conference_on_exit {
        parts.push(format!("soft_end_conference_on_exit → {}", yes(v)));
    }
    if let Some(v) = u.beep_enabled {
        parts.push(format!("beep_enabled → {v}"));
    }
    parts.join(", ")
}

/// `muted`, `put on hold`, ...
pub(crate) fn what_of(action: ParticipantAction) -> String {
    match action {
        ParticipantAction::Mute => "mute",
        ParticipantAction::Unmute => "unmute",
        ParticipantAction::Hold => "put on hold",
        ParticipantAction::Unhold => "take off hold",
    }
    .to_string()
}

pub(crate) fn done_word(action: ParticipantAction) -> &'static str {
    match action {
        ParticipantAction::Mute => "muted",
        ParticipantAction::Unmute => "unmuted",
        ParticipantAction::Hold => "put on hold",
        ParticipantAction::Unhold => "took off hold",
    }
}

pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `Ava, Liam and 3 more`.
pub(crate) fn names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

/// The inverse of an action (for undo).
pub(crate) fn inverse(action: ParticipantAction) -> ParticipantAction {
    match action {
        ParticipantAction::Mute => ParticipantAction::Unmute,
        ParticipantAction::Unmute => ParticipantAction::Mute,
        ParticipantAction::Hold => ParticipantAction::Unhold,
        ParticipantAction::Unhold => ParticipantAction::Hold,
    }
}

/// Applies a successful action to its rows and outcomes.
pub(crate) fn took_action(
    model: &mut Model,
    conference_id: &ConferenceId,
    seq: u64,
    action: ParticipantAction,
    participant_ids: &[String],
) {
    let now = model.now;
    if let Some(conf) = model.conf_mut(conference_id) {
        for id in participant_ids {
            if let Some(row) = conf.row_mut(id) {
                match action {
                    ParticipantAction::Mute => row.p.muted = true,
                    ParticipantAction::Unmute => row.p.muted = false,
                    ParticipantAction::Hold => row.p.on_hold = true,
                    ParticipantAction::Unhold => row.p.on_hold = false,
                }
                row.seq = seq;
                row.changed_at = Some(now);
            }
        }
        conf.marked_changes(now);
    }
    for id in participant_ids {
        model.outcomes.insert(
            id.clone(),
            Outcome {
                ok: true,
                detail: None,
                at: now,
            },
        );
    }
}
