//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::hints;
use super::theme::Theme;
use crate::app::keymap::{self, Action, Scope};
use crate::app::model::{Model, Screen};

/// One titled group of lines.
type Section<'a> = Vec<Line<'a>>;

fn section<'a>(
    title: &'static str,
    entries: impl IntoIterator<Item = (String, &'static str)>,
    t: &Theme,
) -> Section<'a> {
    let mut lines = vec![Line::from(Span::styled(title, t.title()))];
    for (keys, what) in entries {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<8} "), t.key()),
            Span::raw(what),
        ]));
    }
    lines
}

/// The sections that apply to the current screen.
pub(super) fn sections<'a>(model: &Model, t: &Theme) -> Vec<Section<'a>> {
    let scopes: &[Scope] = match model.screen {
        Screen::Picker => &[Scope::Picker, Scope::Filter, Scope::Global],
        Screen::Table => &[Scope::Table, Scope::Form, Scope::Confirm, Scope::Global],
    };
    let mut out: Vec<Section> = scopes
        .iter()
        .map(|s| {
            let keys = keymap::section(*s).into_iter().map(|h| (h.keys, h.what));
            section(s.title(), keys, t)
        })
        .collect();
    if model.screen == Screen::Table {
        out.push(section(
            "Symbols",
            [
                ("⠋", "request in flight"),
                ("•", "changed at the last refresh"),
                ("on_exit*", "beep as last set here"),
                ("?", "beep unknown (write-only)"),
                ("·", "no / off"),
                ("grey", "participant has left"),
            ]
            .map(|(symbol, what)| (symbol.to_string(), what)),
            t,
        ));
    }
    out
}

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let sections = sections(model, t);
    let total: usize = sections.iter().map(Vec::len).sum();
    let one_column = total as u16 + 2 <= area.height;
    // split at the section boundary nearest the middle
    let mut split = sections.len();
    if !one_column {
        let mut acc = 0;
        for (i, s) in sections.iter().enumerate() {
            if acc + s.len() > total / 2 && i > 0 {
                split = i;
                break;
            }
            acc += s.len();
        }
    }
    let (left, right): (Vec<Line>, Vec<Line>) = (
        sections[..split].iter().flatten().cloned().collect(),
        sections[split..].iter().flatten().cloned().collect(),
    );
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let width = if one_column { 60 } else { 100 };
    let rect = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height),
    );
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(t.border())
        .title(Span::styled(" Help ", t.title()))
        .title_bottom(close_title(t));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if one_column {
        frame.render_widget(Paragraph::new(left), inner);
    } else {
        let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(left), l);
        frame.render_widget(Paragraph::new(right), r);
    }
}

/// The bottom title: how to close the help, from its binding.
fn close_title(t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    spans.extend(hints::spans([keymap::hint(Scope::Help, Action::Back)], t));
    spans.push(Span::raw(" "));
    Line::from(spans)
}
