//! `update`: the whole behaviour of the console, as a pure function of the
//! model and one message. No I/O, no clock, no terminal.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use time::OffsetDateTime;
use tui_input::backend::crossterm::EventHandler;

use super::conference as conf_ops;
use super::keymap::{Action, Scope, lookup};
use super::layout;
use super::model::{Load, Model, Overlay, Screen};
use super::msg::{Effect, Msg};
use super::writes;
use crate::telnyx::{ApiError, Conference, ConferenceStatus, ErrorKind, Listing};

/// The first effects: the picker's list, or the given conference.
pub fn init(model: &mut Model, conference_id: Option<&str>) -> Vec<Effect> {
    match conference_id {
        Some(id) => conf_ops::open(model, id, None),
        None => load_conferences(model),
    }
}

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => tick(model, now),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            scroll_picker(model);
            conf_ops::after_move(model)
        }
        Msg::Key(key) => on_key(model, key),
        Msg::ConferencesLoaded { seq, result } => conferences_loaded(model, seq, result),
        Msg::ConferenceLoaded {
            seq,
            conference_id,
            result,
        } => conf_ops::conference_loaded(model, seq, &conference_id, result),
        Msg::ParticipantsLoaded {
            seq,
            conference_id,
            result,
        } => conf_ops::participants_loaded(model, seq, &conference_id, result),
        Msg::LabelLoaded {
            conference_id: _,
            participant_id,
            result,
        } => conf_ops::label_loaded(model, &participant_id, result),
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
        .is_some_and(|(_, at)| *at + super::model::TOAST_TTL <= now)
    {
        model.activity = None;
    }
    match model.screen {
        Screen::Picker => {
            let due = model.picker.load.in_flight.is_none()
                && matches!(&model.picker.load.failure, Some((_, Some(at))) if *at <= now);
            if due {
                load_conferences(model)
            } else {
                Vec::new()
            }
        }
        Screen::Table => conf_ops::poll_if_due(model),
    }
}

