//! `update`: the whole behaviour of the console, as a pure function of the
//! model and one message. No I/O, no clock, no terminal. This module only
//! dispatches: the picker, the open conference and the writes each have
//! their own module.

use std::collections::HashMap;

use crossterm::event::{KeyEvent, KeyEventKind};
use time::OffsetDateTime;

use super::keymap::{Action, Scope, lookup};
use super::model::{Level, Logged, Model, Overlay, Quick, Screen, TOAST_TTL};
use super::msg::{Effect, Msg};
use super::{answers, conference, find, help, loading, log, marks, picker, run, writes};
use crate::telnyx::ParticipantStatus;
use crate::telnyx::{BeepEnabled, ConferenceId};

/// The first effects: the picker's list, or the given conference.
pub fn init(model: &mut Model, conference_id: Option<ConferenceId>) -> Vec<Effect> {
    match conference_id {
        Some(id) => conference::open(model, id, None),
        None => picker::load(model),
    }
}

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => tick(model, now),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            picker::scroll(model);
            conference::after_move(model)
        }
        Msg::Key(key) => on_key(model, key),
        Msg::ConferencesLoaded { seq, result } => picker::loaded(model, seq, result),
        Msg::ConferenceChecked {
            conference_id,
            result,
        } => picker::checked(model, &conference_id, result),
        Msg::ConferenceLoaded {
            seq,
            conference_id,
            result,
        } => conference::conference_loaded(model, seq, &conference_id, result),
        Msg::ParticipantsLoaded {
            seq,
            conference_id,
            result,
        } => {
            // accepted (the request out) and whole: the rows are this list
            let fresh = result.is_ok()
                && model
                    .conf
                    .as_ref()
                    .is_some_and(|c| c.id == conference_id && c.load.in_flight == Some(seq));
            let mut effects = conference::participants_loaded(model, seq, &conference_id, result);
            if fresh {
                marks::after_listing(model);
                effects.extend(run::after_listing(model, &conference_id, seq));
            }
            effects
        }
        Msg::LabelLoaded {
            conference_id: _,
            participant_id,
            result,
        } => conference::label_loaded(model, &participant_id, result),
        Msg::Patched {
            seq,
            conference_id,
            participant_id,
            result,
        } => answers::patched(model, seq, &conference_id, &participant_id, result),
        Msg::ActionDone {
            seq,
            conference_id,
            participant_ids,
            action,
            result,
        } => answers::action_done(model, seq, &conference_id, &participant_ids, action, result),
        Msg::Ended {
            seq,
            conference_id,
            result,
        } => answers::ended(model, seq, &conference_id, result),
        Msg::RateLimit(rate) => {
            model.rate = Some(rate);
            run::observe(model, rate)
        }
        Msg::Exchanged(x) => {
            model.record(Logged::Request(x));
            Vec::new()
        }
        Msg::Retrying(line) => {
            model.activity = Some((line, model.now));
            Vec::new()
        }
        Msg::JournalFailed(why) => {
            journal_failed(model, why);
            Vec::new()
        }
        Msg::JournalRead(result) => {
            journal_read(model, result);
            Vec::new()
        }
    }
}

/// The journal cannot record writes: said once per reason (a sticky error
/// and an event), then by the header's NOT AUDITED badge.
fn journal_failed(model: &mut Model, why: String) {
    if model.journal_trouble.as_ref() == Some(&why) {
        return;
    }
    model.record(Logged::Event(why.clone()));
    model.toast(
        Level::Error,
        format!("{why}: writes are sent but not recorded"),
    );
    model.journal_trouble = Some(why);
}

