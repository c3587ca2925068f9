//! The participant table. Only the rows on screen are built: a frame costs
//! the same for 50 participants and 50,000.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row as TableRow, Table, TableState};

use super::fmt::{fit, short, since, spinner};
use super::message;
use super::theme::Theme;
use crate::app::find;
use crate::app::keymap::Scope;
use crate::app::model::{CHANGED_TTL, ConferenceView, Model, Row};
use crate::telnyx::ParticipantStatus;

const WIDTHS: [Constraint; 9] = [
    Constraint::Length(2), // marked ◆, then in flight / done / failed / changed
    Constraint::Min(12),   // label
    Constraint::Length(7), // status
    Constraint::Length(5), // muted
    Constraint::Length(4), // on hold
    Constraint::Length(3), // end on exit
    Constraint::Length(4), // soft end
    Constraint::Length(9), // beep
    Constraint::Length(6), // joined
];

const TITLES: [&str; 9] = [
    "", "LABEL", "STATUS", "MUTE", "HOLD", "END", "SOFT", "BEEP", "JOINED",
];

/// From this width on, the table also shows each call_control_id, and the
/// label stops growing.
pub(super) const WIDE: u16 = 130;
const WIDE_LABEL: u16 = 44;

fn columns(width: u16) -> (Vec<Constraint>, Vec<&'static str>) {
    let mut widths = WIDTHS.to_vec();
    let mut titles = TITLES.to_vec();
    if width >= WIDE {
        widths[1] = Constraint::Length(WIDE_LABEL);
        widths.push(Constraint::Fill(1));
        titles.push("CALL CONTROL ID");
    }
    (widths, titles)
}

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let Some(conf) = &model.conf else { return };
    if !conf.loaded {
        return placeholder(frame, area, model, conf, t);
    }
    if conf.rows.is_empty() {
        return message(
            frame,
            area,
            vec![Line::from(Span::styled("No participants.", t.dim()))],
        );
    }
    if conf.shown.is_empty() {
        return message(
            frame,
            area,
            vec![Line::from(Span::styled("Nobody matches.", t.dim()))],
        );
    }
    let window = conf.window(model.table_rows());
    let first = window.start;
    let wide = area.width >= WIDE;
    let needle = conf.find.needle();
    let (widths, titles) = columns(area.width);
    // the label column's width, as the table will lay it out (after the
    // highlight symbol): a longer label is cut with `…`, not silently
    let [_, cells] = Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let label_width = Layout::horizontal(widths.clone())
        .spacing(1)
        .split(cells)
        .get(1)
        .map_or(12, |r| r.width as usize);
    let rows: Vec<TableRow> = conf.shown[window]
        .iter()
        .map(|&i| build_row(model, conf, &conf.rows[i], &needle, wide, label_width, t))
        .collect();
    let header = TableRow::new(
        titles
            .into_iter()
            .map(|s| Cell::from(s).style(t.column_title())),
    );
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(t.selected())
        .highlight_symbol("›")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(conf.cursor.saturating_sub(first)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn yes(b: bool, word: &'static str, t: &Theme) -> Span<'static> {
    if b {
        Span::styled(word, t.on())
    } else {
        Span::styled("·", t.dim())
    }
}

/// `text` with the part the search matched highlighted (bold, underlined:
/// not colour alone).
fn highlighted(text: String, needle: &str, base: Style, t: &Theme) -> Line<'static> {
    match find::match_range(&text, needle) {
        Some(range) => Line::from(vec![
            Span::styled(text[..range.start].to_string(), base),
            Span::styled(text[range.clone()].to_string(), t.matched()),
            Span::styled(text[range.end..].to_string(), base),
        ]),
        None => Line::from(Span::styled(text, base)),
    }
}

fn build_row<'a>(
    model: &Model,
    conf: &ConferenceView,
    row: &Row,
    needle: &str,
    wide: bool,
    label_width: usize,
    t: &Theme,
) -> TableRow<'a> {
    let p = &row.p;
    let now = model.now;
    let pending = model.pending.get(&p.id);
    let changed = row.changed_at.is_some_and(|c| c + CHANGED_TTL > now);
    let outcome = model.outcomes.get(&p.id);
    let marked = if conf.marks.contains(&p.id) {
        Span::styled("◆", t.key())
    } else {
        Span::raw(" ")
    };
    let state = match (pending, outcome, changed) {
        (Some(_), _, _) => Span::styled(spinner(now), t.info()),
        (None, Some(o), _) if !o.ok => Span::styled("✖", t.error()),
        (None, Some(o), _) if o.at + CHANGED_TTL > now => Span::styled("✔", t.ok()),
        (None, _, true) => Span::styled("•", t.changed()),
        _ => Span::raw(" "),
    };
    // until its label is known, a participant shows a dim short call_control_id
    let gone = if row.gone { " (gone)" } else { "" };
    let room = label_width.saturating_sub(gone.len());
    let mut label = match model.known_label(&p.id) {
        Some(label) => highlighted(fit(&label, room), needle, Style::new(), t),
        None => Line::from(Span::styled(fit(&model.label_of(p), room), t.dim())),
    };
    if row.gone {
        label.push_span(Span::styled(gone, t.dim()));
    }
    let status = match &p.status {
        _ if row.gone => Span::raw("gone"),
        ParticipantStatus::Joining => Span::styled("joining", t.info()),
        ParticipantStatus::Joined => Span::raw("joined"),
        ParticipantStatus::Left => Span::raw("left"),
        ParticipantStatus::Unknown(s) => {
            Span::styled(crate::sanitize::sanitize_line(s, 7), t.error())
        }
    };
    let beep = match model.beeps.get(&p.id) {
        // what this console last set, marked as such: the API never returns it
        Some(b) => Span::styled(format!("{b}*"), t.plain()),
        None => Span::styled("?", t.dim()),
    };
    let joined = row
        .joined_at
        .map(|j| short(since(now, j)))
        .unwrap_or_else(|| "?".into());
    // an ended conference greys every row: nobody can be changed any more
    let style = if !row.is_present() || conf.ended.is_some() {
        t.left()
    } else if changed {
        t.changed()
    } else {
        Style::new()
    };
    let mut cells = vec![
        Cell::from(Line::from(vec![marked, state])),
        Cell::from(label),
        Cell::from(status),
        Cell::from(yes(p.muted, "muted", t)),
        Cell::from(yes(p.on_hold, "hold", t)),
        Cell::from(yes(p.end_conference_on_exit, "yes", t)),
        Cell::from(yes(p.soft_end_conference_on_exit, "yes", t)),
        Cell::from(beep),
        Cell::from(joined),
    ];
    if wide {
        let ccid = crate::sanitize::sanitize_line(&p.call_control_id, 80);
        cells.push(Cell::from(highlighted(ccid, needle, t.dim(), t)));
    }
    TableRow::new(cells).style(style)
}

/// Before the first list arrives: loading, or why it cannot.
fn placeholder(frame: &mut Frame, area: Rect, model: &Model, conf: &ConferenceView, t: &Theme) {
    let lines = match &conf.load.failure {
        None => vec![Line::from(Span::styled(
            format!("{} loading participants…", spinner(model.now)),
            t.info(),
        ))],
        Some((e, _)) => super::failure_lines(
            model,
            &conf.load,
            e,
            "participants",
            Scope::Table,
            area.width,
            t,
        ),
    };
    message(frame, area, lines);
}
