//! Writes: every change the console makes is a [`Plan`], decided from what
//! the operator saw, confirmed when it touches many (or ends the call for
//! everyone), and sent by [`execute`]: one participant directly, many as a
//! paced run (`run.rs`). Also the answers to single writes, undo, and copy.

use crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::form::{Field, Form};
use super::keymap::{Action, Scope, lookup};
use super::loading::poll_soon;
use super::model::{
    Confirm, Ended, Job, Label, Level, Model, Outcome, Overlay, Pending, Plan, Row, TypeToConfirm,
    Undo, Write,
};
use super::msg::Effect;
use super::run;
use crate::sanitize::sanitize_line;
use crate::telnyx::{
    ApiError, CallControlIds, CommandResult, ConferenceId, ConferenceParticipant, ErrorKind,
    Participant, ParticipantAction, UpdateParticipant,
};

/// A change to more participants than this asks first.
pub const CONFIRM_OVER: usize = 20;
/// At most this many call_control_ids in one action request.
pub const ACTION_CHUNK: usize = 100;

/// Why no write can be sent now, if so.
pub(crate) fn write_blocked(model: &Model) -> Option<String> {
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

/// Says why nothing is written, when that is so.
fn blocked(model: &mut Model) -> bool {
    match write_blocked(model) {
        Some(why) => {
            model.toast(Level::Info, why);
            true
        }
        None => false,
    }
}

/// The selected row, if a write may address it (says why not otherwise).
fn selected_present(model: &mut Model) -> Option<Row> {
    let row = model.conf.as_ref()?.selected()?.clone();
    if !row.is_present() {
        let label = model.label_of(&row.p);
        let why = if row.gone {
            "is no longer in the conference"
        } else {
            "has left the conference"
        };
        model.toast(Level::Info, format!("{label} {why}"));
        return None;
    }
    Some(row)
}

/// The marked participants a write addresses, by id (present ones only).
fn marked(model: &Model) -> Vec<String> {
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    let mut ids: Vec<String> = conf.marked_rows().map(|r| r.p.id.clone()).collect();
    ids.sort_by_key(|id| conf.index.get(id).copied());
    ids
}

// ---- deciding ------------------------------------------------------------------

/// Enter: edits the marked participants, if any, else the selected one.
pub(crate) fn open_form(model: &mut Model) -> Vec<Effect> {
    if blocked(model) {
        return Vec::new();
    }
    let targets = marked(model);
    let form = if targets.is_empty() {
        let Some(row) = selected_present(model) else {
            return Vec::new();
        };
        let mut form = Form::new(vec![row.p.id.clone()]);
        // a PATCH already in flight for this participant blocks a second one
        if let Some(Pending {
            seq,
            write: Write::Patch { .. },
            ..
        }) = model.pending.get(&row.p.id)
        {
            form.submitting = Some(*seq);
        }
        form
    } else {
        Form::new(targets)
    };
    model.overlay = Some(Overlay::Form(form));
    Vec::new()
}

/// `m` / `o`: mutes or holds (or unmutes, unholds) the marked participants
/// in one action, if any are marked, else the selected one.
pub(crate) fn toggle(model: &mut Model, mute: bool) -> Vec<Effect> {
    if blocked(model) {
        return Vec::new();
    }
    let on = |r: &Row| if mute { r.p.muted } else { r.p.on_hold };
    let targets = marked(model);
    let (targets, all_on, who) = if targets.is_empty() {
        let Some(row) = selected_present(model) else {
            return Vec::new();
        };
        let who = model.label_of(&row.p);
        (vec![row.p.id.clone()], on(&row), who)
    } else {
        let conf = model.conf.as_ref();
        let all_on = targets
            .iter()
            .filter_map(|id| conf.and_then(|c| c.row(id)))
            .all(on);
        let who = format!("{} marked", targets.len());
        (targets, all_on, who)
    };
    // all of them on: take them off; else put everyone on
    let action = match (mute, all_on) {
        (true, true) => ParticipantAction::Unmute,
        (true, false) => ParticipantAction::Mute,
        (false, true) => ParticipantAction::Unhold,
        (false, false) => ParticipantAction::Hold,
    };
    let what = format!("{} {who}", action.as_str());
    let n = targets.len();
    let plan = Plan::Act {
        what: what.clone(),
        action,
        targets,
    };
    if n > CONFIRM_OVER {
        let lines = vec![format!(
            "{} {n} participants.",
            capitalized(&what_of(action))
        )];
        return ask(model, &what, lines, plan, None);
    }
    execute(model, plan)
}

/// `M`: mutes everyone but the marked (or but the selected, when nothing is
/// marked: "mute all but the speaker"), by an explicit list.
pub(crate) fn mute_all_but(model: &mut Model) -> Vec<Effect> {
    if blocked(model) {
        return Vec::new();
    }
    let mut keep = marked(model);
    let but = if keep.is_empty() {
        let Some(row) = selected_present(model) else {
            return Vec::new();
        };
        keep.push(row.p.id.clone());
        model.label_of(&row.p)
    } else {
        format!("the {} marked", keep.len())
    };
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    let targets: Vec<String> = conf
        .rows
        .iter()
        .filter(|r| r.is_present() && !r.p.muted && !keep.contains(&r.p.id))
        .map(|r| r.p.id.clone())
        .collect();
    if targets.is_empty() {
        model.toast(Level::Info, format!("everyone but {but} is already muted"));
        return Vec::new();
    }
    let n = targets.len();
    let what = format!("mute all but {but}");
    let lines = vec![
        format!("Mute {n} participants: everyone unmuted but {but}."),
        "Those who join meanwhile are not muted.".to_string(),
    ];
    let plan = Plan::Act {
        what: what.clone(),
        action: ParticipantAction::Mute,
        targets,
    };
    ask(model, &what, lines, plan, None)
}

/// `U`: unmutes everyone muted, by an explicit list.
pub(crate) fn unmute_all(model: &mut Model) -> Vec<Effect> {
    if blocked(model) {
        return Vec::new();
    }
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    let targets: Vec<String> = conf
        .rows
        .iter()
        .filter(|r| r.is_present() && r.p.muted)
        .map(|r| r.p.id.clone())
        .collect();
    if targets.is_empty() {
        model.toast(Level::Info, "nobody is muted");
        return Vec::new();
    }
    let n = targets.len();
    let what = "unmute everyone".to_string();
    let lines = vec![format!("Unmute {n} participants: everyone muted.")];
    let plan = Plan::Act {
        what: what.clone(),
        action: ParticipantAction::Unmute,
        targets,
    };
    ask(model, &what, lines, plan, None)
}

/// `E`: ending the conference asks for (the start of) its name.
pub(crate) fn ask_end(model: &mut Model) -> Vec<Effect> {
    if blocked(model) {
        return Vec::new();
    }
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    let name = conf
        .conference
        .as_ref()
        .map(|c| sanitize_line(&c.name, 200))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| conf.id.to_string());
    model.overlay = Some(Overlay::TypeToConfirm(TypeToConfirm {
        input: Input::default(),
        expected: end_word(&name),
    }));
    Vec::new()
}

