//! The footer: key hints of the current scope, from the keymap, and the
//! client's latest retry.

use super::hints;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use crate::app::keymap::{self, Hint};
use crate::app::model::Model;
use crate::app::update::{available, scope};

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    // keys only: the connection's state is in the header
    // only the keys that do something now (no write key in read-only mode)
    let scope = scope(model);
    let offered = keymap::footer_if(scope, |action| available(model, scope, action));
    let keys = hints::line(fit(offered, area.width.saturating_sub(1) as usize), t);
    frame.render_widget(ratatui::widgets::Paragraph::new(keys), area);
}

/// The hints that fit in `width` columns, whole, in their order; the last
/// one (help) is kept whatever else has to go.
fn fit(mut offered: Vec<Hint>, width: usize) -> Vec<Hint> {
    let cost = |h: &Hint| h.keys.width() + 1 + h.what.width() + 2;
    let last = offered.pop();
    let mut room = width.saturating_sub(last.as_ref().map_or(0, cost));
    let mut kept: Vec<Hint> = offered
        .into_iter()
        .filter(|h| {
            let c = cost(h);
            let fits = c <= room;
            if fits {
                room -= c;
            }
            fits
        })
        .collect();
    kept.extend(last);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(keys: &str, what: &'static str) -> Hint {
        Hint {
            keys: keys.into(),
            what,
        }
    }

    #[test]
    fn hints_that_do_not_fit_go_whole_and_help_stays() {
        let all = vec![
            h("j/k", "move"),
            h("/", "search"),
            h("Space", "mark"),
            h("?", "help"),
        ];
        let width =
            |hs: &[Hint]| -> usize { hs.iter().map(|x| x.keys.len() + 1 + x.what.len() + 2).sum() };
        assert_eq!(fit(all.clone(), 100), all);
        let kept = fit(all.clone(), 24);
        assert_eq!(kept.last(), Some(&h("?", "help")));
        assert!(width(&kept) <= 24, "{kept:?}");
        assert!(kept.contains(&h("j/k", "move")));
        assert!(!kept.contains(&h("Space", "mark")));
        assert_eq!(fit(all, 0), vec![h("?", "help")]);
    }
}
