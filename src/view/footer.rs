//! The footer: key hints of the current scope, from the keymap, and the
//! client's latest retry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::header::split_line_max;
use super::hints;
use super::theme::Theme;
use crate::app::keymap;
use crate::app::model::Model;
use crate::app::update::scope;

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let keys = hints::line(keymap::footer(scope(model)), t);
    let right = match &model.activity {
        Some((line, _)) => Line::from(Span::styled(format!("↻ {line}"), t.info())),
        None => Line::default(),
    };
    // the key hints keep at least half of the line
    split_line_max(frame, area, keys, right, area.width / 2);
}