/// What ending a conference named `name` asks to type: its first six
/// characters (all of it when shorter).
pub fn end_word(name: &str) -> String {
    name.chars().take(6).collect()
}

/// Keys of the typed confirmation: Enter ends the conference when the text
/// is right, Esc cancels; every other key is text.
pub(crate) fn type_to_confirm_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::TypeToConfirm(mut typed)) = model.overlay.take() else {
        return Vec::new();
    };
    match lookup(Scope::TypeToConfirm, &key) {
        Some(Action::ForceQuit) => return vec![Effect::Quit],
        Some(Action::Cancel) => {
            model.toast(Level::Info, "not ended");
            return Vec::new();
        }
        Some(Action::Confirm) if typed.input.value() == typed.expected => {
            return execute(model, Plan::End);
        }
        Some(Action::Confirm) => {
            model.toast(
                Level::Info,
                format!("type {} exactly to end the conference", typed.expected),
            );
        }
        _ => {
            typed.input.handle_event(&Event::Key(key));
        }
    }
    model.overlay = Some(Overlay::TypeToConfirm(typed));
    Vec::new()
}

/// `u`: sends the inverse of the last change this console made.
pub(crate) fn undo(model: &mut Model) -> Vec<Effect> {
    if blocked(model) {
        return Vec::new();
    }
    let Some(undo) = model.undo.take() else {
        model.toast(Level::Info, "nothing to undo");
        return Vec::new();
    };
    let n = match &undo.plan {
        Plan::Patch { targets, .. } => targets.len(),
        Plan::Act { targets, .. } => targets.len(),
        Plan::End => 0,
    };
    if n == 0 {
        let why = undo
            .caveat
            .as_deref()
            .unwrap_or("nothing it changed is known");
        model.toast(Level::Info, format!("cannot undo {}: {why}", undo.what));
        return Vec::new();
    }
    let mut text = format!("undone: {}", undo.what);
    if let Some(caveat) = &undo.caveat {
        text.push_str(&format!(" ({caveat})"));
    }
    if n > CONFIRM_OVER {
        let lines = vec![format!("Undo \"{}\": {n} participants.", undo.what)];
        return ask(
            model,
            &format!("undo {}", undo.what),
            lines,
            undo.plan,
            None,
        );
    }
    model.toast(Level::Info, text);
    execute(model, undo.plan)
}

