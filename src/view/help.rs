//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::fmt::fit_line;
use super::hints;
use super::theme::Theme;
use crate::app::help::{self, Group};
use crate::app::keymap::{self, Action, Scope};
use crate::app::model::Model;

/// One titled group of lines.
type Section<'a> = Vec<Line<'a>>;

fn section<'a>(group: Group, t: &Theme) -> Section<'a> {
    let (title, entries) = group;
    let mut lines = vec![Line::from(Span::styled(title, t.title()))];
    for (keys, what) in entries {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<8} "), t.key()),
            Span::raw(what),
        ]));
    }
    lines
}

/// Two columns when the terminal is wide and tall enough for them, else
/// one column that scrolls (`j`/`k`, `PgUp`/`PgDn`), saying what is above
/// and below.
pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let sections: Vec<Section> = help::groups(model)
        .into_iter()
        .map(|g| section(g, t))
        .collect();
    let total: usize = sections.iter().map(Vec::len).sum();
    // split at the section boundary nearest the middle
    let mut split = sections.len();
    let mut acc = 0;
    for (i, s) in sections.iter().enumerate() {
        if acc + s.len() > total / 2 && i > 0 {
            split = i;
            break;
        }
        acc += s.len();
    }
    let left_len: usize = sections[..split].iter().map(Vec::len).sum();
    let two = area.width >= 100 && left_len.max(total - left_len) as u16 + 2 <= area.height;
    let all: Vec<Line> = sections.into_iter().flatten().collect();
    let rows = help::rows(model);
    let height = if two {
        left_len.max(total - left_len) as u16 + 2
    } else {
        (total as u16 + 2).min(area.height)
    };
    let width = if two { 100 } else { 76 };
    let rect = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height),
    );
    frame.render_widget(Clear, rect);
    let offset = if two {
        0
    } else {
        model.help_offset.min(help::max_offset(model))
    };
    let mut block = Block::bordered()
        .border_style(t.border())
        .title(Span::styled(" Help ", t.title()))
        .title_bottom(close_title(t));
    if !two && total > rows {
        let more = format!(
            " {}{} ",
            if offset > 0 { "↑ " } else { "" },
            if offset + rows < total {
                "↓ more"
            } else {
                "end"
            }
        );
        block = block.title_bottom(Line::from(Span::styled(more, t.dim())).right_aligned());
    }
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    // a line too long for the column is cut with `…`, not silently
    let column = if two { inner.width / 2 } else { inner.width } as usize;
    let all: Vec<Line> = all.into_iter().map(|l| fit_line(l, column)).collect();
    if two {
        let (left, right) = all.split_at(left_len);
        let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(left.to_vec()), l);
        frame.render_widget(Paragraph::new(right.to_vec()), r);
    } else {
        let shown: Vec<Line> = all.into_iter().skip(offset).collect();
        frame.render_widget(Paragraph::new(shown), inner);
    }
}

/// The bottom title: how to close the help, from its binding.
fn close_title(t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    spans.extend(hints::spans([keymap::hint(Scope::Help, Action::Back)], t));
    spans.push(Span::raw(" "));
    Line::from(spans)
}
