//! The edit form and the confirmation it may ask for.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::fmt::spinner;
use super::hints;
use super::theme::Theme;
use crate::app::form::{Field, Form};
use crate::app::keymap::{self, Scope};
use crate::app::model::Model;
use crate::telnyx::Participant;

const NAME_W: usize = 29;
const SERVER_W: usize = 18;

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    )
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn pad(s: &str, w: usize) -> String {
    format!("{s:<w$}")
}

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, form: &Form, t: &Theme) {
    let Some(row) = model
        .conf
        .as_ref()
        .and_then(|c| c.row(&form.participant_id))
    else {
        return;
    };
    let p = &row.p;
    let label = model.label_of(p);
    const WIDTH: u16 = 72;
    let inner_width = WIDTH.min(area.width).saturating_sub(2);

    let mut lines = vec![Line::from(vec![
        Span::raw(" ".repeat(NAME_W + 2)),
        Span::styled(pad("server", SERVER_W), t.column_title()),
        Span::raw("   "),
        Span::styled("pending", t.column_title()),
    ])];
    for field in Field::ALL {
        lines.push(field_line(model, form, p, field, t));
    }
    lines.push(Line::default());
    let changes = form.changes(p);
    if changes.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("PATCH ", t.key()),
            Span::styled("no change yet", t.dim()),
        ]));
    } else {
        // the exact body, wrapped rather than cut
        let body = serde_json::to_string(&changes).unwrap_or_default();
        let width = inner_width.saturating_sub(6) as usize;
        for (i, part) in super::fmt::wrap_after_commas(&body, width)
            .into_iter()
            .enumerate()
        {
            let head = if i == 0 { "PATCH " } else { "      " };
            lines.push(Line::from(vec![
                Span::styled(head, t.key()),
                Span::raw(part),
            ]));
        }
    }
    lines.push(match form.submitting {
        Some(_) => Line::from(Span::styled(
            format!("{} saving…", spinner(model.now)),
            t.info(),
        )),
        None => Line::default(),
    });
    lines.push(Line::from(Span::styled(
        "beep_enabled is write-only: * marks the value last set from here",
        t.dim(),
    )));
    // the form's keys, as the footer says them
    lines.push(hints::line(keymap::footer(Scope::Form), t));
    let rect = popup(area, WIDTH, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(t.border())
        .title(Span::styled(format!(" Edit {label} "), t.title()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn field_line<'a>(
    model: &Model,
    form: &Form,
    p: &Participant,
    field: Field,
    t: &Theme,
) -> Line<'a> {
    let focused = form.focus == field;
    let (server, pending): (String, Option<String>) = match field {
        Field::EndOnExit => (
            yes_no(p.end_conference_on_exit).into(),
            form.end_on_exit.map(|v| yes_no(v).into()),
        ),
        Field::SoftEnd => (
            yes_no(p.soft_end_conference_on_exit).into(),
            form.soft_end.map(|v| yes_no(v).into()),
        ),
        Field::Beep => (
            match model.beeps.get(&p.id) {
                Some(b) => format!("? (set {b}*)"),
                None => "? (unknown)".into(),
            },
            form.beep.map(|b| b.to_string()),
        ),
    };
    let marker = if focused { "▸ " } else { "  " };
    let name_style = if focused { t.selected() } else { t.plain() };
    let pending_span = match pending {
        Some(v) => Span::styled(format!("→  {v}"), t.changed()),
        None => Span::styled("   unchanged", t.dim()),
    };
    Line::from(vec![
        Span::styled(marker, t.key()),
        Span::styled(pad(field.name(), NAME_W), name_style),
        Span::raw(pad(&server, SERVER_W)),
        Span::raw(" "),
        pending_span,
    ])
}

pub(super) fn confirm(frame: &mut Frame, area: Rect, model: &Model, form: &Form, t: &Theme) {
    let label = model.label_by_id(&form.participant_id);
    let rect = popup(area, 64, 7);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(t.danger_border())
        .title(Span::styled(" Confirm ", t.error()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = vec![Line::from(vec![
        Span::raw("Set "),
        Span::styled("end_conference_on_exit", t.title()),
        Span::raw(" for "),
        Span::styled(label, t.title()),
        Span::raw("?"),
    ])];
    lines.extend(super::wrapped(
        "When this participant leaves, the conference ends and everyone still in it is hung up.",
        inner.width,
        t.plain(),
    ));
    lines.push(Line::default());
    lines.push(hints::line(keymap::footer(Scope::Confirm), t));
    frame.render_widget(Paragraph::new(lines), inner);
}