/// `y` / `Y`: the selected participant's id or call_control_id to the
/// clipboard (OSC 52, so it works over SSH).
pub(crate) fn copy(model: &mut Model, call_control_id: bool) -> Vec<Effect> {
    let Some(row) = model.conf.as_ref().and_then(|c| c.selected()) else {
        return Vec::new();
    };
    let (what, value) = if call_control_id {
        ("call_control_id", row.p.call_control_id.clone())
    } else {
        ("id", row.p.id.clone())
    };
    let label = model.label_of(&row.p);
    if value.is_empty() {
        model.toast(Level::Info, format!("{label} has no {what}"));
        return Vec::new();
    }
    model.toast(Level::Success, format!("copied the {what} of {label}"));
    vec![Effect::Copy(value)]
}

// ---- the form ----------------------------------------------------------------

/// The value of `field` every target shares (`None` when they differ).
pub(crate) fn common(model: &Model, form: &Form, field: Field) -> Option<bool> {
    let conf = model.conf.as_ref()?;
    let mut values = form
        .targets
        .iter()
        .filter_map(|id| conf.row(id))
        .map(|r| match field {
            Field::EndOnExit => r.p.end_conference_on_exit,
            Field::SoftEnd => r.p.soft_end_conference_on_exit,
            Field::Beep => false,
        });
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

/// Why the form cannot submit: its one participant left or is gone.
pub(crate) fn form_blocked(model: &Model, form: &Form) -> Option<String> {
    let id = form.single()?;
    let conf = model.conf.as_ref()?;
    match conf.row(id) {
        Some(r) if r.is_present() => None,
        Some(r) => Some(format!(
            "{} {}: nothing can be saved",
            model.label_of(&r.p),
            if r.gone {
                "is no longer in the conference"
            } else {
                "has left"
            }
        )),
        None => Some("this participant is no longer listed: nothing can be saved".into()),
    }
}

pub(crate) fn form_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let Some(Overlay::Form(mut form)) = model.overlay.take() else {
        return Vec::new();
    };
    let current = common(model, &form, form.focus);
    match action {
        Action::Cancel => return Vec::new(),
        Action::NextField => form.focus = form.focus.next(),
        Action::PrevField => form.focus = form.focus.prev(),
        Action::Toggle => form.toggle(current),
        Action::Left => form.step(false, current),
        Action::Right => form.step(true, current),
        Action::Submit => return submit(model, form),
        _ => {}
    }
    model.overlay = Some(Overlay::Form(form));
    Vec::new()
}

