//! Writes to participants: the edit form, its confirmation, mute and hold,
//! and the answers to them (the latest request per participant wins).

use super::form::Form;
use super::keymap::Action;
use super::loading::poll_soon;
use super::model::{Ended, Label, Level, Model, Overlay, Pending, Write};
use super::msg::Effect;
use crate::sanitize::sanitize_line;
use crate::telnyx::{
    ApiError, CallControlIds, CommandResult, ConferenceId, ConferenceParticipant, ErrorKind,
    Participant, ParticipantAction, UpdateParticipant,
};

/// Why no write can be sent now, if so.
fn write_blocked(model: &Model) -> Option<String> {
    if model.ctx.read_only {
        return Some("read-only: writes are turned off (--read-only)".into());
    }
    model
        .conf
        .as_ref()?
        .ended
        .as_ref()
        .map(|e| format!("{}: it can't receive commands", e.detail))
}

pub(crate) fn open_form(model: &mut Model) -> Vec<Effect> {
    let Some(row) = model.conf.as_ref().and_then(|c| c.selected()) else {
        return Vec::new();
    };
    let id = row.p.id.clone();
    if let Some(why) = write_blocked(model) {
        model.toast(Level::Info, why);
        return Vec::new();
    }
    let mut form = Form::new(&id);
    // a PATCH already in flight for this participant blocks a second one
    if let Some(Pending {
        seq,
        write: Write::Patch(_),
        ..
    }) = model.pending.get(&id)
    {
        form.submitting = Some(*seq);
    }
    model.overlay = Some(Overlay::Form(form));
    Vec::new()
}

pub(crate) fn toggle(model: &mut Model, mute: bool) -> Vec<Effect> {
    let Some(row) = model.conf.as_ref().and_then(|c| c.selected()) else {
        return Vec::new();
    };
    let (id, ccid, on) = (
        row.p.id.clone(),
        row.p.call_control_id.clone(),
        if mute { row.p.muted } else { row.p.on_hold },
    );
    let label = model.label_of(&row.p);
    if let Some(why) = write_blocked(model) {
        model.toast(Level::Info, why);
        return Vec::new();
    }
    if row.is_left() {
        model.toast(Level::Info, format!("{label} has left the conference"));
        return Vec::new();
    }
    if model.pending.contains_key(&id) {
        model.toast(
            Level::Info,
            format!("a change to {label} is already in flight"),
        );
        return Vec::new();
    }
    // The API reads an empty list as "everyone": only ever one known call.
    let Some(ids) = CallControlIds::one(&ccid) else {
        model.toast(Level::Error, format!("{label} has no call_control_id"));
        return Vec::new();
    };
    let action = match (mute, on) {
        (true, true) => ParticipantAction::Unmute,
        (true, false) => ParticipantAction::Mute,
        (false, true) => ParticipantAction::Unhold,
        (false, false) => ParticipantAction::Hold,
    };
    let seq = model.next_seq();
    model.pending.insert(
        id.clone(),
        Pending {
            seq,
            write: Write::Action(action),
        },
    );
    let Some(conference_id) = model.conf.as_ref().map(|c| c.id) else {
        return Vec::new();
    };
    vec![Effect::Action {
        seq,
        conference_id,
        participant_id: id,
        action,
        call_control_ids: ids,
    }]
}

