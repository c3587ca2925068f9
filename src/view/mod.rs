//! `view(&Model, &mut Frame)`: the whole screen as a function of the model.
//! It reads nothing else (no clock, no terminal queries) and builds only what
//! is on screen. Every server-supplied string is sanitized before it is drawn.

mod fmt;
mod footer;
mod form;
mod header;
mod help;
mod hints;
mod log;
mod picker;
mod run;
mod table;
mod theme;
mod toast;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::keymap::{self, Action, Scope};
use crate::app::layout::{self, FOOTER_LINES, HEADER_LINES, MIN_HEIGHT, MIN_WIDTH, RUN_LINES};
use crate::app::model::{Load, Model, Overlay, Screen};
use crate::app::update::scope;
use crate::telnyx::{ApiError, ErrorKind};
use theme::Theme;

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let t = Theme::new(model.ctx.no_color);
    if layout::too_small(area.width, area.height) {
        return too_small(frame, area, model, &t);
    }
    let table = model.screen == Screen::Table;
    let run_lines = if table && model.run_shown() {
        RUN_LINES
    } else {
        0
    };
    let [head, view_line, body, run_line, foot] = Layout::vertical([
        Constraint::Length(HEADER_LINES),
        Constraint::Length(u16::from(table)),
        Constraint::Min(0),
        Constraint::Length(run_lines),
        Constraint::Length(FOOTER_LINES),
    ])
    .areas(area);
    match model.screen {
        Screen::Picker => {
            header::picker(frame, head, model, &t);
            picker::render(frame, body, model, &t);
        }
        Screen::Table => {
            header::conference(frame, head, model, &t);
            header::view_line(frame, view_line, model, &t);
            table::render(frame, body, model, &t);
            run::render(frame, run_line, model, &t);
        }
    }
    footer::render(frame, foot, model, &t);
    match &model.overlay {
        Some(Overlay::Form(f)) => form::render(frame, body, model, f, &t),
        Some(Overlay::Confirm(c)) => form::confirm(frame, body, c, &t),
        Some(Overlay::TypeToConfirm(c)) => form::type_to_confirm(frame, body, model, c, &t),
        Some(Overlay::Log(v)) => log::render(frame, body, model, v, &t),
        Some(Overlay::Inspect(i)) => log::inspect(frame, body, model, i, &t),
        Some(Overlay::Help) => help::render(frame, area, model, &t),
        None => {}
    }
    // over the log and the inspector, toasts stay above their bottom border,
    // which holds their keys
    let toasts = match &model.overlay {
        Some(Overlay::Log(_) | Overlay::Inspect(_)) => Rect {
            height: body.height.saturating_sub(1),
            ..body
        },
        _ => body,
    };
    toast::render(frame, toasts, model, &t);
}

fn too_small(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let quit = keymap::pair(scope(model), Action::Quit, Action::ForceQuit, "quit");
    let lines = vec![
        Line::from(Span::styled("terminal too small", t.error())),
        Line::from(format!(
            "{}x{}: confmod needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        )),
        hints::line([quit], t),
    ];
    message(frame, area, lines);
}

/// Lines centered in `area` (empty and error states).
pub fn message(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    let height = (lines.len() as u16).min(area.height);
    let top = area.y + area.height.saturating_sub(height) / 2;
    let rect = Rect::new(area.x, top, area.width, height);
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

/// `text` wrapped to `width` columns, one `Line` per row.
pub fn wrapped(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    fmt::wrap(text, width.max(10) as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect()
}

/// The full-screen explanation of a load that failed before anything arrived,
/// with the keys of `scope` that help.
pub fn failure_lines(
    model: &Model,
    load: &Load,
    e: &ApiError,
    what: &str,
    scope: Scope,
    width: u16,
    t: &Theme,
) -> Vec<Line<'static>> {
    let headline = match e.kind {
        ErrorKind::Auth => "The API refused the key.".to_string(),
        ErrorKind::ConferenceNotFound => "This conference does not exist.".to_string(),
        ErrorKind::Connection | ErrorKind::Timeout => {
            format!("Cannot reach the API at {}.", model.ctx.api_host)
        }
        _ => format!("Cannot load the {what}."),
    };
    let mut lines = vec![
        Line::from(Span::styled(headline, t.error())),
        Line::default(),
    ];
    lines.extend(wrapped(&e.to_string(), width.saturating_sub(8), t.plain()));
    lines.push(Line::default());
    let retry = |what| keymap::hint(scope, Action::Refresh).map(|h| h.saying(what));
    // from the participants, Esc goes back to the conferences
    let back = keymap::hint(scope, Action::Back)
        .filter(|_| scope == Scope::Table)
        .map(|h| h.saying("conferences"));
    let quit = keymap::hint(scope, Action::Quit);
    let retry_at = load.failure.as_ref().and_then(|(_, r)| *r);
    let (lead, keys) = match (e.kind, retry_at) {
        (ErrorKind::Auth, _) => (
            Some("Check TELNYX_API_KEY (or --api-key-file).".to_string()),
            [retry("retry"), back, quit],
        ),
        _ if load.in_flight.is_some() => (Some("retrying now…".into()), [None, back, quit]),
        (_, Some(at)) => (
            Some(format!("retrying in {}s", fmt::secs_until(model.now, at))),
            [retry("retry now"), back, quit],
        ),
        (_, None) => (None, [retry("retry"), back, quit]),
    };
    lines.push(match lead {
        Some(lead) => hints::after(Span::styled(lead, t.dim()), keys, t),
        None => hints::line(keys, t),
    });
    lines
}
