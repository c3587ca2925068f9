//! Deciding writes: every change the console makes is a [`Plan`], decided
//! from what the operator saw (a key, the edit form, undo), and confirmed
//! when it touches many (or ends the call for everyone); `run::execute`
//! sends it. Also copy.

use crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::form::{Field, Form};
use super::keymap::{Action, Scope, lookup};
use super::model::{Confirm, Level, Model, Overlay, Pending, Plan, Row, TypeToConfirm, Write};
use super::msg::Effect;
use super::run::execute;
use super::send::{capitalized, describe, what_of};
use crate::sanitize::sanitize_line;
use crate::telnyx::{ParticipantAction, UpdateParticipant};

/// A change to more participants than this asks first.
pub const CONFIRM_OVER: usize = 20;

/// Why no write can be sent now, if so.
pub(crate) fn write_blocked(model: &Model) -> Option<String> {
    if model.ctx.read_only {
        return Some("read-only: writes are turned off (--read-only)".into());
    }
    let ended = model.conf.as_ref()?.ended.as_ref()?;
    Some(match ended.why() {
        Some(why) => format!("the conference has ended ({why}): it can't receive commands"),
        None => "the conference has ended: it can't receive commands".to_string(),
    })
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
    let keep: std::collections::HashSet<&String> = keep.iter().collect();
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
    let effects = execute(model, undo.plan);
    // said once sent: `execute` says itself why it sent nothing
    if !effects.is_empty() {
        model.toast(Level::Info, text);
    }
    effects
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
        Action::Cancel => {
            // closing the form does not stop the save: say where the answer goes
            if let (Some(_), Some(id)) = (form.submitting, form.single()) {
                let label = model.label_by_id(id);
                model.note_until_answer(
                    id,
                    format!("still saving {label}: the answer will show on the row"),
                );
            }
            return Vec::new();
        }
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
