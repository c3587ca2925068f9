//! Keys as data: one table that key handling, the footer hints and the help
//! overlay all read.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Quit,
    ForceQuit,
    Refresh,
    Help,
    Filter,
    ToggleMute,
    ToggleHold,
    NextField,
    PrevField,
    Toggle,
    Left,
    Right,
    Submit,
    Confirm,
    Cancel,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Picker,
    Table,
    Form,
    Confirm,
    Help,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Picker => "Conference list",
            Scope::Table => "Participants",
            Scope::Form => "Edit form",
            Scope::Confirm => "Confirmation",
            Scope::Help => "Help",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(code: KeyCode) -> KeySpec {
    KeySpec { code, ctrl: false }
}

const fn c(ch: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(ch),
        ctrl: false,
    }
}

const fn ctrl(ch: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(ch),
        ctrl: true,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [KeySpec],
    /// How the keys are written in the footer and the help.
    pub label: &'static str,
    pub help: &'static str,
    pub action: Action,
    /// The footer hint, when the binding has one (the help shows every binding).
    pub footer: Option<(&'static str, &'static str)>,
}

const fn b(
    scope: Scope,
    keys: &'static [KeySpec],
    label: &'static str,
    help: &'static str,
    action: Action,
    footer: bool,
) -> Binding {
    Binding {
        scope,
        keys,
        label,
        help,
        action,
        footer: if footer { Some((label, help)) } else { None },
    }
}

/// A binding whose footer hint reads differently from its help line.
const fn hint(
    scope: Scope,
    keys: &'static [KeySpec],
    label: &'static str,
    help: &'static str,
    action: Action,
    footer: (&'static str, &'static str),
) -> Binding {
    let mut binding = b(scope, keys, label, help, action, false);
    binding.footer = Some(footer);
    binding
}

use Action as A;
use KeyCode as K;
use Scope as S;

const UP: &[KeySpec] = &[c('k'), k(K::Up)];
const DOWN: &[KeySpec] = &[c('j'), k(K::Down)];
const TOP: &[KeySpec] = &[c('g'), k(K::Home)];
const BOTTOM: &[KeySpec] = &[c('G'), k(K::End)];
const PGUP: &[KeySpec] = &[k(K::PageUp)];
const PGDN: &[KeySpec] = &[k(K::PageDown)];

/// Every binding of the console.
pub const BINDINGS: &[Binding] = &[
    b(S::Picker, DOWN, "j/↓", "next conference", A::Down, false),
    b(S::Picker, UP, "k/↑", "previous conference", A::Up, false),
    b(S::Picker, TOP, "g/Home", "first", A::Top, false),
    b(S::Picker, BOTTOM, "G/End", "last", A::Bottom, false),
    b(S::Picker, PGDN, "PgDn", "page down", A::PageDown, false),
    b(S::Picker, PGUP, "PgUp", "page up", A::PageUp, false),
    b(S::Picker, &[k(K::Enter)], "Enter", "open", A::Open, true),
    b(S::Picker, &[c('/')], "/", "filter", A::Filter, true),
    b(
        S::Picker,
        &[k(K::Esc)],
        "Esc",
        "clear filter",
        A::Back,
        false,
    ),
    b(S::Picker, &[c('r')], "r", "refresh", A::Refresh, true),
    b(S::Picker, &[c('q')], "q", "quit", A::Quit, true),
    hint(
        S::Table,
        DOWN,
        "j/↓",
        "next participant",
        A::Down,
        ("j/k", "move"),
    ),
    b(S::Table, UP, "k/↑", "previous participant", A::Up, false),
    b(S::Table, TOP, "g/Home", "first", A::Top, false),
    b(S::Table, BOTTOM, "G/End", "last", A::Bottom, false),
    b(S::Table, PGDN, "PgDn", "page down", A::PageDown, false),
    b(S::Table, PGUP, "PgUp", "page up", A::PageUp, false),
    b(S::Table, &[k(K::Enter)], "Enter", "edit", A::Open, true),
    hint(
        S::Table,
        &[c('m')],
        "m",
        "mute / unmute",
        A::ToggleMute,
        ("m", "mute"),
    ),
    hint(
        S::Table,
        &[c('o')],
        "o",
        "hold / unhold",
        A::ToggleHold,
        ("o", "hold"),
    ),
    b(S::Table, &[c('r')], "r", "refresh", A::Refresh, true),
    hint(
        S::Table,
        &[k(K::Esc)],
        "Esc",
        "dismiss errors / conferences",
        A::Back,
        ("Esc", "back"),
    ),
    b(S::Table, &[c('q')], "q", "quit", A::Quit, true),
    b(
        S::Form,
        &[k(K::Tab), k(K::Down)],
        "Tab/↓",
        "next field",
        A::NextField,
        true,
    ),
    b(
        S::Form,
        &[k(K::BackTab), k(K::Up)],
        "S-Tab/↑",
        "previous field",
        A::PrevField,
        false,
    ),
    b(
        S::Form,
        &[c(' ')],
        "Space",
        "toggle / cycle",
        A::Toggle,
        true,
    ),
    b(
        S::Form,
        &[k(K::Left)],
        "←",
        "no / previous beep",
        A::Left,
        false,
    ),
    b(
        S::Form,
        &[k(K::Right)],
        "→",
        "yes / next beep",
        A::Right,
        false,
    ),
    b(
        S::Form,
        &[k(K::Enter)],
        "Enter",
        "save (PATCH)",
        A::Submit,
        true,
    ),
    b(S::Form, &[k(K::Esc)], "Esc", "cancel", A::Cancel, true),
    b(S::Confirm, &[c('y')], "y", "confirm", A::Confirm, true),
    b(
        S::Confirm,
        &[c('n'), k(K::Esc)],
        "n/Esc",
        "cancel",
        A::Cancel,
        true,
    ),
    b(
        S::Help,
        &[c('?'), k(K::Esc), c('q')],
        "?/Esc",
        "close help",
        A::Back,
        true,
    ),
    b(S::Global, &[c('?')], "?", "help", A::Help, true),
    b(
        S::Global,
        &[ctrl('c')],
        "Ctrl-C",
        "quit from anywhere",
        A::ForceQuit,
        false,
    ),
];