/// The beep markers of earlier sessions, from the journal; what this
/// console set since it started wins.
fn journal_read(model: &mut Model, result: Result<HashMap<String, BeepEnabled>, String>) {
    match result {
        Ok(beeps) => {
            if !beeps.is_empty() {
                let n = beeps.len();
                model.record(Logged::Event(format!(
                    "the audit journal knows the beep setting of {n} participant{}",
                    if n == 1 { "" } else { "s" }
                )));
            }
            for (id, beep) in beeps {
                model.beeps.entry(id).or_insert(beep);
            }
        }
        Err(why) => {
            model.record(Logged::Event(why.clone()));
            model.toast(
                Level::Error,
                format!("{why}: beep settings of earlier sessions are not shown"),
            );
        }
    }
}

fn tick(model: &mut Model, now: OffsetDateTime) -> Vec<Effect> {
    model.now = now;
    if let Some(conf) = model.conf.as_mut() {
        while conf.changes.front().is_some_and(|&t| t <= now) {
            conf.changes.pop_front();
        }
    }
    model.toasts.retain(|t| t.expires.is_none_or(|e| e > now));
    if model
        .activity
        .as_ref()
        .is_some_and(|(_, at)| *at + TOAST_TTL <= now)
    {
        model.activity = None;
    }
    match model.screen {
        Screen::Picker => picker::tick(model),
        Screen::Table => {
            let mut effects = loading::poll_if_due(model);
            effects.extend(run::tick(model));
            effects
        }
    }
}

/// The scope that receives keys now.
pub(crate) fn scope(model: &Model) -> Scope {
    match &model.overlay {
        Some(Overlay::Help) => Scope::Help,
        Some(Overlay::Confirm(_)) => Scope::Confirm,
        Some(Overlay::TypeToConfirm(_)) => Scope::TypeToConfirm,
        Some(Overlay::Log(_)) => Scope::Log,
        Some(Overlay::Inspect(_)) => Scope::Inspect,
        Some(Overlay::Form(_)) => Scope::Form,
        None => match model.screen {
            Screen::Picker if model.picker.filtering => Scope::Filter,
            Screen::Picker => Scope::Picker,
            Screen::Table if model.conf.as_ref().is_some_and(|c| c.find.typing) => Scope::Search,
            Screen::Table => Scope::Table,
        },
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let scope = scope(model);
    match scope {
        Scope::Filter => return picker::filter_key(model, key),
        Scope::Search => {
            return match find::search_key(model, key) {
                Some(Action::ForceQuit) => vec![Effect::Quit],
                Some(action) => conference::navigate(model, action).unwrap_or_default(),
                None => conference::after_move(model),
            };
        }
        Scope::TypeToConfirm => return writes::type_to_confirm_key(model, key),
        _ => {}
    }
    let Some(action) = lookup(scope, &key) else {
        return Vec::new();
    };
    match (action, scope) {
        (Action::ForceQuit, _) | (Action::Quit, Scope::Picker | Scope::Table) => {
            vec![Effect::Quit]
        }
        (Action::Help, _) => {
            model.overlay = Some(Overlay::Help);
            model.help_offset = 0;
            Vec::new()
        }
        (Action::Back, Scope::Help) => {
            model.overlay = None;
            Vec::new()
        }
        (_, Scope::Help) => {
            help::action(model, action);
            Vec::new()
        }
        (Action::Log, Scope::Picker | Scope::Table) => {
            log::open(model);
            Vec::new()
        }
        (_, Scope::Log) => log::action(model, action, model.table_rows().max(1)),
        (_, Scope::Inspect) => log::inspect_action(model, action, model.table_rows().max(1)),
        (_, Scope::Picker) => picker::action(model, action),
        (_, Scope::Table) => table_action(model, action),
        (_, Scope::Form) => writes::form_action(model, action),
        (_, Scope::Confirm) => writes::confirm_action(model, action),
        _ => Vec::new(),
    }
}

/// Keys on the participant table.
fn table_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if let Some(effects) = conference::navigate(model, action) {
        return effects;
    }
    let quick = |q: Quick| {
        move |model: &mut Model| {
            find::set_quick(model, q);
            conference::after_move(model)
        }
    };
    match action {
        Action::Search => {
            find::open_search(model);
            Vec::new()
        }
        Action::ShowAll => quick(Quick::All)(model),
        Action::ShowMuted => quick(Quick::Muted)(model),
        Action::ShowUnmuted => quick(Quick::Unmuted)(model),
        Action::ShowOnHold => quick(Quick::OnHold)(model),
        Action::ShowJoining => quick(Quick::Joining)(model),
        Action::ShowLeft => quick(Quick::Left)(model),
        Action::ShowMarked => quick(Quick::Marked)(model),
        Action::Sort => {
            find::cycle_sort(model);
            conference::after_move(model)
        }
        Action::NextUnmuted => jump(model, "unmuted", |r| r.is_present() && !r.p.muted),
        Action::NextJoining => jump(model, "joining", |r| {
            r.p.status == ParticipantStatus::Joining
        }),
        Action::Mark => {
            marks::toggle(model);
            Vec::new()
        }
        Action::MarkAll => {
            marks::mark_all(model);
            Vec::new()
        }
        Action::ClearMarks => {
            marks::clear(model);
            Vec::new()
        }
        Action::Open => writes::open_form(model),
        Action::ToggleMute => writes::toggle(model, true),
        Action::ToggleHold => writes::toggle(model, false),
        Action::MuteAllBut => writes::mute_all_but(model),
        Action::UnmuteAll => writes::unmute_all(model),
        Action::EndConference => writes::ask_end(model),
        Action::RetryFailed => {
            if let Some(why) = writes::write_blocked(model) {
                model.toast(Level::Info, why);
                return Vec::new();
            }
            run::retry_failed(model)
        }
        Action::Undo => writes::undo(model),
        Action::CopyId => writes::copy(model, false),
        Action::CopyCallControlId => writes::copy(model, true),
        Action::Refresh => conference::refresh(model),
        Action::Back => back(model),
        _ => Vec::new(),
    }
}

