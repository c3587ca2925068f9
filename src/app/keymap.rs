//! Keys as data: one table that key handling, the footer, the help overlay and
//! every key hint on screen read. A binding carries its keys and its words,
//! never a hand-written name for its keys: labels are derived from the keys
//! ([`label`]), so a hint cannot drift from what the key does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
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
    /// Open the table's search line.
    Search,
    /// Quick filters of the table.
    ShowAll,
    ShowMuted,
    ShowUnmuted,
    ShowOnHold,
    ShowJoining,
    ShowLeft,
    ShowMarked,
    /// Cycle the table's order.
    Sort,
    NextUnmuted,
    NextJoining,
    Mark,
    MarkAll,
    ClearMarks,
    MuteAllBut,
    UnmuteAll,
    EndConference,
    RetryFailed,
    Undo,
    CopyId,
    CopyCallControlId,
    /// The activity log and its inspector.
    Log,
    WritesOnly,
    ErrorsOnly,
    CopyCurl,
}

impl Action {
    /// Whether the action changes the conference (read-only mode has none).
    pub(crate) fn writes(self) -> bool {
        matches!(
            self,
            Action::Open
                | Action::ToggleMute
                | Action::ToggleHold
                | Action::MuteAllBut
                | Action::UnmuteAll
                | Action::EndConference
                | Action::RetryFailed
                | Action::Undo
        )
    }
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Picker,
    /// Typing the picker's filter: a text entry, where every printable key
    /// is text and only the keys bound here (and Ctrl-C) act.
    Filter,
    Table,
    /// Typing the table's search: a text entry, like `Filter`.
    Search,
    Form,
    Confirm,
    /// Typing the confirmation of something that cannot be undone: a text
    /// entry, like `Filter`.
    TypeToConfirm,
    /// The activity log's pane.
    Log,
    /// One request of the log, whole.
    Inspect,
    Help,
}