pub(crate) fn form_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let Some(Overlay::Form(mut form)) = model.overlay.take() else {
        return Vec::new();
    };
    let server = model
        .conf
        .as_ref()
        .and_then(|c| c.row(&form.participant_id))
        .map(|r| r.p.clone());
    let Some(server) = server else {
        model.toast(Level::Info, "that participant is no longer in the list");
        return Vec::new();
    };
    let mut effects = Vec::new();
    match action {
        Action::Cancel => return Vec::new(),
        Action::NextField => form.focus = form.focus.next(),
        Action::PrevField => form.focus = form.focus.prev(),
        Action::Toggle => form.toggle(&server),
        Action::Left => form.step(false, &server),
        Action::Right => form.step(true, &server),
        Action::Submit => {
            let changes = form.changes(&server);
            if form.submitting.is_some() {
                model.toast(Level::Info, "already saving: wait for the answer");
            } else if model.pending.contains_key(&form.participant_id) {
                // one write per participant at a time: a mute or hold is out
                model.toast(
                    Level::Info,
                    "a change to this participant is in flight: wait for the answer",
                );
            } else if changes.is_empty() {
                model.toast(Level::Info, "nothing changed: nothing sent");
            } else if changes.end_conference_on_exit == Some(true) {
                model.overlay = Some(Overlay::Confirm(form));
                return Vec::new();
            } else {
                effects = send_patch(model, &mut form, changes);
            }
        }
        _ => {}
    }
    model.overlay = Some(Overlay::Form(form));
    effects
}

pub(crate) fn confirm_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let Some(Overlay::Confirm(mut form)) = model.overlay.take() else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    match action {
        Action::Confirm => {
            let server = model
                .conf
                .as_ref()
                .and_then(|c| c.row(&form.participant_id))
                .map(|r| r.p.clone());
            match server {
                Some(server) => {
                    let changes = form.changes(&server);
                    if changes.is_empty() {
                        model.toast(Level::Info, "nothing changed: nothing sent");
                    } else {
                        effects = send_patch(model, &mut form, changes);
                    }
                }
                None => {
                    model.toast(Level::Info, "that participant is no longer in the list");
                    return Vec::new();
                }
            }
        }
        Action::Cancel => model.toast(Level::Info, "not sent"),
        _ => {
            model.overlay = Some(Overlay::Confirm(form));
            return Vec::new();
        }
    }
    model.overlay = Some(Overlay::Form(form));
    effects
}

fn send_patch(model: &mut Model, form: &mut Form, update: UpdateParticipant) -> Vec<Effect> {
    if let Some(why) = write_blocked(model) {
        model.toast(Level::Info, why);
        return Vec::new();
    }
    let Some(conference_id) = model.conf.as_ref().map(|c| c.id) else {
        return Vec::new();
    };
    let seq = model.next_seq();
    form.submitting = Some(seq);
    model.pending.insert(
        form.participant_id.clone(),
        Pending {
            seq,
            write: Write::Patch(update),
        },
    );
    vec![Effect::Patch {
        seq,
        conference_id,
        participant_id: form.participant_id.clone(),
        update,
    }]
}

// ---- answers to writes ----------------------------------------------------------

/// Takes the pending write of `participant_id` if `seq` is the latest one;
/// `None` for a stale answer, which must not touch anything.
fn take_pending(model: &mut Model, participant_id: &str, seq: u64) -> Option<Pending> {
    match model.pending.get(participant_id) {
        Some(p) if p.seq == seq => model.pending.remove(participant_id),
        _ => {
            tracing::debug!(seq, "stale answer dropped");
            None
        }
    }
}

