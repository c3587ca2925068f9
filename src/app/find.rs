//! What the table shows: the search, the quick filters, the order, and the
//! selection, which never moves under the operator: the selected row stays
//! shown (greyed when gone, kept when a filter no longer matches it) until
//! the operator moves.

use std::collections::HashMap;
use std::ops::Range;

use crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

use super::keymap::{Action, Scope, lookup};
use super::layout;
use super::model::{ConferenceView, Label, Model, Quick, Row, Sort};
use crate::telnyx::ParticipantStatus;

/// Whose change made the shown list change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The data (a refresh, an answer): the selection stays on the same
    /// participant, shown even when it no longer matches, so the cursor
    /// never lands on someone else by itself.
    Data,
    /// The operator's own search, filter or order: a selection that no
    /// longer matches gives way to the first row that does.
    Operator,
}

/// Recomputes `shown` (and the counts) from the rows, the search, the quick
/// filter and the order; see [`Cause`] for where the selection goes.
pub(crate) fn recompute(model: &mut Model, cause: Cause) {
    let rows_on_screen = model.table_rows();
    let labels = &model.labels;
    let Some(conf) = model.conf.as_mut() else {
        return;
    };
    let needle = conf.find.needle();
    let selected = conf.selected_id.clone();
    let mut counts = (0, 0, 0);
    let mut labels_known = 0;
    let mut shown = Vec::with_capacity(conf.rows.len());
    for (i, r) in conf.rows.iter().enumerate() {
        if !needle.is_empty() && matches!(labels.get(&r.p.id), Some(Label::Known(_) | Label::None))
        {
            labels_known += 1;
        }
        let is_selected = selected.as_deref() == Some(r.p.id.as_str());
        let pinned = is_selected && cause == Cause::Data;
        if r.gone {
            if pinned {
                shown.push(i);
            }
            continue;
        }
        match r.p.status {
            ParticipantStatus::Joining => counts.0 += 1,
            ParticipantStatus::Joined => counts.1 += 1,
            ParticipantStatus::Left => counts.2 += 1,
            ParticipantStatus::Unknown(_) => {}
        }
        if pinned || keeps(conf, r, &needle, labels) {
            shown.push(i);
        }
    }
    sort(&mut shown, conf, labels);
    conf.shown = shown;
    conf.counts = counts;
    conf.labels_known = labels_known;
    let found = selected.and_then(|id| conf.shown.iter().position(|&i| conf.rows[i].p.id == id));
    conf.cursor = match (found, cause) {
        (Some(at), _) => at,
        (None, Cause::Operator) => 0,
        (None, Cause::Data) => conf.cursor.min(conf.shown.len().saturating_sub(1)),
    };
    conf.selected_id = conf.selected().map(|r| r.p.id.clone());
    conf.offset = layout::scroll(conf.offset, conf.cursor, rows_on_screen, conf.shown.len());
}

/// Whether the search and the quick filter let `r` through.
fn keeps(conf: &ConferenceView, r: &Row, needle: &str, labels: &HashMap<String, Label>) -> bool {
    let p = &r.p;
    let quick = match conf.find.quick {
        Quick::All => true,
        Quick::Muted => p.muted && !r.is_left(),
        Quick::Unmuted => !p.muted && !r.is_left(),
        Quick::OnHold => p.on_hold && !r.is_left(),
        Quick::Joining => p.status == ParticipantStatus::Joining,
        Quick::Left => r.is_left(),
        Quick::Marked => conf.marks.contains(&p.id),
    };
    quick && (needle.is_empty() || matches(r, needle, labels))
}

/// Whether the label (when known), the id or the call_control_id holds
/// `needle` (lower-case), ignoring case.
pub(crate) fn matches(r: &Row, needle: &str, labels: &HashMap<String, Label>) -> bool {
    let label = match labels.get(&r.p.id) {
        Some(Label::Known(l)) => contains(l, needle),
        _ => false,
    };
    label || contains(&r.p.id, needle) || contains(&r.p.call_control_id, needle)
}

/// Whether `text` holds `needle` (lower-case), ignoring case.
pub(crate) fn contains(text: &str, needle: &str) -> bool {
    // ASCII needles (almost all) need no allocation
    if needle.is_ascii() {
        let (t, n) = (text.as_bytes(), needle.as_bytes());
        return n.len() <= t.len() && t.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    text.to_lowercase().contains(needle)
}

/// Where `needle` (lower-case) first appears in `text`, ignoring case, as a
/// byte range of `text` (for highlighting what the search matched).
pub(crate) fn match_range(text: &str, needle: &str) -> Option<Range<usize>> {
    if needle.is_empty() {
        return None;
    }
    // the lower-cased text, and for each of its bytes the byte of `text` it
    // comes from
    let mut lowered = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        for l in c.to_lowercase() {
            let before = lowered.len();
            lowered.push(l);
            origin.extend(std::iter::repeat_n(at, lowered.len() - before));
        }
    }
    let start = lowered.find(needle)?;
    let end_char = origin.get(start + needle.len() - 1).copied()?;
    let end = end_char + text[end_char..].chars().next().map_or(0, char::len_utf8);
    Some(origin[start]..end)
}