fn matches(spec: &KeySpec, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if spec.ctrl != ctrl {
        return false;
    }
    match (spec.code, key.code) {
        // letters arrive upper-case with SHIFT; compare as typed
        (K::Char(a), K::Char(b)) => a == b || (ctrl && a.eq_ignore_ascii_case(&b)),
        (a, b) => a == b,
    }
}

/// The action of `key` in `scope` (falling back to the global bindings).
pub fn lookup(scope: Scope, key: &KeyEvent) -> Option<Action> {
    let find = |s: Scope| {
        BINDINGS
            .iter()
            .filter(|b| b.scope == s)
            .find(|b| b.keys.iter().any(|spec| matches(spec, key)))
            .map(|b| b.action)
    };
    find(scope).or_else(|| {
        // overlays take every key: only Ctrl-C gets through
        if matches!(scope, Scope::Help | Scope::Confirm | Scope::Form) {
            find(Scope::Global).filter(|a| *a == Action::ForceQuit)
        } else {
            find(Scope::Global)
        }
    })
}

/// The footer hints of a scope: `(keys, what)`.
pub fn footer(scope: Scope) -> Vec<(&'static str, &'static str)> {
    let global = !matches!(scope, Scope::Help | Scope::Confirm | Scope::Form);
    BINDINGS
        .iter()
        .filter(|b| b.scope == scope || (global && b.scope == Scope::Global))
        .filter_map(|b| b.footer)
        .collect()
}

/// Every binding of a scope, for the help overlay.
pub fn section(scope: Scope) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.scope == scope)
        .map(|b| (b.label, b.help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_resolve_by_scope_then_globally() {
        let j = key(K::Char('j'), KeyModifiers::NONE);
        assert_eq!(lookup(S::Table, &j), Some(A::Down));
        assert_eq!(lookup(S::Form, &j), None);
        let shift_g = key(K::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(S::Table, &shift_g), Some(A::Bottom));
        let ctrl_c = key(K::Char('c'), KeyModifiers::CONTROL);
        for scope in [S::Picker, S::Table, S::Form, S::Confirm, S::Help] {
            assert_eq!(lookup(scope, &ctrl_c), Some(A::ForceQuit), "{scope:?}");
        }
        // plain c is not Ctrl-C; ? is help only outside overlays
        assert_eq!(
            lookup(S::Table, &key(K::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            lookup(S::Confirm, &key(K::Char('?'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            lookup(S::Form, &key(K::BackTab, KeyModifiers::SHIFT)),
            Some(A::PrevField)
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.scope == b.scope {
                    for spec in a.keys {
                        assert!(!b.keys.contains(spec), "{spec:?} twice in {:?}", a.scope);
                    }
                }
            }
        }
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let hints = footer(S::Table);
        assert!(hints.contains(&("j/k", "move")));
        assert!(hints.contains(&("m", "mute")));
        assert!(hints.contains(&("?", "help")));
        assert!(!footer(S::Form).contains(&("?", "help")));
        let help = section(S::Table);
        assert!(help.contains(&("k/↑", "previous participant")));
        assert!(help.contains(&("j/↓", "next participant")));
    }
}
