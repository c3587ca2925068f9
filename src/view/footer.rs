//! The footer: key hints of the current scope, from the keymap, and the
//! client's latest retry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::header::split_line_max;
use super::theme::Theme;
use crate::app::keymap;
use crate::app::model::Model;
use crate::app::update::scope;

pub fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let mut spans = Vec::new();
    for (i, (keys, what)) in keymap::footer(scope(model)).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(keys, t.key()));
        spans.push(Span::styled(format!(" {what}"), t.dim()));
    }
    let right = match &model.activity {
        Some((line, _)) => Line::from(Span::styled(format!("↻ {line}"), t.info())),
        None => Line::default(),
    };
    // the key hints keep at least half of the line
    split_line_max(frame, area, Line::from(spans), right, area.width / 2);
}
