//! The open conference: refresh and merge, navigation, the edit form, writes
//! and their answers.

use std::collections::HashSet;

use super::form::Form;
use super::keymap::Action;
use super::layout;
use super::model::{
    ConferenceView, Ended, Label, Level, Model, Overlay, Pending, Row, Screen, Write,
};
use super::msg::Effect;
use super::update::{back_to_picker, record_failure, toast_error};
use crate::telnyx::{
    ApiError, CallControlIds, Conference, ConferenceParticipant, ConferenceStatus, ErrorKind,
    Listing, Participant, ParticipantAction, UpdateParticipant,
};

/// Opens a conference: its details and its participants load in the background.
pub fn open(model: &mut Model, id: &str, known: Option<Conference>) -> Vec<Effect> {
    let mut view = ConferenceView::new(id);
    if let Some(c) = &known {
        view.ended = ended_from(c);
    }
    view.conference = known;
    let seq = model.next_seq();
    view.conference_seq = Some(seq);
    model.conf = Some(view);
    model.screen = Screen::Table;
    model.overlay = None;
    let mut effects = vec![Effect::LoadConference {
        seq,
        conference_id: id.to_string(),
    }];
    effects.extend(poll(model));
    effects
}

fn ended_from(c: &Conference) -> Option<Ended> {
    (c.status == Some(ConferenceStatus::Completed)).then(|| Ended {
        detail: match &c.end_reason {
            Some(r) => format!("the conference has ended ({r})"),
            None => "the conference has ended".to_string(),
        },
    })
}

/// Asks for the participant list now, unless a request is already out.
pub fn poll(model: &mut Model) -> Vec<Effect> {
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    if conf.load.in_flight.is_some() {
        return Vec::new();
    }
    let id = conf.id.clone();
    let seq = model.next_seq();
    if let Some(conf) = model.conf.as_mut() {
        conf.load.in_flight = Some(seq);
    }
    vec![Effect::LoadParticipants {
        seq,
        conference_id: id,
    }]
}

pub fn poll_if_due(model: &mut Model) -> Vec<Effect> {
    let due = model.conf.as_ref().is_some_and(|c| {
        c.load.in_flight.is_none() && c.load.next_at.is_some_and(|at| at <= model.now)
    });
    if due { poll(model) } else { Vec::new() }
}

fn open_conf<'a>(model: &'a mut Model, conference_id: &str) -> Option<&'a mut ConferenceView> {
    model.conf.as_mut().filter(|c| c.id == conference_id)
}

pub fn conference_loaded(
    model: &mut Model,
    seq: u64,
    conference_id: &str,
    result: Result<Conference, ApiError>,
) -> Vec<Effect> {
    let Some(conf) = open_conf(model, conference_id) else {
        return Vec::new();
    };
    if conf.conference_seq != Some(seq) {
        return Vec::new();
    }
    conf.conference_seq = None;
    match result {
        Ok(c) => {
            if let Some(ended) = ended_from(&c) {
                conf.ended = Some(ended);
            }
            conf.conference = Some(c);
        }
        // The participant list reports reachability and authentication;
        // a missing name is only a missing name.
        Err(e) => tracing::warn!(error = %e, "cannot load the conference"),
    }
    Vec::new()
}

pub fn participants_loaded(
    model: &mut Model,
    seq: u64,
    conference_id: &str,
    result: Result<Listing<Participant>, ApiError>,
) -> Vec<Effect> {
    let now = model.now;
    let refresh = model.ctx.refresh;
    let height = model.size.1;
    let Some(conf) = open_conf(model, conference_id) else {
        return Vec::new();
    };
    if conf.load.in_flight != Some(seq) {
        return Vec::new();
    }
    conf.load.in_flight = None;
    match result {
        Ok(listing) => {
            conf.rejected = listing.rejected.len();
            merge(conf, listing.items, seq, now);
            conf.loaded = true;
            conf.load.last_ok = Some(now);
            conf.load.failure = None;
            conf.load.failures = 0;
            conf.load.next_at = Some(now + refresh);
            rescroll(conf, height);
        }
        Err(e) => record_failure(&mut conf.load, e, now),
    }
    want_labels(model)
}

