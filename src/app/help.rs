//! The help overlay's content, generated from the effective keymap, and its
//! scrolling (it is as long as the keymap, which a small terminal cuts).

use super::keymap::{self, Action, Scope};
use super::model::{Model, Screen};

/// One titled group of the help: (keys, what they do).
pub(crate) type Group = (&'static str, Vec<(String, &'static str)>);

/// What the symbols of the participant table mean.
const SYMBOLS: &[(&str, &str)] = &[
    ("◆", "marked"),
    ("⠋", "request in flight"),
    ("✔ / ✖", "the last change: done / failed"),
    ("•", "changed at the last refresh"),
    ("on_exit*", "beep as last set here"),
    ("?", "beep unknown (write-only)"),
    ("·", "no / off"),
    ("grey", "participant has left (or is gone)"),
];

/// The groups that apply to the current screen.
pub(crate) fn groups(model: &Model) -> Vec<Group> {
    let scopes: &[Scope] = match model.screen {
        Screen::Picker => &[Scope::Picker, Scope::Filter, Scope::Help, Scope::Global],
        Screen::Table => &[
            Scope::Table,
            Scope::Search,
            Scope::Form,
            Scope::Confirm,
            Scope::TypeToConfirm,
            Scope::Help,
            Scope::Global,
        ],
    };
    let mut out: Vec<Group> = scopes
        .iter()
        .map(|s| {
            let keys = keymap::section(*s)
                .into_iter()
                .map(|h| (h.keys, h.what))
                .collect();
            (s.title(), keys)
        })
        .collect();
    if model.screen == Screen::Table {
        let symbols = SYMBOLS.iter().map(|(s, w)| (s.to_string(), *w)).collect();
        out.push(("Symbols", symbols));
    }
    out
}

/// Lines of the help in one column: a title per group, then its entries.
pub(crate) fn lines(model: &Model) -> usize {
    groups(model)
        .iter()
        .map(|(_, entries)| 1 + entries.len())
        .sum()
}

/// Lines of the help that fit on screen (inside its border).
pub(crate) fn rows(model: &Model) -> usize {
    model.size.1.saturating_sub(2) as usize
}

/// The furthest the help scrolls.
pub(crate) fn max_offset(model: &Model) -> usize {
    lines(model).saturating_sub(rows(model))
}

/// Keys of the open help: scroll, or close.
pub(crate) fn action(model: &mut Model, action: Action) {
    let page = rows(model).max(1);
    let max = max_offset(model);
    let offset = model.help_offset;
    model.help_offset = match action {
        Action::Down => offset + 1,
        Action::Up => offset.saturating_sub(1),
        Action::PageDown => offset + page,
        Action::PageUp => offset.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => max,
        _ => offset,
    }
    .min(max);
}
