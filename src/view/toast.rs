//! Toasts: short notes stacked above the footer. Successes fade by
//! themselves; errors stay until Esc.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::fmt::wrap;
use super::hints;
use super::theme::Theme;
use crate::app::keymap::{Action, Scope, hint};
use crate::app::model::{Level, Model};

/// At most this many lines of one toast.
const MAX_LINES: usize = 4;

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    if model.toasts.is_empty() || area.height == 0 {
        return;
    }
    let text_w = area.width.saturating_sub(5).min(96) as usize;
    let mut bottom = area.y + area.height;
    for toast in model.toasts.iter().rev() {
        let (sym, style) = match toast.level {
            Level::Info => ("ℹ", t.info()),
            Level::Success => ("✔", t.ok()),
            Level::Error => ("✖", t.error()),
        };
        // an error stays until the participants' Esc dismisses it
        let dismiss = match toast.level {
            Level::Error => hint(Scope::Table, Action::Back).map(|h| h.saying("dismiss")),
            _ => None,
        };
        let dismiss = hints::spans([dismiss], t);
        let dismiss_w: usize = dismiss.iter().map(Span::width).sum();
        let mut wrapped = wrap(&toast.text, text_w);
        wrapped.truncate(MAX_LINES);
        // the key ends the last line, or takes a line of its own
        let own_line = dismiss_w > 0
            && wrapped
                .last()
                .is_none_or(|l| l.width() + 2 + dismiss_w > text_w);
        if own_line {
            wrapped.truncate(MAX_LINES - 1);
        }
        let mut lines: Vec<Line> = wrapped
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let head = if i == 0 {
                    format!(" {sym} ")
                } else {
                    "   ".into()
                };
                Line::from(vec![Span::styled(head, style), Span::styled(l, style)])
            })
            .collect();
        if !dismiss.is_empty() {
            match lines.last_mut() {
                Some(last) if !own_line => {
                    last.spans.push(Span::raw("  "));
                    last.spans.extend(dismiss);
                }
                _ => {
                    let head = if lines.is_empty() {
                        Span::styled(format!(" {sym} "), style)
                    } else {
                        Span::raw("   ")
                    };
                    lines.push(Line::from([vec![head], dismiss].concat()));
                }
            }
        }
        let h = lines.len() as u16;
        if bottom < area.y + h {
            break;
        }
        bottom -= h;
        // as wide as its text, against the right edge
        let text_width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
        let width = (text_width + 1).min(area.width);
        let rect = Rect::new(area.x + area.width - width, bottom, width, h);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).style(t.toast()), rect);
    }
}