/// Replaces the rows with a fresh listing (server order), keeping rows whose
/// values come from a write answered after this listing was asked for,
/// marking rows that changed, and keeping the selection on the same
/// participant.
pub fn merge(
    conf: &mut ConferenceView,
    items: Vec<Participant>,
    seq: u64,
    now: time::OffsetDateTime,
) {
    let mut old: std::collections::HashMap<String, Row> =
        conf.rows.drain(..).map(|r| (r.p.id.clone(), r)).collect();
    let mut seen = HashSet::with_capacity(items.len());
    let mark_new = conf.loaded;
    let mut rows = Vec::with_capacity(items.len());
    for p in items {
        if !seen.insert(p.id.clone()) {
            continue;
        }
        match old.remove(&p.id) {
            Some(row) if row.seq > seq => rows.push(row),
            Some(mut row) => {
                if differs(&row.p, &p) {
                    row.changed_at = Some(now);
                }
                if row.p.created_at != p.created_at {
                    row.joined_at = super::model::parse_time(&p.created_at);
                }
                row.p = p;
                row.seq = seq;
                rows.push(row);
            }
            None => rows.push(Row::new(p, seq, mark_new.then_some(now))),
        }
    }
    conf.rows = rows;
    reindex(conf);
}

fn differs(a: &Participant, b: &Participant) -> bool {
    a.status != b.status
        || a.muted != b.muted
        || a.on_hold != b.on_hold
        || a.end_conference_on_exit != b.end_conference_on_exit
        || a.soft_end_conference_on_exit != b.soft_end_conference_on_exit
}

/// Rebuilds the id index and puts the cursor back on the selected participant
/// (or, when they are gone, on the row now at the same place).
fn reindex(conf: &mut ConferenceView) {
    conf.index = conf
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.p.id.clone(), i))
        .collect();
    let found = conf
        .selected_id
        .as_ref()
        .and_then(|id| conf.index.get(id))
        .copied();
    conf.cursor = found.unwrap_or_else(|| conf.cursor.min(conf.rows.len().saturating_sub(1)));
    conf.selected_id = conf.rows.get(conf.cursor).map(|r| r.p.id.clone());
}

fn rescroll(conf: &mut ConferenceView, height: u16) {
    conf.offset = layout::scroll(
        conf.offset,
        conf.cursor,
        layout::table_rows(height),
        conf.rows.len(),
    );
}

/// After the window moved: keep the cursor in view and ask for the labels of
/// the rows on screen that have none yet (never for all rows at once).
pub fn after_move(model: &mut Model) -> Vec<Effect> {
    let height = model.size.1;
    if let Some(conf) = model.conf.as_mut() {
        rescroll(conf, height);
    }
    want_labels(model)
}

fn want_labels(model: &mut Model) -> Vec<Effect> {
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    if model.screen != Screen::Table || model.too_small() {
        return Vec::new();
    }
    let wanted: Vec<String> = conf.rows[conf.window(model.size.1)]
        .iter()
        .filter(|r| !model.labels.contains_key(&r.p.id))
        .map(|r| r.p.id.clone())
        .collect();
    let conference_id = conf.id.clone();
    wanted
        .into_iter()
        .map(|id| {
            model.labels.insert(id.clone(), Label::Pending);
            Effect::LoadLabel {
                conference_id: conference_id.clone(),
                participant_id: id,
            }
        })
        .collect()
}

pub fn label_loaded(
    model: &mut Model,
    participant_id: &str,
    result: Result<Option<String>, ApiError>,
) -> Vec<Effect> {
    match result {
        Ok(Some(label)) if !label.is_empty() => {
            model
                .labels
                .insert(participant_id.to_string(), Label::Known(label));
        }
        Ok(_) => {
            model.labels.insert(participant_id.to_string(), Label::None);
        }
        // Asked again when the row is next on screen after a refresh.
        Err(e) if e.is_transient() => {
            model.labels.remove(participant_id);
        }
        Err(_) => {
            model
                .labels
                .insert(participant_id.to_string(), Label::Failed);
        }
    }
    Vec::new()
}

// ---- keys -------------------------------------------------------------------