fn submit(model: &mut Model, form: Form) -> Vec<Effect> {
    let refuse = |model: &mut Model, form: Form, why: String| {
        model.toast(Level::Info, why);
        model.overlay = Some(Overlay::Form(form));
        Vec::new()
    };
    if form.submitting.is_some() {
        return refuse(model, form, "already saving: wait for the answer".into());
    }
    if let Some(why) = form_blocked(model, &form).or_else(|| write_blocked(model)) {
        return refuse(model, form, why);
    }
    if form.targets.iter().any(|id| model.pending.contains_key(id)) {
        // one write per participant at a time
        return refuse(
            model,
            form,
            "a change to this participant is in flight: wait for the answer".into(),
        );
    }
    let plan = patch_plan(model, &form);
    let Plan::Patch { targets, what } = &plan else {
        return Vec::new();
    };
    if targets.is_empty() {
        return refuse(model, form, "nothing changed: nothing sent".into());
    }
    let n = targets.len();
    let ends = targets
        .iter()
        .any(|(_, u)| u.end_conference_on_exit == Some(true));
    if n > CONFIRM_OVER || ends {
        let mut lines = vec![format!("Set {what}.")];
        if ends {
            lines.push(
                "When such a participant leaves, the conference ends and everyone still in it is hung up."
                    .into(),
            );
        }
        let title = match form.single() {
            Some(id) => format!("edit {}", model.label_by_id(id)),
            None => format!("edit {n} participants"),
        };
        return ask(model, &title, lines, plan, Some(form));
    }
    execute_form(model, plan, form)
}

/// The PATCH of each target the form changes (targets it changes nothing
/// of are left out).
fn patch_plan(model: &Model, form: &Form) -> Plan {
    let conf = model.conf.as_ref();
    let targets: Vec<(String, UpdateParticipant)> = form
        .targets
        .iter()
        .filter_map(|id| conf.and_then(|c| c.row(id)))
        .filter(|r| r.is_present())
        .map(|r| (r.p.id.clone(), form.changes(&r.p)))
        .filter(|(_, u)| !u.is_empty())
        .collect();
    let fields = targets
        .first()
        .map(|(_, u)| describe(u))
        .unwrap_or_default();
    let what = match form.single() {
        Some(id) => format!("{fields} for {}", model.label_by_id(id)),
        None => format!("{fields} for {} participants", targets.len()),
    };
    Plan::Patch { what, targets }
}

/// Sends the form's plan; the form stays open (spinning) for one
/// participant, and closes for many (the run's line shows the progress).
fn execute_form(model: &mut Model, plan: Plan, mut form: Form) -> Vec<Effect> {
    let effects = execute(model, plan);
    if let Some(id) = form.single() {
        form.submitting = model.pending.get(id).map(|p| p.seq);
        model.overlay = Some(Overlay::Form(form));
    }
    effects
}

// ---- confirming ----------------------------------------------------------------

fn ask(
    model: &mut Model,
    title: &str,
    lines: Vec<String>,
    plan: Plan,
    form: Option<Form>,
) -> Vec<Effect> {
    model.overlay = Some(Overlay::Confirm(Confirm {
        title: title.to_string(),
        lines,
        plan,
        form,
    }));
    Vec::new()
}

pub(crate) fn confirm_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let Some(Overlay::Confirm(confirm)) = model.overlay.take() else {
        return Vec::new();
    };
    match action {
        Action::Confirm => {
            if let Some(why) = write_blocked(model) {
                model.toast(Level::Info, why);
                model.overlay = confirm.form.map(Overlay::Form);
                return Vec::new();
            }
            match confirm.form {
                Some(form) => {
                    // the values may have moved since the form was filled
                    let plan = patch_plan(model, &form);
                    execute_form(model, plan, form)
                }
                None => execute(model, confirm.plan),
            }
        }
        Action::Cancel => {
            model.toast(Level::Info, "not sent");
            model.overlay = confirm.form.map(Overlay::Form);
            Vec::new()
        }
        _ => {
            model.overlay = Some(Overlay::Confirm(confirm));
            Vec::new()
        }
    }
}

