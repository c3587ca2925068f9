//! The conference picker: its list, its filter, and opening a conference.

use crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

use super::conference;
use super::keymap::{Action, Scope, lookup};
use super::layout;
use super::model::{Level, Model, Picker, Screen};
use super::msg::Effect;
use crate::sanitize::sanitize_line;
use crate::telnyx::{ApiError, Conference, ConferenceId, ConferenceStatus, Listing};

impl Picker {
    /// Indices of the conferences that match the filter (name or id, any case).
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.value().trim().to_lowercase();
        self.conferences
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                needle.is_empty()
                    || c.name.to_lowercase().contains(&needle)
                    || c.id.to_lowercase().contains(&needle)
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn selected(&self) -> Option<&Conference> {
        let visible = self.visible();
        visible.get(self.cursor).map(|&i| &self.conferences[i])
    }
}

/// Asks for the conferences in progress, unless a request is already out.
pub(crate) fn load(model: &mut Model) -> Vec<Effect> {
    if model.picker.load.in_flight.is_some() {
        return Vec::new();
    }
    let seq = model.next_seq();
    model.picker.load.start(seq);
    vec![Effect::LoadConferences { seq }]
}

/// Retries a failed load when its time has come.
pub(crate) fn tick(model: &mut Model) -> Vec<Effect> {
    let picker = &model.picker;
    if picker.load.failure.is_some() && picker.load.due(model.now) {
        load(model)
    } else {
        Vec::new()
    }
}

pub(crate) fn loaded(
    model: &mut Model,
    seq: u64,
    result: Result<Listing<Conference>, ApiError>,
) -> Vec<Effect> {
    let now = model.now;
    if !model.picker.load.answered(seq) {
        return Vec::new();
    }
    match result {
        Ok(listing) => {
            model.picker.load.succeeded(now, None);
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
            scroll(model);
        }
        Err(e) => model.picker.load.failed(e, now),
    }
    Vec::new()
}

pub(crate) fn action(model: &mut Model, action: Action) -> Vec<Effect> {
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
        scroll(model);
        return Vec::new();
    }
    match action {
        Action::Open => open_selected(model),
        Action::Filter => {
            model.picker.filtering = true;
            Vec::new()
        }
        Action::Back => {
            model.picker.filter.reset();
            model.picker.cursor = 0;
            scroll(model);
            Vec::new()
        }
        Action::Refresh => load(model),
        _ => Vec::new(),
    }
}

/// Opens the selected conference; one whose id is not a UUID cannot be
/// addressed by the API and says so.
fn open_selected(model: &mut Model) -> Vec<Effect> {
    let Some(c) = model.picker.selected().cloned() else {
        return Vec::new();
    };
    match ConferenceId::from_api(&c.id) {
        Some(id) => conference::open(model, id, Some(c)),
        None => {
            model.toast(
                Level::Error,
                format!(
                    "cannot open {}: its id '{}' is not a UUID",
                    sanitize_line(&c.name, 60),
                    sanitize_line(&c.id, 40)
                ),
            );
            Vec::new()
        }
    }
}

/// Keys while typing a filter: the filter entry's bindings act (Enter keeps
/// the filter, Esc clears it, arrows move, Ctrl-C quits); every other key is
/// text.
pub(crate) fn filter_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match lookup(Scope::Filter, &key) {
        Some(Action::ForceQuit) => return vec![Effect::Quit],
        Some(Action::Cancel) => {
            model.picker.filtering = false;
            model.picker.filter.reset();
        }
        Some(Action::Submit) => model.picker.filtering = false,
        Some(a @ (Action::Down | Action::Up)) => return action(model, a),
        _ => {
            model.picker.filter.handle_event(&Event::Key(key));
        }
    }
    model.picker.cursor = model
        .picker
        .cursor
        .min(model.picker.visible().len().saturating_sub(1));
    scroll(model);
    Vec::new()
}

pub(crate) fn scroll(model: &mut Model) {
    let rows = layout::table_rows(model.size.1);
    let len = model.picker.visible().len();
    model.picker.offset = layout::scroll(model.picker.offset, model.picker.cursor, rows, len);
}

/// Back to the picker from a conference.
pub(crate) fn back(model: &mut Model) -> Vec<Effect> {
    model.screen = Screen::Picker;
    model.conf = None;
    model.overlay = None;
    // refresh in the background; the last list stays on screen meanwhile
    load(model)
}
