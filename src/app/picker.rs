//! The conference picker: its list, its filter, and opening a conference.

use crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

use super::conference;
use super::keymap::{Action, Scope, lookup};
use super::layout;
use std::collections::HashSet;
use std::time::Duration;

use super::model::{ENDED_CHECKS, ENDED_KEPT, Level, Logged, Model, PICKER_PACE, Picker, Screen};
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

/// Asks for the conferences in progress and waiting, unless a request is already out.
pub(crate) fn load(model: &mut Model) -> Vec<Effect> {
    if model.picker.load.in_flight.is_some() {
        return Vec::new();
    }
    let seq = model.next_seq();
    let now = model.now;
    model.picker.load.start(seq, now);
    vec![Effect::LoadConferences { seq }]
}

/// Refreshes the list when its time has come (every [`PICKER_PACE`] table
/// refreshes; sooner after a failure, with backoff).
pub(crate) fn tick(model: &mut Model) -> Vec<Effect> {
    if model.picker.load.due(model.now) {
        load(model)
    } else {
        Vec::new()
    }
}

/// How often the picker refreshes by itself.
fn pace(model: &Model) -> Duration {
    model.ctx.refresh * PICKER_PACE
}

/// Whether a conference can still be moderated: any but a completed one (a
/// status confmod does not know is taken as the server listed it, live).
fn live(c: &Conference) -> bool {
    c.status != Some(ConferenceStatus::Completed)
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
    let mut effects = Vec::new();
    match result {
        Ok(listing) => {
            let next = now + pace(model);
            model.picker.load.succeeded(now, Some(next));
            let keep = model.picker.selected().map(|c| c.id.clone());
            // a listing that is not whole says nothing of who left it
            let whole = listing.truncated.is_none() && listing.warnings.is_empty();
            let fresh: Vec<Conference> = listing.items.into_iter().filter(live).collect();
            let listed: HashSet<&str> = fresh.iter().map(|c| c.id.as_str()).collect();
            let picker = &mut model.picker;
            let mut gone = Vec::new();
            for c in std::mem::take(&mut picker.conferences) {
                if listed.contains(c.id.as_str()) {
                    continue;
                }
                let noticed = picker.ended.get(&c.id).copied();
                match noticed {
                    Some(at) if at + ENDED_KEPT > now => gone.push(c),
                    Some(_) => {
                        picker.ended.remove(&c.id);
                    }
                    None if whole && live(&c) => {
                        picker.ended.insert(c.id.clone(), now);
                        if let Some(id) = ConferenceId::from_api(&c.id)
                            && effects.len() < ENDED_CHECKS
                        {
                            effects.push(Effect::CheckConference { conference_id: id });
                        }
                        gone.push(Conference {
                            status: Some(ConferenceStatus::Completed),
                            ..c
                        });
                    }
                    None => {}
                }
            }
            picker.ended.retain(|id, _| !listed.contains(id.as_str()));
            gone.sort_by_key(|c| std::cmp::Reverse(picker.ended.get(&c.id).copied()));
            picker.conferences = fresh;
            picker.conferences.extend(gone);
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
    effects
}

/// A conference that left the list, read again: why and when it ended.
pub(crate) fn checked(
    model: &mut Model,
    conference_id: &ConferenceId,
    result: Result<Conference, ApiError>,
) -> Vec<Effect> {
    let Ok(fresh) = result else {
        // it stays marked as ended: it left the list of live ones
        return Vec::new();
    };
    let picker = &mut model.picker;
    let Some(c) = picker
        .conferences
        .iter_mut()
        .find(|c| ConferenceId::from_api(&c.id).as_ref() == Some(conference_id))
    else {
        return Vec::new();
    };
    let name = sanitize_line(&c.name, 60);
    c.status = fresh.status;
    c.end_reason = fresh.end_reason;
    c.updated_at = fresh.updated_at;
    if live(c) {
        // not ended after all: the next listing will say
        picker.ended.remove(&c.id);
        return Vec::new();
    }
    let ended = super::model::Ended {
        reason: c.end_reason.clone(),
        at: None,
    };
    let text = match ended.why() {
        Some(why) => format!("conference {name} ended: {why}"),
        None => format!("conference {name} ended"),
    };
    model.record(Logged::Event(text));
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
    super::run::leave(model);
    model.screen = Screen::Picker;
    model.conf = None;
    model.overlay = None;
    // refresh in the background; the last list stays on screen meanwhile
    load(model)
}