// ---- sending -------------------------------------------------------------------

/// Sends a plan: one participant directly (its answer is a toast and the
/// row), many as a paced run.
pub(crate) fn execute(model: &mut Model, plan: Plan) -> Vec<Effect> {
    let Some(conference_id) = model.conf.as_ref().map(|c| c.id) else {
        return Vec::new();
    };
    let Some(plan) = without_in_flight(model, plan) else {
        return Vec::new();
    };
    match plan {
        Plan::End => {
            let seq = model.next_seq();
            model.ending = Some(seq);
            vec![Effect::End { seq, conference_id }]
        }
        Plan::Patch { what, targets } => {
            let jobs: Vec<Job> = targets
                .into_iter()
                .map(|(participant_id, update)| {
                    let before = before(model, &participant_id, &update);
                    Job::Patch {
                        participant_id,
                        update,
                        before,
                    }
                })
                .collect();
            match <[Job; 1]>::try_from(jobs) {
                Ok([job]) => send_single(model, conference_id, job),
                Err(jobs) => run::start(model, what, jobs),
            }
        }
        Plan::Act {
            what,
            action,
            targets,
        } => {
            let (jobs, skipped) = action_jobs(model, action, targets);
            if !skipped.is_empty() {
                model.toast(
                    Level::Info,
                    format!("skipped {} who left: {}", skipped.len(), names(&skipped)),
                );
            }
            let mut jobs = jobs;
            match jobs.as_slice() {
                [] => Vec::new(),
                [Job::Act { participants, .. }] if participants.len() == 1 => {
                    let job = jobs.remove(0);
                    send_single(model, conference_id, job)
                }
                _ => run::start(model, what, jobs),
            }
        }
    }
}