/// The scope that receives keys now.
pub fn scope(model: &Model) -> Scope {
    match &model.overlay {
        Some(Overlay::Help) => Scope::Help,
        Some(Overlay::Confirm(_)) => Scope::Confirm,
        Some(Overlay::Form(_)) => Scope::Form,
        None => match model.screen {
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
    if scope == Scope::Picker && model.picker.filtering {
        return filter_key(model, key);
    }
    let Some(action) = lookup(scope, &key) else {
        return Vec::new();
    };
    match (action, scope) {
        (Action::ForceQuit, _) | (Action::Quit, Scope::Picker | Scope::Table) => quit(model),
        (Action::Help, _) => {
            model.overlay = Some(Overlay::Help);
            Vec::new()
        }
        (Action::Back, Scope::Help) => {
            model.overlay = None;
            Vec::new()
        }
        (_, Scope::Picker) => picker_action(model, action),
        (_, Scope::Table) => conf_ops::table_action(model, action),
        (_, Scope::Form) => writes::form_action(model, action),
        (_, Scope::Confirm) => writes::confirm_action(model, action),
        _ => Vec::new(),
    }
}

fn quit(model: &mut Model) -> Vec<Effect> {
    model.quit = true;
    vec![Effect::Quit]
}

// ---- the conference picker ------------------------------------------------

pub fn load_conferences(model: &mut Model) -> Vec<Effect> {
    if model.picker.load.in_flight.is_some() {
        return Vec::new();
    }
    let seq = model.next_seq();
    model.picker.load.in_flight = Some(seq);
    vec![Effect::LoadConferences { seq }]
}

fn conferences_loaded(
    model: &mut Model,
    seq: u64,
    result: Result<Listing<Conference>, ApiError>,
) -> Vec<Effect> {
    if model.picker.load.in_flight != Some(seq) {
        return Vec::new();
    }
    let now = model.now;
    let load = &mut model.picker.load;
    load.in_flight = None;
    match result {
        Ok(listing) => {
            load.last_ok = Some(now);
            load.failure = None;
            load.failures = 0;
            let keep = model.picker.selected().map(|c| c.id.clone());
            model.picker.conferences = listing
                .items
                .into_iter()
                .filter(|c| {
                    c.status
                        .as_ref()
                        .is_none_or(|s| *s == ConferenceStatus::InProgress)
                })
                .collect();
            let visible = model.picker.visible();
            if let Some(pos) = keep.and_then(|id| {
                visible
                    .iter()
                    .position(|&i| model.picker.conferences[i].id == id)
            }) {
                model.picker.cursor = pos;
            }
            // the list may have shrunk under the cursor
            model.picker.cursor = model.picker.cursor.min(visible.len().saturating_sub(1));
            scroll_picker(model);
        }
        Err(e) => record_failure(load, e, now),
    }
    Vec::new()
}

/// Records a failed load and when to try again: never by itself for an
/// authentication failure (the key will not get better), else with backoff.
pub fn record_failure(load: &mut Load, e: ApiError, now: OffsetDateTime) {
    load.failures += 1;
    let retry_at = match e.kind {
        ErrorKind::Auth | ErrorKind::ConferenceNotFound => None,
        _ => Some(now + Load::backoff(load.failures)),
    };
    load.next_at = retry_at;
    load.failure = Some((e, retry_at));
}

fn picker_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let len = model.picker.visible().len();
    let page = layout::table_rows(model.size.1).max(1);
    let cursor = model.picker.cursor;
    let moved = match action {
        Action::Down => Some((cursor + 1).min(len.saturating_sub(1))),
        Action::Up => Some(cursor.saturating_sub(1)),
        Action::Top => Some(0),
        Action::Bottom => Some(len.saturating_sub(1)),
        Action::PageDown => Some((cursor + page).min(len.saturating_sub(1))),
        Action::PageUp => Some(cursor.saturating_sub(page)),
        _ => None,
    };
    if let Some(c) = moved {
        model.picker.cursor = c;
        scroll_picker(model);
        return Vec::new();
    }
    match action {
        Action::Open => match model.picker.selected().cloned() {
            Some(c) => conf_ops::open(model, &c.id.clone(), Some(c)),
            None => Vec::new(),
        },
        Action::Filter => {
            model.picker.filtering = true;
            Vec::new()
        }
        Action::Back => {
            model.picker.filter.reset();
            model.picker.cursor = 0;
            scroll_picker(model);
            Vec::new()
        }
        Action::Refresh => load_conferences(model),
        _ => Vec::new(),
    }
}

/// Keys while typing a filter: text goes to the input; Enter keeps the
/// filter, Esc clears it, arrows move the selection.
fn filter_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return quit(model);
    }
    match key.code {
        KeyCode::Esc => {
            model.picker.filtering = false;
            model.picker.filter.reset();
        }
        KeyCode::Enter => model.picker.filtering = false,
        KeyCode::Down => return picker_action(model, Action::Down),
        KeyCode::Up => return picker_action(model, Action::Up),
        _ => {
            model.picker.filter.handle_event(&Event::Key(key));
        }
    }
    model.picker.cursor = model
        .picker
        .cursor
        .min(model.picker.visible().len().saturating_sub(1));
    scroll_picker(model);
    Vec::new()
}

fn scroll_picker(model: &mut Model) {
    let rows = layout::table_rows(model.size.1);
    let len = model.picker.visible().len();
    model.picker.offset = layout::scroll(model.picker.offset, model.picker.cursor, rows, len);
}

/// Back to the picker from a conference.
pub fn back_to_picker(model: &mut Model) -> Vec<Effect> {
    model.screen = Screen::Picker;
    model.conf = None;
    model.overlay = None;
    // refresh in the background; the last list stays on screen meanwhile
    load_conferences(model)
}