impl Scope {
    /// Whether every printable key is text in this scope.
    pub fn is_text_entry(self) -> bool {
        matches!(self, Scope::Filter | Scope::Search | Scope::TypeToConfirm)
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Picker => "Conference list",
            Scope::Table => "Participants",
            Scope::Form => "Edit form",
            Scope::Confirm => "Confirmation",
            Scope::Help => "Help",
            Scope::Filter => "Conference filter",
            Scope::Search => "Search",
            Scope::TypeToConfirm => "Typed confirmation",
            Scope::Log => "Activity log",
            Scope::Inspect => "Request inspector",
        }
    }

    /// Overlays take every key: of the global bindings only Ctrl-C gets
    /// through.
    fn reaches_global(self, action: Action) -> bool {
        !matches!(
            self,
            Scope::Help
                | Scope::Confirm
                | Scope::Form
                | Scope::TypeToConfirm
                | Scope::Log
                | Scope::Inspect
        ) && !self.is_text_entry()
            || action == Action::ForceQuit
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeySpec {
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

/// How one key is written on screen: `j`, `↓`, `Enter`, `S-Tab`, `Space`,
/// `PgDn`, `Ctrl-C`.
pub(crate) fn key_name(spec: KeySpec) -> String {
    let name = match spec.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(ch) if spec.ctrl => ch.to_uppercase().to_string(),
        KeyCode::Char(ch) => ch.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if spec.ctrl {
        format!("Ctrl-{name}")
    } else {
        name
    }
}

/// The label of a set of keys: each key's name, joined with `/` (`?/Esc/q`).
pub(crate) fn label(keys: &[KeySpec]) -> String {
    keys.iter()
        .map(|spec| key_name(*spec))
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether and how the footer shows a binding (the help shows every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Footer {
    /// Only in the help.
    Hidden,
    /// In the footer, in the binding's words.
    Shown,
    /// In the footer and in every hint, in fewer words: `m mute` for
    /// "mute / unmute".
    Short(&'static str),
    /// One footer entry together with the binding of another action of the
    /// same scope, the first key of each: `j/k move` for Down and Up.
    Paired(Action, &'static str),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding {
    pub scope: Scope,
    pub keys: &'static [KeySpec],
    pub action: Action,
    /// What the keys do, as the help says it.
    pub what: &'static str,
    pub footer: Footer,
}

impl Binding {
    /// The keys as every hint writes them: `j/↓`.
    pub(crate) fn label(&self) -> String {
        label(self.keys)
    }

    /// What a hint says the keys do: the footer's fewer words, if any.
    pub(crate) fn brief(&self) -> &'static str {
        match self.footer {
            Footer::Short(what) => what,
            _ => self.what,
        }
    }

    /// The binding in the footer, in its own words.
    const fn shown(self) -> Binding {
        Binding {
            footer: Footer::Shown,
            ..self
        }
    }

    /// The binding in the footer and every hint, in fewer words.
    const fn short(self, what: &'static str) -> Binding {
        Binding {
            footer: Footer::Short(what),
            ..self
        }
    }

    /// The binding in the footer as one entry with `other`'s.
    const fn paired(self, other: Action, what: &'static str) -> Binding {
        Binding {
            footer: Footer::Paired(other, what),
            ..self
        }
    }
}

/// A binding shown in the help only (see [`Binding::shown`] and friends).
const fn b(scope: Scope, keys: &'static [KeySpec], action: Action, what: &'static str) -> Binding {
    Binding {
        scope,
        keys,
        action,
        what,
        footer: Footer::Hidden,
    }
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

/// Every binding of the console, in the order of the help and the footer.
pub(crate) const BINDINGS: &[Binding] = &[
    b(S::Picker, DOWN, A::Down, "next conference"),
    b(S::Picker, UP, A::Up, "previous conference"),
    b(S::Picker, TOP, A::Top, "first"),
    b(S::Picker, BOTTOM, A::Bottom, "last"),
    b(S::Picker, PGDN, A::PageDown, "page down"),
    b(S::Picker, PGUP, A::PageUp, "page up"),
    b(S::Picker, &[k(K::Enter)], A::Open, "open").shown(),
    b(S::Picker, &[c('/')], A::Filter, "filter").shown(),
    b(S::Picker, &[k(K::Esc)], A::Back, "clear filter"),
    b(S::Picker, &[c('r')], A::Refresh, "refresh").shown(),
    b(
        S::Picker,
        &[c('L')],
        A::Log,
        "activity log: every request, every event",
    ),
    b(S::Picker, &[c('q')], A::Quit, "quit").shown(),
    b(S::Filter, &[k(K::Enter)], A::Submit, "keep the filter").short("keep"),
    b(S::Filter, &[k(K::Esc)], A::Cancel, "clear the filter").short("clear"),
    b(S::Filter, &[k(K::Down)], A::Down, "next conference").paired(A::Up, "move"),
    b(S::Filter, &[k(K::Up)], A::Up, "previous conference"),
    b(S::Table, DOWN, A::Down, "next participant").paired(A::Up, "move"),
    b(S::Table, UP, A::Up, "previous participant"),
    b(S::Table, TOP, A::Top, "first"),
    b(S::Table, BOTTOM, A::Bottom, "last"),
    b(S::Table, PGDN, A::PageDown, "page down"),
    b(S::Table, PGUP, A::PageUp, "page up"),
    b(
        S::Table,
        &[c('/')],
        A::Search,
        "search label, id, call_control_id",
    )
    .short("search"),
    b(S::Table, &[c('n')], A::NextUnmuted, "next unmuted"),
    b(S::Table, &[c('J')], A::NextJoining, "next joining"),
    b(
        S::Table,
        &[c('s')],
        A::Sort,
        "sort: joined, label, status, muted first",
    ),
    b(S::Table, &[c('1')], A::ShowMuted, "show the muted"),
    b(S::Table, &[c('2')], A::ShowUnmuted, "show the unmuted"),
    b(S::Table, &[c('3')], A::ShowOnHold, "show those on hold"),
    b(S::Table, &[c('4')], A::ShowJoining, "show those joining"),
    b(S::Table, &[c('5')], A::ShowLeft, "show those who left"),
    b(S::Table, &[c('6')], A::ShowMarked, "show the marked"),
    b(S::Table, &[c('0')], A::ShowAll, "show everyone"),
    b(S::Table, &[c(' ')], A::Mark, "mark / unmark").short("mark"),
    b(S::Table, &[c('a')], A::MarkAll, "mark everyone shown"),
    b(S::Table, &[c('A')], A::ClearMarks, "clear the marks").short("unmark all"),
    b(
        S::Table,
        &[k(K::Enter)],
        A::Open,
        "edit (the marked, if any)",
    )
    .short("edit"),
    b(
        S::Table,
        &[c('m')],
        A::ToggleMute,
        "mute / unmute (the marked, if any)",
    )
    .short("mute"),
    b(
        S::Table,
        &[c('o')],
        A::ToggleHold,
        "hold / unhold (the marked, if any)",
    )
    .short("hold"),
    b(
        S::Table,
        &[c('M')],
        A::MuteAllBut,
        "mute all but the marked (or the selected)",
    ),
    b(S::Table, &[c('U')], A::UnmuteAll, "unmute everyone"),
    b(S::Table, &[c('E')], A::EndConference, "end the conference"),
    b(
        S::Table,
        &[c('R')],
        A::RetryFailed,
        "retry the failed of the last bulk change",
    )
    .short("retry failed"),
    b(
        S::Table,
        &[c('u')],
        A::Undo,
        "undo the last change made here",
    )
    .short("undo"),
    b(S::Table, &[c('y')], A::CopyId, "copy the participant id"),
    b(
        S::Table,
        &[c('Y')],
        A::CopyCallControlId,
        "copy the call_control_id",
    ),
    b(S::Table, &[c('r')], A::Refresh, "refresh"),
    b(
        S::Table,
        &[c('L')],
        A::Log,
        "activity log: every request, every event",
    )
    .short("log"),
    b(
        S::Table,
        &[k(K::Esc)],
        A::Back,
        "clear marks / dismiss errors / clear search / conferences",
    ),
    b(S::Table, &[c('q')], A::Quit, "quit").shown(),
    b(S::Search, &[k(K::Enter)], A::Submit, "keep the search").short("keep"),
    b(S::Search, &[k(K::Esc)], A::Cancel, "clear the search").short("clear"),
    b(S::Search, &[k(K::Down)], A::Down, "next participant").paired(A::Up, "move"),
    b(S::Search, &[k(K::Up)], A::Up, "previous participant"),
    b(
        S::Form,
        &[k(K::Tab), k(K::Down)],
        A::NextField,
        "next field",
    )
    .paired(A::PrevField, "field"),
    b(
        S::Form,
        &[k(K::BackTab), k(K::Up)],
        A::PrevField,
        "previous field",
    ),
    b(S::Form, &[c(' ')], A::Toggle, "toggle / cycle").short("toggle"),
    b(S::Form, &[k(K::Left)], A::Left, "no / previous beep").paired(A::Right, "cycle"),
    b(S::Form, &[k(K::Right)], A::Right, "yes / next beep"),
    b(S::Form, &[k(K::Enter)], A::Submit, "save (PATCH)").short("save"),
    b(S::Form, &[k(K::Esc)], A::Cancel, "cancel").shown(),
    b(S::Confirm, &[c('y')], A::Confirm, "confirm and send").shown(),
    b(S::Confirm, &[c('n'), k(K::Esc)], A::Cancel, "cancel").shown(),
    b(S::TypeToConfirm, &[k(K::Enter)], A::Confirm, "confirm").shown(),
    b(S::TypeToConfirm, &[k(K::Esc)], A::Cancel, "cancel").shown(),
    b(S::Log, DOWN, A::Down, "next").paired(A::Up, "move"),
    b(S::Log, UP, A::Up, "previous"),
    b(S::Log, PGDN, A::PageDown, "page down"),
    b(S::Log, PGUP, A::PageUp, "page up"),
    b(S::Log, TOP, A::Top, "oldest"),
    b(S::Log, BOTTOM, A::Bottom, "newest (and follow)"),
    b(S::Log, &[k(K::Enter)], A::Open, "inspect the request").short("inspect"),
    b(
        S::Log,
        &[c('c')],
        A::CopyCurl,
        "copy as curl ($TELNYX_API_KEY for the key)",
    )
    .short("curl"),
    b(S::Log, &[c('w')], A::WritesOnly, "writes only").shown(),
    b(S::Log, &[c('e')], A::ErrorsOnly, "errors only").shown(),
    b(S::Log, &[k(K::Esc), c('L')], A::Back, "close").shown(),
    b(S::Inspect, DOWN, A::Down, "scroll down").paired(A::Up, "scroll"),
    b(S::Inspect, UP, A::Up, "scroll up"),
    b(S::Inspect, PGDN, A::PageDown, "page down"),
    b(S::Inspect, PGUP, A::PageUp, "page up"),
    b(S::Inspect, TOP, A::Top, "top"),
    b(
        S::Inspect,
        &[c('c')],
        A::CopyCurl,
        "copy as curl ($TELNYX_API_KEY for the key)",
    )
    .short("curl"),
    b(S::Inspect, &[k(K::Esc)], A::Back, "back to the log").short("back"),
    b(S::Help, &[c('?'), k(K::Esc), c('q')], A::Back, "close help").short("close"),
    b(S::Help, DOWN, A::Down, "scroll down").paired(A::Up, "scroll"),
    b(S::Help, UP, A::Up, "scroll up"),
    b(S::Help, PGDN, A::PageDown, "page down"),
    b(S::Help, PGUP, A::PageUp, "page up"),
    b(S::Help, TOP, A::Top, "top"),
    b(S::Help, BOTTOM, A::Bottom, "bottom"),
    b(S::Global, &[c('?')], A::Help, "help").shown(),
    b(S::Global, &[ctrl('c')], A::ForceQuit, "quit from anywhere"),
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
pub(crate) fn lookup(scope: Scope, key: &KeyEvent) -> Option<Action> {
    let find = |s: Scope| {
        BINDINGS
            .iter()
            .filter(|b| b.scope == s)
            .find(|b| b.keys.iter().any(|spec| matches(spec, key)))
            .map(|b| b.action)
    };
    find(scope).or_else(|| find(Scope::Global).filter(|a| scope.reaches_global(*a)))
}

/// The binding that performs `action` in `scope`, as [`lookup`] resolves
/// keys: the scope's own, else a global one that reaches it.
pub(crate) fn binding(scope: Scope, action: Action) -> Option<&'static Binding> {
    let find = |s: Scope| BINDINGS.iter().find(|b| b.scope == s && b.action == action);
    find(scope).or_else(|| find(Scope::Global).filter(|_| scope.reaches_global(action)))
}

/// A key hint: the keys, as derived from their binding, and what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hint {
    pub keys: String,
    pub what: &'static str,
}

impl Hint {
    /// The same keys in a screen's own words, where the binding's would not
    /// say what the key does there (`r` "retry" on a failure screen).
    pub(crate) fn saying(self, what: &'static str) -> Hint {
        Hint { what, ..self }
    }
}

/// The hint for `action` in `scope`, in the binding's words (the footer's
/// fewer words, if any); `None` when no key does it there.
pub(crate) fn hint(scope: Scope, action: Action) -> Option<Hint> {
    binding(scope, action).map(|b| Hint {
        keys: b.label(),
        what: b.brief(),
    })
}

/// One hint for two actions, the first key of each (`j/k move`); the one that
/// no key does in `scope` is left out, and `None` when neither is bound.
pub(crate) fn pair(
    scope: Scope,
    first: Action,
    second: Action,
    what: &'static str,
) -> Option<Hint> {
    let keys: Vec<String> = [first, second]
        .into_iter()
        .filter_map(|a| binding(scope, a))
        .filter_map(|b| b.keys.first())
        .map(|spec| key_name(*spec))
        .collect();
    (!keys.is_empty()).then(|| Hint {
        keys: keys.join("/"),
        what,
    })
}

/// The footer hints of a scope, with the global ones that reach it.
pub(crate) fn footer(scope: Scope) -> Vec<Hint> {
    footer_if(scope, |_| true)
}

/// The footer hints of the actions that `works` says do something now.
pub(crate) fn footer_if(scope: Scope, works: impl Fn(Action) -> bool) -> Vec<Hint> {
    BINDINGS
        .iter()
        .filter(|b| {
            b.scope == scope || (b.scope == Scope::Global && scope.reaches_global(b.action))
        })
        .filter(|b| works(b.action))
        .filter_map(|b| match b.footer {
            Footer::Hidden => None,
            Footer::Shown | Footer::Short(_) => Some(Hint {
                keys: b.label(),
                what: b.brief(),
            }),
            Footer::Paired(other, what) => pair(scope, b.action, other, what),
        })
        .collect()
}

/// Every binding of a scope in the help's words, for the help overlay.
pub(crate) fn section(scope: Scope) -> Vec<Hint> {
    BINDINGS
        .iter()
        .filter(|b| b.scope == scope)
        .map(|b| Hint {
            keys: b.label(),
            what: b.what,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    /// The event a spec stands for.
    fn event(spec: &KeySpec) -> KeyEvent {
        let modifiers = if spec.ctrl {
            KeyModifiers::CONTROL
        } else {
            KeyModifiers::NONE
        };
        key(spec.code, modifiers)
    }

    const SCOPES: [Scope; 5] = [S::Picker, S::Table, S::Form, S::Confirm, S::Help];

    fn hint_of(keys: &str, what: &'static str) -> Hint {
        Hint {
            keys: keys.into(),
            what,
        }
    }

    #[test]
    fn keys_resolve_by_scope_then_globally() {
        let j = key(K::Char('j'), KeyModifiers::NONE);
        assert_eq!(lookup(S::Table, &j), Some(A::Down));
        assert_eq!(lookup(S::Form, &j), None);
        let shift_g = key(K::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(S::Table, &shift_g), Some(A::Bottom));
        let ctrl_c = key(K::Char('c'), KeyModifiers::CONTROL);
        for scope in SCOPES {
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
    fn every_key_of_a_hint_does_its_action() {
        // a hint never names a key that a scope's own binding shadows
        for b in BINDINGS {
            let scopes: Vec<Scope> = match b.scope {
                S::Global => SCOPES
                    .into_iter()
                    .filter(|s| s.reaches_global(b.action))
                    .collect(),
                scope => vec![scope],
            };
            for scope in scopes {
                for spec in b.keys {
                    assert_eq!(
                        lookup(scope, &event(spec)),
                        Some(b.action),
                        "{spec:?} in {scope:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_are_named_as_the_console_writes_them() {
        let names = [
            (c('j'), "j"),
            (c('G'), "G"),
            (c('?'), "?"),
            (c(' '), "Space"),
            (k(K::Down), "↓"),
            (k(K::Up), "↑"),
            (k(K::Left), "←"),
            (k(K::Right), "→"),
            (k(K::Enter), "Enter"),
            (k(K::Esc), "Esc"),
            (k(K::Tab), "Tab"),
            (k(K::BackTab), "S-Tab"),
            (k(K::PageUp), "PgUp"),
            (k(K::PageDown), "PgDn"),
            (k(K::Home), "Home"),
            (k(K::End), "End"),
            (k(K::F(5)), "F5"),
            (ctrl('c'), "Ctrl-C"),
            (
                KeySpec {
                    code: K::Home,
                    ctrl: true,
                },
                "Ctrl-Home",
            ),
        ];
        for (spec, name) in names {
            assert_eq!(key_name(spec), name, "{spec:?}");
        }
    }

    #[test]
    fn every_binding_has_a_label_and_words() {
        for b in BINDINGS {
            assert!(
                !b.keys.is_empty(),
                "{:?} {:?} has no key",
                b.scope,
                b.action
            );
            assert!(!b.label().is_empty(), "{:?} {:?}", b.scope, b.action);
            assert!(!b.what.is_empty() && !b.brief().is_empty());
            assert!(b.keys.iter().all(|spec| !key_name(*spec).is_empty()));
        }
    }

    #[test]
    fn labels_follow_the_keys() {
        assert_eq!(hint(S::Help, A::Back), Some(hint_of("?/Esc/q", "close")));
        assert_eq!(hint(S::Form, A::PrevField).unwrap().keys, "S-Tab/↑");
        // the same action with other keys reads differently
        const MOVED: Binding = b(S::Form, &[k(K::F(2)), ctrl('s')], A::Submit, "save");
        assert_eq!(MOVED.label(), "F2/Ctrl-S");
        assert_ne!(MOVED.label(), hint(S::Form, A::Submit).unwrap().keys);
        assert_eq!(label(&[]), "");
    }

    #[test]
    fn the_footer_pair_is_the_first_key_of_each_action() {
        let first = |a: Action| key_name(binding(S::Table, a).unwrap().keys[0]);
        let keys = format!("{}/{}", first(A::Down), first(A::Up));
        assert_eq!(keys, "j/k");
        assert!(footer(S::Table).contains(&hint_of(&keys, "move")));
        // the form's pairs come from its own bindings
        assert_eq!(
            &footer(S::Form)[..3],
            &[
                hint_of("Tab/S-Tab", "field"),
                hint_of("Space", "toggle"),
                hint_of("←/→", "cycle"),
            ]
        );
        // an action no key does in the scope is left out of a pair
        assert_eq!(
            pair(S::Form, A::Quit, A::ForceQuit, "quit"),
            Some(hint_of("Ctrl-C", "quit"))
        );
        assert_eq!(
            pair(S::Table, A::Quit, A::ForceQuit, "quit"),
            Some(hint_of("q/Ctrl-C", "quit"))
        );
        assert_eq!(pair(S::Confirm, A::Up, A::Down, "move"), None);
    }

    #[test]
    fn a_hint_says_what_its_binding_says() {
        // the confirmation and the footer word each key the same way
        assert_eq!(
            footer(S::Confirm),
            vec![hint_of("y", "confirm and send"), hint_of("n/Esc", "cancel"),]
        );
        assert_eq!(hint(S::Table, A::ToggleMute), Some(hint_of("m", "mute")));
        assert_eq!(
            hint(S::Picker, A::Refresh).map(|h| h.saying("retry")),
            Some(hint_of("r", "retry"))
        );
        // global keys reach lists, not overlays (but Ctrl-C)
        assert_eq!(hint(S::Table, A::Help), Some(hint_of("?", "help")));
        assert_eq!(hint(S::Form, A::Help), None);
        assert_eq!(hint(S::Form, A::Quit), None);
        assert!(hint(S::Confirm, A::ForceQuit).is_some());
    }

    #[test]
    fn footer_and_help_come_from_the_table() {
        let hints = footer(S::Table);
        assert!(hints.contains(&hint_of("m", "mute")));
        assert!(hints.contains(&hint_of("?", "help")));
        assert!(!footer(S::Form).contains(&hint_of("?", "help")));
        assert_eq!(
            footer(S::Help),
            vec![hint_of("?/Esc/q", "close"), hint_of("j/k", "scroll")]
        );
        let help = section(S::Table);
        assert!(help.contains(&hint_of("k/↑", "previous participant")));
        assert!(help.contains(&hint_of("j/↓", "next participant")));
        assert!(help.contains(&hint_of("m", "mute / unmute (the marked, if any)")));
        // every text entry offers only its own keys
        for entry in [S::Filter, S::Search, S::TypeToConfirm] {
            assert!(entry.is_text_entry());
            assert!(!footer(entry).contains(&hint_of("?", "help")), "{entry:?}");
            assert!(!footer(entry).iter().any(|h| h.keys == "q"), "{entry:?}");
        }
        assert_eq!(section(S::Help)[0], hint_of("?/Esc/q", "close help"));
        assert!(section(S::Help).contains(&hint_of("j/↓", "scroll down")));
    }
}
