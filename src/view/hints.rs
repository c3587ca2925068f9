//! Key hints on screen. Every part of the view shows its keys through these
//! functions, from `keymap::Hint`s (keys bold, words dim), so a key reads the
//! same wherever it appears and no view writes a key's name by hand.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::app::keymap::Hint;

const GAP: &str = "  ";

/// Hints two spaces apart (`Enter save  Esc cancel`); a `None` (an action no
/// key does here) is left out.
pub(super) fn spans<H: Into<Option<Hint>>>(
    hints: impl IntoIterator<Item = H>,
    t: &Theme,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for hint in hints.into_iter().filter_map(Into::into) {
        if !spans.is_empty() {
            spans.push(Span::raw(GAP));
        }
        spans.push(Span::styled(hint.keys, t.key()));
        spans.push(Span::styled(format!(" {}", hint.what), t.dim()));
    }
    spans
}

/// A line of hints.
pub(super) fn line<H: Into<Option<Hint>>>(
    hints: impl IntoIterator<Item = H>,
    t: &Theme,
) -> Line<'static> {
    Line::from(spans(hints, t))
}

/// `lead` then the hints: `retrying in 4s  r retry now  q quit`.
pub(super) fn after<H: Into<Option<Hint>>>(
    lead: Span<'static>,
    hints: impl IntoIterator<Item = H>,
    t: &Theme,
) -> Line<'static> {
    let hints = spans(hints, t);
    let mut out = vec![lead];
    if !hints.is_empty() {
        out.push(Span::raw(GAP));
        out.extend(hints);
    }
    Line::from(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ratatui::style::Modifier;

    use super::*;

    fn hint(keys: &str, what: &'static str) -> Hint {
        Hint {
            keys: keys.into(),
            what,
        }
    }

    #[test]
    fn keys_read_bold_and_words_dim_without_colour() {
        let t = Theme::new(true);
        let spans = spans(
            [Some(hint("q", "quit")), None, Some(hint("Esc", "back"))],
            &t,
        );
        let text: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, ["q", " quit", GAP, "Esc", " back"]);
        assert!(spans[0].style.add_modifier.contains(Modifier::BOLD));
        assert!(spans[1].style.add_modifier.contains(Modifier::DIM));
        assert_eq!(spans[0].style.fg, None);
        let line = after(Span::raw("No match."), [None::<Hint>], &t);
        assert_eq!(line.to_string(), "No match.");
    }

    #[test]
    fn no_view_file_writes_a_key_name() {
        // key names come from the keymap; a literal one would drift from it
        const NAMES: [&str; 10] = [
            "Esc", "Enter", "Tab", "Space", "Ctrl", "PgUp", "PgDn", "r retry", "q quit", "press ",
        ];
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/view");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                for literal in line.split('"').skip(1).step_by(2) {
                    for name in NAMES {
                        assert!(
                            !literal.contains(name),
                            "{}:{}: {literal:?} names a key",
                            path.display(),
                            n + 1
                        );
                    }
                }
            }
        }
    }
}
