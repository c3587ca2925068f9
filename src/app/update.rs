//! `update`: the whole behaviour of the console, as a pure function of the
//! model and one message. No I/O, no clock, no terminal. This module only
//! dispatches: the picker, the open conference and the writes each have
//! their own module.

use crossterm::event::{KeyEvent, KeyEventKind};
use time::OffsetDateTime;

use super::keymap::{Action, Scope, lookup};
use super::model::{Level, Model, Overlay, Screen, TOAST_TTL};
use super::msg::{Effect, Msg};
use super::{conference, loading, picker, writes};
use crate::telnyx::ConferenceId;

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
        Msg::ConferenceLoaded {
            seq,
            conference_id,
            result,
        } => conference::conference_loaded(model, seq, &conference_id, result),
        Msg::ParticipantsLoaded {
            seq,
            conference_id,
            result,
        } => conference::participants_loaded(model, seq, &conference_id, result),
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
        } => writes::patched(model, seq, &conference_id, &participant_id, result),
        Msg::ActionDone {
            seq,
            conference_id,
            participant_id,
            action,
            result,
        } => writes::action_done(model, seq, &conference_id, &participant_id, action, result),
        Msg::Retrying(line) => {
            model.activity = Some((line, model.now));
            Vec::new()
        }
    }
}

fn tick(model: &mut Model, now: OffsetDateTime) -> Vec<Effect> {
    model.now = now;
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
        Screen::Table => loading::poll_if_due(model),
    }
}

/// The scope that receives keys now.
pub(crate) fn scope(model: &Model) -> Scope {
    match &model.overlay {
        Some(Overlay::Help) => Scope::Help,
        Some(Overlay::Confirm(_)) => Scope::Confirm,
        Some(Overlay::Form(_)) => Scope::Form,
        None => match model.screen {
            Screen::Picker if model.picker.filtering => Scope::Filter,
            Screen::Picker => Scope::Picker,
            Screen::Table => Scope::Table,
        },
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let scope = scope(model);
    if scope == Scope::Filter {
        return picker::filter_key(model, key);
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
            Vec::new()
        }
        (Action::Back, Scope::Help) => {
            model.overlay = None;
            Vec::new()
        }
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
    match action {
        Action::Open => writes::open_form(model),
        Action::ToggleMute => writes::toggle(model, true),
        Action::ToggleHold => writes::toggle(model, false),
        Action::Refresh => conference::refresh(model),
        Action::Back => {
            if model.toasts.iter().any(|t| t.level == Level::Error) {
                model.toasts.retain(|t| t.level != Level::Error);
                Vec::new()
            } else {
                picker::back(model)
            }
        }
        _ => Vec::new(),
    }
}
