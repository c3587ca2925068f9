//! Toasts: short notes stacked above the footer. Successes fade by
//! themselves; errors stay until Esc.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::fmt::wrap;
use super::theme::Theme;
use crate::app::model::{Level, Model};

/// At most this many lines of one toast.
const MAX_LINES: usize = 4;

pub fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
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
        let mut text = toast.text.clone();
        if toast.level == Level::Error {
            text.push_str("  (Esc dismisses)");
        }
        let mut wrapped = wrap(&text, text_w);
        wrapped.truncate(MAX_LINES);
        let h = wrapped.len() as u16;
        if bottom < area.y + h {
            break;
        }
        bottom -= h;
        // as wide as its text, against the right edge
        let text_width = wrapped.iter().map(|l| l.width()).max().unwrap_or(0) as u16;
        let width = (text_width + 4).min(area.width);
        let rect = Rect::new(area.x + area.width - width, bottom, width, h);
        let lines: Vec<Line> = wrapped
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
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).style(t.toast()), rect);
    }
}