/// A write failed: a sticky error, and what it tells about the conference.
fn write_failed(
    model: &mut Model,
    conference_id: &ConferenceId,
    participant_id: &str,
    what: &str,
    e: &ApiError,
) -> Vec<Effect> {
    let label = model.label_by_id(participant_id);
    model.toast(Level::Error, format!("{what} {label}: {e}"));
    let now = model.now;
    let seq = model.next_seq();
    let Some(conf) = model.conf_mut(conference_id) else {
        return Vec::new();
    };
    match e.kind {
        ErrorKind::ConferenceEnded => {
            conf.ended = Some(Ended {
                detail: "the conference has ended".into(),
            });
            // reload it for its status and end reason
            conf.conference_seq = Some(seq);
            vec![Effect::LoadConference {
                seq,
                conference_id: *conference_id,
            }]
        }
        // the row is stale: refresh now
        ErrorKind::CallEnded | ErrorKind::NotFound => {
            conf.load.next_at = Some(now);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(crate) fn patched(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    participant_id: &str,
    result: Result<ConferenceParticipant, ApiError>,
) -> Vec<Effect> {
    let Some(pending) = take_pending(model, participant_id, seq) else {
        return Vec::new();
    };
    let Write::Patch(sent) = pending.write else {
        return Vec::new();
    };
    let form_waiting =
        matches!(&model.overlay, Some(Overlay::Form(f)) if f.submitting == Some(seq));
    match result {
        Ok(cp) => {
            if let Some(beep) = sent.beep_enabled {
                model.beeps.insert(participant_id.to_string(), beep);
            }
            if let Some(label) = cp.label.clone().filter(|l| !l.is_empty()) {
                model
                    .labels
                    .insert(participant_id.to_string(), Label::Known(label));
            }
            let now = model.now;
            if let Some(row) = model
                .conf_mut(conference_id)
                .and_then(|c| c.row_mut(participant_id))
            {
                if row.seq > seq {
                    // a listing newer than this PATCH is on screen: keep it,
                    // but for the fields this PATCH set
                    apply_sent(&mut row.p, &sent, &cp);
                } else {
                    apply(&mut row.p, &cp);
                    row.seq = seq;
                }
                row.changed_at = Some(now);
            }
            if form_waiting {
                model.overlay = None;
            }
            let label = model.label_by_id(participant_id);
            let kept = not_taken(&sent, &cp);
            if kept.is_empty() {
                model.toast(
                    Level::Success,
                    format!("saved {label}: {}", describe(&sent)),
                );
            } else {
                // a 200 that did not take the change: say so, the row shows the server's values
                model.toast(
                    Level::Error,
                    format!(
                        "{label}: the server answered 200 but kept {}",
                        kept.join(", ")
                    ),
                );
            }
            Vec::new()
        }
        Err(e) => {
            if form_waiting && let Some(Overlay::Form(f)) = model.overlay.as_mut() {
                f.submitting = None;
            }
            write_failed(model, conference_id, participant_id, "could not update", &e)
        }
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

pub(crate) fn action_done(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    participant_id: &str,
    action: ParticipantAction,
    result: Result<CommandResult, ApiError>,
) -> Vec<Effect> {
    if take_pending(model, participant_id, seq).is_none() {
        return Vec::new();
    }
    match result {
        Ok(answer) => {
            let now = model.now;
            if let Some(row) = model
                .conf_mut(conference_id)
                .and_then(|c| c.row_mut(participant_id))
            {
                match action {
                    ParticipantAction::Mute => row.p.muted = true,
                    ParticipantAction::Unmute => row.p.muted = false,
                    ParticipantAction::Hold => row.p.on_hold = true,
                    ParticipantAction::Unhold => row.p.on_hold = false,
                }
                row.seq = seq;
                row.changed_at = Some(now);
            }
            let label = model.label_by_id(participant_id);
            let done = match action {
                ParticipantAction::Mute => "muted",
                ParticipantAction::Unmute => "unmuted",
                ParticipantAction::Hold => "put on hold",
                ParticipantAction::Unhold => "took off hold",
            };
            if answer.result == "ok" {
                model.toast(Level::Success, format!("{done} {label}"));
            } else {
                // honest about an answer that is not the usual one
                model.toast(
                    Level::Info,
                    format!(
                        "{done} {label}: the server answered \"{}\"",
                        sanitize_line(&answer.result, 40)
                    ),
                );
            }
            // the API answers only a result: confirm with a refresh
            if model.conf_mut(conference_id).is_some() {
                poll_soon(model)
            } else {
                Vec::new()
            }
        }
        Err(e) => write_failed(
            model,
            conference_id,
            participant_id,
            &format!("could not {}", action.as_str()),
            &e,
        ),
    }
}
