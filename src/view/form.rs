//! The edit form and the confirmation it may ask for.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::fmt::{fit_line, spinner, thousands};
use super::hints;
use super::theme::Theme;
use crate::app::form::{Field, Form};
use crate::app::keymap::{self, Scope};
use crate::app::model::{Confirm, Model, Row, TypeToConfirm};
use crate::app::writes;
use crate::sanitize::sanitize_line;
use crate::telnyx::UpdateParticipant;

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
    let Some(conf) = model.conf.as_ref() else {
        return;
    };
    let rows: Vec<&Row> = form.targets.iter().filter_map(|id| conf.row(id)).collect();
    let title = match form.single() {
        Some(id) => format!(" Edit {} ", model.label_by_id(id)),
        None => format!(" Edit {} participants ", thousands(form.targets.len())),
    };
    const WIDTH: u16 = 72;
    let inner_width = WIDTH.min(area.width).saturating_sub(2);

    let mut lines = vec![Line::from(vec![
        Span::raw(" ".repeat(NAME_W + 2)),
        Span::styled(pad("now", SERVER_W), t.column_title()),
        Span::raw("   "),
        Span::styled("pending", t.column_title()),
    ])];
    for field in Field::ALL {
        lines.push(field_line(model, form, &rows, field, t));
    }
    lines.push(Line::default());
    // the exact body, wrapped rather than cut; for many, how many it goes to
    let changed: Vec<UpdateParticipant> = rows
        .iter()
        .filter(|r| r.is_present())
        .map(|r| form.changes(&r.p))
        .filter(|u| !u.is_empty())
        .collect();
    match changed.first() {
        None => lines.push(Line::from(vec![
            Span::styled("PATCH ", t.key()),
            Span::styled("no change yet", t.dim()),
        ])),
        Some(first) => {
            let body = serde_json::to_string(first).unwrap_or_default();
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
            if form.single().is_none() {
                let already = rows.len() - changed.len();
                let mut to = format!("      to {} participants", thousands(changed.len()));
                if already > 0 {
                    to.push_str(&format!(" ({} already have it)", thousands(already)));
                }
                lines.push(Line::from(Span::styled(to, t.dim())));
            }
        }
    }
    lines.push(
        match (&form.submitting, writes::form_blocked(model, form)) {
            (_, Some(why)) => Line::from(Span::styled(format!("✖ {why}"), t.error())),
            (Some(_), None) => Line::from(Span::styled(
                format!("{} saving…", spinner(model.now)),
                t.info(),
            )),
            (None, None) => Line::default(),
        },
    );
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
        .title(Span::styled(title, t.title()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| fit_line(l, inner.width as usize))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What the targets have now: `yes`, `no`, or the mix (`yes 3 · no 9`).
fn now_of(rows: &[&Row], value: impl Fn(&Row) -> bool) -> String {
    let yes = rows.iter().filter(|r| value(r)).count();
    match (yes, rows.len() - yes) {
        (0, _) => "no".into(),
        (_, 0) => "yes".into(),
        (y, n) => format!("yes {} · no {}", thousands(y), thousands(n)),
    }
}

fn field_line<'a>(model: &Model, form: &Form, rows: &[&Row], field: Field, t: &Theme) -> Line<'a> {
    let focused = form.focus == field;
    let (server, pending): (String, Option<String>) = match field {
        Field::EndOnExit => (
            now_of(rows, |r| r.p.end_conference_on_exit),
            form.end_on_exit.map(|v| yes_no(v).into()),
        ),
        Field::SoftEnd => (
            now_of(rows, |r| r.p.soft_end_conference_on_exit),
            form.soft_end.map(|v| yes_no(v).into()),
        ),
        Field::Beep => (
            match rows {
                [one] => match model.beeps.get(&one.p.id) {
                    Some(b) => format!("? (set {b}*)"),
                    None => "? (unknown)".into(),
                },
                _ => "? (write-only)".into(),
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

/// A change waiting for `y`: what it will do, in the operator's words.
pub(super) fn confirm(frame: &mut Frame, area: Rect, c: &Confirm, t: &Theme) {
    const WIDTH: u16 = 64;
    let inner_width = WIDTH.min(area.width).saturating_sub(2);
    let mut lines = vec![Line::from(Span::styled(
        sanitize_line(&format!("{}?", capital(&c.title)), 200),
        t.title(),
    ))];
    for text in &c.lines {
        lines.extend(super::wrapped(text, inner_width, t.plain()));
    }
    lines.push(Line::default());
    lines.push(hints::line(keymap::footer(Scope::Confirm), t));
    let rect = popup(area, WIDTH, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(t.danger_border())
        .title(Span::styled(" Confirm ", t.error()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Ending the conference: the operator types the start of its name.
pub(super) fn type_to_confirm(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    c: &TypeToConfirm,
    t: &Theme,
) {
    const WIDTH: u16 = 64;
    let inner_width = WIDTH.min(area.width).saturating_sub(2);
    let name = model
        .conf
        .as_ref()
        .and_then(|conf| conf.conference.as_ref())
        .map(|conference| sanitize_line(&conference.name, 60))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "this conference".into());
    let mut lines = super::wrapped(
        &format!("End {name} for everyone? Every participant still in it is hung up."),
        inner_width,
        t.plain(),
    );
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::raw("Type "),
        Span::styled(format!("\"{}\"", c.expected), t.title()),
        Span::raw(" to confirm:"),
    ]));
    let typed = sanitize_line(c.input.value(), 60);
    let right = typed == c.expected;
    lines.push(Line::from(vec![
        Span::styled("> ", t.key()),
        Span::raw(typed),
        Span::styled("▏", t.key()),
        Span::styled(if right { "  ✔" } else { "" }, t.ok()),
    ]));
    lines.push(Line::default());
    lines.push(hints::line(keymap::footer(Scope::TypeToConfirm), t));
    let rect = popup(area, WIDTH, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(t.danger_border())
        .title(Span::styled(" End the conference ", t.error()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