/// One write per participant at a time: a plan for one whose change is in
/// flight is refused (`None`, said); of many, those are left out (named).
fn without_in_flight(model: &mut Model, plan: Plan) -> Option<Plan> {
    let busy = |id: &String| model.pending.contains_key(id);
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
fn before(model: &Model, participant_id: &str, update: &UpdateParticipant) -> UpdateParticipant {
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
fn send_single(model: &mut Model, conference_id: ConferenceId, job: Job) -> Vec<Effect> {
    let seq = model.next_seq();
    match job {
        Job::Patch {
            participant_id,
            update,
            before,
        } => {
            model.pending.insert(
                participant_id.clone(),
                Pending {
                    seq,
                    write: Write::Patch { update, before },
                    bulk: false,
                },
            );
            vec![Effect::Patch {
                seq,
                conference_id,
                participant_id,
                update,
            }]
        }
        Job::Act {
            action,
            participants,
            call_control_ids,
            ..
        } => {
            for id in &participants {
                model.pending.insert(
                    id.clone(),
                    Pending {
                        seq,
                        write: Write::Action(action),
                        bulk: false,
                    },
                );
            }
            vec![Effect::Action {
                seq,
                conference_id,
                participant_ids: participants,
                action,
                call_control_ids,
                music: music(model, action),
            }]
        }
    }
}

/// The configured hold music, for a hold.
pub(crate) fn music(model: &Model, action: ParticipantAction) -> Option<crate::telnyx::HoldMusic> {
    (action == ParticipantAction::Hold)
        .then(|| model.ctx.hold_music.clone())
        .flatten()
}

// ---- answers to single writes ------------------------------------------------

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
            conf.ended = Some(Ended {
                detail: "the conference has ended".into(),
            });
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

/// A single write failed: a sticky error, and what it tells.
fn write_failed(
    model: &mut Model,
    conference_id: &ConferenceId,
    who: &str,
    what: &str,
    e: &ApiError,
) -> Vec<Effect> {
    model.toast(Level::Error, format!("{what} {who}: {e}"));
    learn_from(model, conference_id, e)
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
    let Write::Patch {
        update: sent,
        before,
    } = pending.write
    else {
        return Vec::new();
    };
    if pending.bulk {
        return run::patched(model, seq, participant_id, sent, before, result);
    }
    let form_waiting =
        matches!(&model.overlay, Some(Overlay::Form(f)) if f.submitting == Some(seq));
    match result {
        Ok(cp) => {
            let kept = took_patch(model, conference_id, participant_id, seq, &sent, &cp);
            if form_waiting {
                model.overlay = None;
            }
            let label = model.label_by_id(participant_id);
            if kept.is_empty() {
                model.toast(
                    Level::Success,
                    format!("saved {label}: {}", describe(&sent)),
                );
                model.undo = Some(patch_undo(
                    format!("{} for {label}", describe(&sent)),
                    vec![(participant_id.to_string(), before)],
                    &sent,
                ));
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
            let who = model.label_by_id(participant_id);
            write_failed(model, conference_id, &who, "could not update", &e)
        }
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
    if let Some(row) = model
        .conf_mut(conference_id)
        .and_then(|c| c.row_mut(participant_id))
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

fn done_word(action: ParticipantAction) -> &'static str {
    match action {
        ParticipantAction::Mute => "muted",
        ParticipantAction::Unmute => "unmuted",
        ParticipantAction::Hold => "put on hold",
        ParticipantAction::Unhold => "took off hold",
    }
}

fn capitalized(s: &str) -> String {
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

pub(crate) fn action_done(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    participant_ids: &[String],
    action: ParticipantAction,
    result: Result<CommandResult, ApiError>,
) -> Vec<Effect> {
    let mut bulk = false;
    let mut answered = Vec::new();
    for id in participant_ids {
        if let Some(p) = take_pending(model, id, seq) {
            bulk |= p.bulk;
            answered.push(id.clone());
        }
    }
    if answered.is_empty() {
        return Vec::new();
    }
    if bulk {
        return run::acted(model, seq, conference_id, &answered, action, result);
    }
    let who = names(
        &answered
            .iter()
            .map(|id| model.label_by_id(id))
            .collect::<Vec<_>>(),
    );
    match result {
        Ok(answer) => {
            took_action(model, conference_id, seq, action, &answered);
            let done = done_word(action);
            if answer.result == "ok" {
                model.toast(Level::Success, format!("{done} {who}"));
            } else {
                // honest about an answer that is not the usual one
                model.toast(
                    Level::Info,
                    format!(
                        "{done} {who}: the server answered \"{}\"",
                        sanitize_line(&answer.result, 40)
                    ),
                );
            }
            model.undo = Some(Undo {
                what: format!("{} {who}", action.as_str()),
                plan: Plan::Act {
                    what: format!("undo: {} {who}", inverse(action).as_str()),
                    action: inverse(action),
                    targets: answered,
                },
                caveat: None,
            });
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
            &who,
            &format!("could not {}", action.as_str()),
            &e,
        ),
    }
}

/// The answer to ending the conference.
pub(crate) fn ended(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    result: Result<CommandResult, ApiError>,
) -> Vec<Effect> {
    if model.ending != Some(seq) {
        return Vec::new();
    }
    model.ending = None;
    match result {
        Ok(_) => {
            model.toast(Level::Success, "ended the conference for everyone");
            let reload = model.next_seq();
            let Some(conf) = model.conf_mut(conference_id) else {
                return Vec::new();
            };
            conf.ended = Some(Ended {
                detail: "the conference has ended (ended_via_api)".into(),
            });
            conf.conference_seq = Some(reload);
            let mut effects = vec![Effect::LoadConference {
                seq: reload,
                conference_id: *conference_id,
            }];
            effects.extend(poll_soon(model));
            effects
        }
        Err(e) => {
            model.toast(Level::Error, format!("could not end the conference: {e}"));
            learn_from(model, conference_id, &e)
        }
    }
}