pub fn table_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let height = model.size.1;
    let Some(conf) = model.conf.as_mut() else {
        return Vec::new();
    };
    let len = conf.rows.len();
    let last = len.saturating_sub(1);
    let page = layout::table_rows(height).max(1);
    let moved = match action {
        Action::Down => Some((conf.cursor + 1).min(last)),
        Action::Up => Some(conf.cursor.saturating_sub(1)),
        Action::Top => Some(0),
        Action::Bottom => Some(last),
        Action::PageDown => Some((conf.cursor + page).min(last)),
        Action::PageUp => Some(conf.cursor.saturating_sub(page)),
        _ => None,
    };
    if let Some(cursor) = moved {
        conf.cursor = cursor;
        conf.selected_id = conf.rows.get(cursor).map(|r| r.p.id.clone());
        return after_move(model);
    }
    match action {
        Action::Open => open_form(model),
        Action::ToggleMute => toggle(model, true),
        Action::ToggleHold => toggle(model, false),
        Action::Refresh => {
            if let Some(conf) = model.conf.as_mut() {
                conf.load.failure = None;
            }
            poll(model)
        }
        Action::Back => {
            if model.toasts.iter().any(|t| t.level == Level::Error) {
                model.toasts.retain(|t| t.level != Level::Error);
                Vec::new()
            } else {
                back_to_picker(model)
            }
        }
        _ => Vec::new(),
    }
}

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

fn open_form(model: &mut Model) -> Vec<Effect> {
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

fn toggle(model: &mut Model, mute: bool) -> Vec<Effect> {
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
            started: model.now,
            write: Write::Action(action),
        },
    );
    let conference_id = model
        .conf
        .as_ref()
        .map(|c| c.id.clone())
        .unwrap_or_default();
    vec![Effect::Action {
        seq,
        conference_id,
        participant_id: id,
        action,
        call_control_ids: ids,
    }]
}

pub fn form_action(model: &mut Model, action: Action) -> Vec<Effect> {
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

pub fn confirm_action(model: &mut Model, action: Action) -> Vec<Effect> {
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
    let Some(conference_id) = model.conf.as_ref().map(|c| c.id.clone()) else {
        return Vec::new();
    };
    let seq = model.next_seq();
    form.submitting = Some(seq);
    model.pending.insert(
        form.participant_id.clone(),
        Pending {
            seq,
            started: model.now,
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
    conference_id: &str,
    participant_id: &str,
    what: &str,
    e: &ApiError,
) {
    let label = model.label_by_id(participant_id);
    toast_error(model, &format!("{what} {label}"), e);
    let now = model.now;
    if let Some(conf) = open_conf(model, conference_id) {
        match e.kind {
            ErrorKind::ConferenceEnded => {
                conf.ended = Some(Ended {
                    detail: "the conference has ended".into(),
                });
            }
            // the row is stale: refresh now
            ErrorKind::CallEnded | ErrorKind::NotFound => conf.load.next_at = Some(now),
            _ => {}
        }
    }
}

pub fn patched(
    model: &mut Model,
    seq: u64,
    conference_id: &str,
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
            if let Some(row) =
                open_conf(model, conference_id).and_then(|c| c.row_mut(participant_id))
            {
                apply(&mut row.p, &cp);
                row.seq = seq;
                row.changed_at = Some(now);
            }
            if form_waiting {
                model.overlay = None;
            }
            let label = model.label_by_id(participant_id);
            model.toast(
                Level::Success,
                format!("saved {label}: {}", describe(&sent)),
            );
        }
        Err(e) => {
            if form_waiting && let Some(Overlay::Form(f)) = model.overlay.as_mut() {
                f.submitting = None;
            }
            write_failed(model, conference_id, participant_id, "could not update", &e);
        }
    }
    Vec::new()
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

/// `end_conference_on_exit → yes, beep_enabled → on_exit`
pub fn describe(u: &UpdateParticipant) -> String {
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

pub fn action_done(
    model: &mut Model,
    seq: u64,
    conference_id: &str,
    participant_id: &str,
    action: ParticipantAction,
    result: Result<(), ApiError>,
) -> Vec<Effect> {
    if take_pending(model, participant_id, seq).is_none() {
        return Vec::new();
    }
    match result {
        Ok(()) => {
            let now = model.now;
            if let Some(row) =
                open_conf(model, conference_id).and_then(|c| c.row_mut(participant_id))
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
            model.toast(Level::Success, format!("{done} {label}"));
            // the API answers only "ok": confirm with a refresh
            if let Some(conf) = open_conf(model, conference_id) {
                conf.load.next_at = Some(now);
            }
            poll_if_due(model)
        }
        Err(e) => {
            write_failed(
                model,
                conference_id,
                participant_id,
                &format!("could not {}", action.as_str()),
                &e,
            );
            Vec::new()
        }
    }
}