/// Esc on the table peels one layer: the marks, then error toasts, then the
/// search and filter, then back to the conferences.
fn back(model: &mut Model) -> Vec<Effect> {
    if marks::clear(model) {
        return Vec::new();
    }
    if model.toasts.iter().any(|t| t.level == Level::Error) {
        model.toasts.retain(|t| t.level != Level::Error);
        return Vec::new();
    }
    if find::clear(model) {
        return conference::after_move(model);
    }
    picker::back(model)
}

fn jump(model: &mut Model, what: &str, want: impl Fn(&super::model::Row) -> bool) -> Vec<Effect> {
    match model.conf.as_ref().and_then(|c| find::next_shown(c, want)) {
        Some(at) => conference::select(model, at),
        None => {
            model.toast(Level::Info, format!("no {what} participant shown"));
            Vec::new()
        }
    }
}

/// Whether `action` does something in `scope` now: the footer shows only
/// those (a write key in read-only mode, or "clear marks" with none, does
/// nothing, so it is not offered).
pub(crate) fn available(model: &Model, scope: Scope, action: Action) -> bool {
    if action.writes() && writes::write_blocked(model).is_some() && scope == Scope::Table {
        return false;
    }
    let conf = model.conf.as_ref();
    match (scope, action) {
        (Scope::Table, Action::ClearMarks | Action::ShowMarked) => {
            conf.is_some_and(|c| !c.marks.is_empty())
        }
        (Scope::Table, Action::RetryFailed) => model.run.as_ref().is_some_and(|r| {
            !r.running() && !r.failed.is_empty() && conf.is_some_and(|c| c.id == r.conference_id)
        }),
        (Scope::Table, Action::Undo) => model.undo.is_some(),
        (Scope::Table, Action::Mark | Action::Open | Action::ToggleMute | Action::ToggleHold) => {
            conf.and_then(|c| c.selected())
                .is_some_and(|r| r.is_present())
                || conf.is_some_and(|c| !c.marks.is_empty())
        }
        _ => true,
    }
}