fn sort(shown: &mut [usize], conf: &ConferenceView, labels: &HashMap<String, Label>) {
    let rows = &conf.rows;
    match conf.find.sort {
        // the listing's order is the order people joined in; ties keep it
        Sort::Joined => shown.sort_by_key(|&i| (rows[i].joined_at.is_none(), rows[i].joined_at, i)),
        Sort::Label => {
            let key = |i: usize| match labels.get(&rows[i].p.id) {
                Some(Label::Known(l)) => (false, l.to_lowercase()),
                _ => (true, rows[i].p.call_control_id.clone()),
            };
            let mut keyed: Vec<_> = shown.iter().map(|&i| (key(i), i)).collect();
            keyed.sort();
            for (slot, (_, i)) in shown.iter_mut().zip(keyed) {
                *slot = i;
            }
        }
        Sort::Status => shown.sort_by_key(|&i| {
            let rank = match rows[i].p.status {
                ParticipantStatus::Joining => 0,
                ParticipantStatus::Joined => 1,
                ParticipantStatus::Left => 2,
                ParticipantStatus::Unknown(_) => 3,
            };
            (rank, i)
        }),
        Sort::MutedFirst => shown.sort_by_key(|&i| (!rows[i].p.muted, i)),
    }
}

/// The selection moved: a row that stayed only because it was selected (gone,
/// or no longer matching) goes now.
pub(crate) fn moved_from(model: &mut Model, previous: Option<String>) {
    let Some(conf) = model.conf.as_ref() else {
        return;
    };
    let Some(prev) = previous.filter(|p| conf.selected_id.as_ref() != Some(p)) else {
        return;
    };
    let needle = conf.find.needle();
    let pinned = conf
        .row(&prev)
        .is_some_and(|r| r.gone || !keeps(conf, r, &needle, &model.labels));
    if !pinned {
        return;
    }
    if let Some(conf) = model.conf.as_mut() {
        let before = conf.rows.len();
        conf.rows.retain(|r| !(r.gone && r.p.id == prev));
        if conf.rows.len() != before {
            conf.index = index_of(&conf.rows);
        }
    }
    recompute(model, Cause::Operator);
}

pub(crate) fn index_of(rows: &[Row]) -> HashMap<String, usize> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| (r.p.id.clone(), i))
        .collect()
}

/// The search line's keys: its bindings act (Enter keeps, Esc clears),
/// every other key is text, searched as typed. Returns the action the
/// caller must carry out (moving, quitting), if any.
pub(crate) fn search_key(model: &mut Model, key: KeyEvent) -> Option<Action> {
    let conf = model.conf.as_mut()?;
    match lookup(Scope::Search, &key) {
        Some(Action::Submit) => conf.find.typing = false,
        Some(Action::Cancel) => {
            conf.find.typing = false;
            conf.find.search.reset();
        }
        Some(other) => return Some(other),
        None => {
            conf.find.search.handle_event(&Event::Key(key));
        }
    }
    recompute(model, Cause::Operator);
    None
}

/// `/`: opens the search line (with the last search, to refine it).
pub(crate) fn open_search(model: &mut Model) {
    if let Some(conf) = model.conf.as_mut() {
        conf.find.typing = true;
    }
}

/// A quick filter's key: shows only those; the same key again, everyone.
pub(crate) fn set_quick(model: &mut Model, quick: Quick) {
    if let Some(conf) = model.conf.as_mut() {
        conf.find.quick = if conf.find.quick == quick {
            Quick::All
        } else {
            quick
        };
    }
    recompute(model, Cause::Operator);
}

pub(crate) fn cycle_sort(model: &mut Model) {
    if let Some(conf) = model.conf.as_mut() {
        conf.find.sort = conf.find.sort.next();
    }
    recompute(model, Cause::Operator);
}

/// Clears the search and the quick filter; `false` when there was none.
pub(crate) fn clear(model: &mut Model) -> bool {
    let Some(conf) = model.conf.as_mut() else {
        return false;
    };
    if !conf.find.narrows() {
        return false;
    }
    conf.find.search.reset();
    conf.find.quick = Quick::All;
    recompute(model, Cause::Operator);
    true
}

/// The position in `shown` of the next row after the selection (wrapping)
/// that satisfies `want`.
pub(crate) fn next_shown(conf: &ConferenceView, want: impl Fn(&Row) -> bool) -> Option<usize> {
    let n = conf.shown.len();
    (1..=n)
        .map(|step| (conf.cursor + step) % n)
        .find(|&at| want(&conf.rows[conf.shown[at]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_found_ignoring_case_as_byte_ranges_of_the_text() {
        assert_eq!(match_range("Niamh Walsh", "walsh"), Some(6..11));
        assert_eq!(match_range("NIAMH", "iam"), Some(1..4));
        assert_eq!(match_range("Zoë Åberg", "åb"), Some(5..8));
        assert_eq!(&"Zoë Åberg"[5..8], "Åb");
        assert_eq!(match_range("会議 host", "host"), Some(7..11));
        assert_eq!(match_range("Ava", ""), None);
        assert_eq!(match_range("Ava", "liam"), None);
        // a character whose lower case is longer than itself
        assert_eq!(match_range("İstanbul", "stan"), Some(2..6));
    }

    #[test]
    fn contains_ignores_case_without_allocating_for_ascii() {
        assert!(contains("v3:MdI91X4lWFEs", "x4lw"));
        assert!(contains("Zoë", "zoë"));
        assert!(!contains("Ava", "avalon"));
    }
}
