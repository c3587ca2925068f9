//! The conference picker.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table, TableState};

use super::fmt::{short, since, spinner};
use super::theme::Theme;
use super::{hints, message};
use crate::app::keymap::{Action, Scope, hint};
use crate::app::layout;
use crate::app::model::{Ended, Model, parse_time};
use crate::sanitize::sanitize_line;
use crate::telnyx::ConferenceStatus;

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let p = &model.picker;
    if p.conferences.is_empty() {
        let lines = match (&p.load.failure, p.load.last_ok) {
            (Some((e, _)), _) => super::failure_lines(
                model,
                &p.load,
                e,
                "conferences",
                Scope::Picker,
                area.width,
                t,
            ),
            (None, None) => vec![Line::from(Span::styled(
                format!("{} loading conferences…", spinner(model.now)),
                t.info(),
            ))],
            (None, Some(_)) => vec![
                Line::from(Span::styled(
                    "No conference is in progress or waiting to start.",
                    t.dim(),
                )),
                hints::line(
                    [
                        hint(Scope::Picker, Action::Refresh),
                        hint(Scope::Picker, Action::Quit),
                    ],
                    t,
                ),
            ],
        };
        return message(frame, area, lines);
    }
    let visible = p.visible();
    if visible.is_empty() {
        return message(
            frame,
            area,
            vec![hints::after(
                Span::styled("No conference matches the filter.", t.dim()),
                [hint(Scope::Picker, Action::Back)],
                t,
            )],
        );
    }
    let rows_fit = layout::table_rows(model.size.1);
    // a narrow screen gives the names the room, and the ids their start
    let wide = area.width >= 110;
    let id_w: u16 = if wide { 36 } else { 9 };
    // what the name column gets: the rest, less the spacing and the marker
    let name_w = area.width.saturating_sub(15 + id_w + 10 + 3 * 2 + 1) as usize;
    let start = p.offset.min(visible.len());
    let end = (start + rows_fit).min(visible.len());
    let rows: Vec<Row> = visible[start..end]
        .iter()
        .map(|&i| {
            let c = &p.conferences[i];
            let created = parse_time(&c.created_at)
                .map(|at| format!("{} ago", short(since(model.now, at))))
                .unwrap_or_else(|| "?".into());
            let name = super::fmt::fit(&sanitize_line(&c.name, 120), name_w);
            let id = sanitize_line(&c.id, 40);
            let id = if wide {
                Span::styled(id, t.dim())
            } else {
                Span::styled(super::fmt::fit(&id, 9), t.dim())
            };
            match (&c.status, p.ended.get(&c.id)) {
                (Some(ConferenceStatus::Completed), noticed) => {
                    let ended = Ended {
                        reason: c.end_reason.clone(),
                        at: None,
                    };
                    let mut status = "■ ended".to_string();
                    if let Some(at) = noticed {
                        status.push_str(&format!(" {} ago", short(since(model.now, *at))));
                    }
                    let name = match ended.why() {
                        Some(why) => format!("{name} ({why})"),
                        None => name,
                    };
                    let name = super::fmt::fit(&name, name_w);
                    Row::new(vec![
                        Cell::from(name),
                        Cell::from(status),
                        Cell::from(id),
                        Cell::from(created),
                    ])
                    .style(t.dim())
                }
                (Some(ConferenceStatus::Init), _) => Row::new(vec![
                    Cell::from(name),
                    Cell::from(Span::styled("◌ waiting", t.info())),
                    Cell::from(id),
                    Cell::from(created),
                ]),
                (Some(ConferenceStatus::Unknown(other)), _) => Row::new(vec![
                    Cell::from(name),
                    Cell::from(Span::styled(
                        format!("? {}", sanitize_line(other, 12)),
                        t.dim(),
                    )),
                    Cell::from(id),
                    Cell::from(created),
                ]),
                _ => Row::new(vec![
                    Cell::from(name),
                    Cell::from(Span::styled("● live", t.ok())),
                    Cell::from(id),
                    Cell::from(created),
                ]),
            }
        })
        .collect();
    let header = Row::new(
        ["NAME", "STATUS", "ID", "CREATED"].map(|s| Cell::from(s).style(t.column_title())),
    );
    let table = Table::new(
        rows,
        [
            Constraint::Min(16),
            Constraint::Length(15),
            Constraint::Length(id_w),
            Constraint::Length(10),
        ],
    )
    .header(header)
    .column_spacing(2)
    .row_highlight_style(t.selected())
    .highlight_symbol("›")
    .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(p.cursor.saturating_sub(start)));
    frame.render_stateful_widget(table, area, &mut state);
}
