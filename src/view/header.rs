//! The two header lines: what is open, where, and how fresh it is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{fit_line, secs_until, short, since, spinner, thousands};
use super::hints;
use super::theme::Theme;
use crate::app::keymap::{Action, Scope, hint};
use crate::app::model::{Load, Model, Quick};
use crate::sanitize::sanitize_line;
use crate::telnyx::ErrorKind;

/// Draws `left` and `right` on one line; the right part wins when space is short.
pub(super) fn split_line(frame: &mut Frame, area: Rect, left: Line, right: Line) {
    split_line_max(frame, area, left, right, area.width / 2 + area.width / 4);
}

/// [`split_line`] with the right part at most `right_max` columns wide.
pub(super) fn split_line_max(
    frame: &mut Frame,
    area: Rect,
    left: Line,
    right: Line,
    right_max: u16,
) {
    // one column of air between the two parts
    let right_w = (right.width() as u16 + 1).min(right_max);
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(right_w)]).areas(area);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right).right_aligned(), r);
}

/// Draws `left` whole and `right` in what is left of the line, cut at its
/// end with `…` when it does not fit: for a line whose left part must stay
/// readable (the counts) and whose right part is a passing notice.
pub(super) fn split_line_keep_left(
    frame: &mut Frame,
    area: Rect,
    left: Line,
    right: Line<'static>,
) {
    let left_w = (left.width() as u16).min(area.width);
    // one column of air between the two parts
    let room = area.width.saturating_sub(left_w + 1);
    let right = fit_line(right, usize::from(room));
    split_line_max(frame, area, left, right, room);
}

/// The right side of the first line: API host and badges.
pub(super) fn badges<'a>(model: &Model, t: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!("api {} ", model.ctx.api_host),
        t.dim(),
    )];
    if model.ctx.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" DEMO ", t.badge(Color::Magenta)));
    }
    if model.ctx.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", t.badge(Color::Yellow)));
    }
    if model.journal_trouble.is_some() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" NOT AUDITED ", t.badge(Color::Red)));
    }
    Line::from(spans)
}

/// "updated 2s ago", "loading…" or "offline: <reason>, retrying in 4s"; when
/// no retry is coming, the key of `scope` that retries.
pub(super) fn freshness(model: &Model, load: &Load, scope: Scope, t: &Theme) -> Line<'static> {
    let now = model.now;
    // one message for the connection: a failed load says when it tries
    // again and that `r` tries now; a retry in flight shows only otherwise
    let retry_key = hint(scope, Action::Refresh);
    if let Some((e, retry)) = &load.failure {
        let offline = matches!(
            e.kind,
            ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::RateLimited
        );
        let mut text = if offline {
            format!("✖ offline: {}", e.summary())
        } else {
            format!("✖ {}", e.summary())
        };
        let key = match retry {
            _ if load.in_flight.is_some() => {
                text.push_str(" · retrying now");
                None
            }
            Some(at) => {
                text.push_str(&format!(" · retrying in {}s", secs_until(now, *at)));
                retry_key.map(|h| h.saying("now"))
            }
            None => retry_key.map(|h| h.saying("retry")),
        };
        return hints::after(Span::styled(text, t.error()), [key], t);
    }
    if let Some((line, _)) = &model.activity {
        return Line::from(Span::styled(format!("↻ {line}"), t.info()));
    }
    match (load.last_ok, load.in_flight) {
        (None, _) => Line::from(Span::styled(format!("{} loading…", spinner(now)), t.info())),
        (Some(at), in_flight) => {
            let mark = if in_flight.is_some() { "⟳" } else { "●" };
            Line::from(vec![
                Span::styled(format!("{mark} "), t.ok()),
                Span::styled(format!("updated {} ago", short(since(now, at))), t.dim()),
            ])
        }
    }
}

/// Header of the participant table.
pub(super) fn conference(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let Some(conf) = &model.conf else { return };
    let [l1, l2] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);

    let name = conf
        .conference
        .as_ref()
        .map(|c| sanitize_line(&c.name, 80))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "conference".into());
    let mut left = vec![
        Span::styled("confmod", t.title()),
        Span::styled(" ▸ ", t.dim()),
        Span::styled(name, t.title()),
    ];
    let status = conf.conference.as_ref().and_then(|c| c.status.as_ref());
    // once a write said the conference ended, an older "in_progress" is stale
    if let Some(status) = status.filter(|_| conf.ended.is_none()) {
        left.push(Span::styled(
            format!("  {}", sanitize_line(status.as_str(), 20)),
            t.dim(),
        ));
    }
    if conf.ended.is_some() {
        left.push(Span::styled("  ■ ended", t.error()));
    }
    split_line(frame, l1, Line::from(left), badges(model, t));

    let (joining, joined, gone) = conf.counts;
    // the whole id when there is room, else its first block
    let id = conf.id.to_string();
    let id = if area.width >= 100 || id.chars().count() <= 12 {
        id
    } else {
        format!("{}…", id.chars().take(8).collect::<String>())
    };
    let mut counts = vec![Span::styled(id, t.dim()), Span::raw("  ")];
    if conf.loaded {
        counts.extend([
            Span::styled(format!("{joined}"), t.on()),
            Span::raw(" joined "),
            Span::styled(format!("{joining}"), t.on()),
            Span::raw(" joining "),
            Span::styled(format!("{gone}"), t.on()),
            Span::raw(" left"),
        ]);
    } else {
        // before the first list, no count: zeros would look real
        counts.push(Span::styled("participants loading…", t.dim()));
    }
    if conf.rejected > 0 {
        counts.push(Span::styled(
            format!("  ({} unreadable)", conf.rejected),
            t.error(),
        ));
    }
    // the listing stopped early: the rows may not be everyone (why: the log)
    if conf.warning.is_some() {
        counts.push(Span::styled("  ⚠ incomplete listing", t.error()));
    }
    let mut fresh = freshness(model, &conf.load, Scope::Table, t);
    // refreshes slowed for a large conference or a low rate budget: say so
    if conf.load.failure.is_none() && conf.interval > model.ctx.refresh {
        fresh.push_span(Span::styled(
            format!(" · every {}", short(conf.interval)),
            t.dim(),
        ));
    }
    if conf.load.failure.is_some() {
        // offline: what failed and when it tries again matter more than
        // counts that are no longer fresh
        split_line(frame, l2, Line::from(counts), fresh);
    } else {
        // the counts stay whole; a passing notice is cut at its end
        split_line_keep_left(frame, l2, Line::from(counts), fresh);
    }
}

/// The line above the table: the search (or how many are shown), the quick
/// filter, the order, the marks, and where the selection is.
pub(super) fn view_line(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let Some(conf) = &model.conf else { return };
    // an ended conference: the banner, at once, in place of the view line
    if let Some(ended) = &conf.ended {
        let mut text = String::from(" ■ This conference has ended");
        if let Some(at) = ended.at {
            text.push_str(&format!(
                " at {:02}:{:02}:{:02} UTC ({} ago)",
                at.hour(),
                at.minute(),
                at.second(),
                short(since(model.now, at))
            ));
        }
        if let Some(why) = ended.why() {
            text.push_str(&format!(": {why}"));
        }
        text.push_str(". Nothing can be changed any more. ");
        let line = Line::from(Span::styled(text, t.banner()));
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let find = &conf.find;
    let (joining, joined, left) = conf.counts;
    let total = joining + joined + left;
    let shown = conf.shown.len();
    let mut spans = Vec::new();
    let search = find.search.value();
    if find.typing || !search.is_empty() {
        let width = area.width.saturating_sub(40).max(8) as usize;
        let scroll = find.search.visual_scroll(width);
        let visible: String = search.chars().skip(scroll).collect();
        spans.push(Span::styled("/ ", t.key()));
        spans.push(Span::raw(sanitize_line(&visible, width)));
        if find.typing {
            spans.push(Span::styled("▏", t.key()));
        }
        spans.push(Span::raw("  "));
    }
    if find.narrows() {
        spans.push(Span::styled(
            format!("{} of {}", thousands(shown), thousands(total)),
            t.on(),
        ));
    } else {
        spans.push(Span::styled(
            format!("{} participants", thousands(total)),
            t.dim(),
        ));
    }
    if find.quick != Quick::All {
        spans.push(Span::styled(format!(" · {}", find.quick.name()), t.on()));
    }
    spans.push(Span::styled(
        format!(" · sort: {}", find.sort.name()),
        t.dim(),
    ));
    if !conf.marks.is_empty() {
        spans.push(Span::styled(
            format!(" · ◆ {} marked", thousands(conf.marks.len())),
            t.key(),
        ));
    }
    // a search finds people by label only once their label is known
    if !find.needle().is_empty() {
        let known = conf.labels_known;
        if known < conf.rows.len() {
            spans.push(Span::styled(
                format!(
                    " · labels {}/{}",
                    thousands(known),
                    thousands(conf.rows.len())
                ),
                t.dim(),
            ));
        }
    }
    let position = if shown == 0 {
        Line::default()
    } else {
        Line::from(Span::styled(
            format!("row {} / {}", thousands(conf.cursor + 1), thousands(shown)),
            t.dim(),
        ))
    };
    split_line(frame, area, Line::from(spans), position);
}

/// Header of the conference picker.
pub(super) fn picker(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let [l1, l2] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let left = Line::from(vec![
        Span::styled("confmod", t.title()),
        Span::styled(" ▸ ", t.dim()),
        Span::styled("conferences", t.title()),
    ]);
    split_line(frame, l1, left, badges(model, t));

    let p = &model.picker;
    let shown = p.visible().len();
    let filter = p.filter.value();
    let left = if p.filtering || !filter.is_empty() {
        let width = l2.width.saturating_sub(24).max(8) as usize;
        let scroll = p.filter.visual_scroll(width);
        let visible: String = filter.chars().skip(scroll).collect();
        let mut spans = vec![
            Span::styled("/ ", t.key()),
            Span::raw(sanitize_line(&visible, width)),
        ];
        if p.filtering {
            spans.push(Span::styled("▏", t.key()));
        }
        spans.push(Span::styled(
            format!("  {shown} of {}", p.conferences.len()),
            t.dim(),
        ));
        Line::from(spans)
    } else if p.load.last_ok.is_some() {
        let ended = p.ended.len();
        let live = shown.saturating_sub(ended);
        let mut text = format!("{live} conference{}", if live == 1 { "" } else { "s" });
        if ended > 0 {
            text.push_str(&format!(" · {ended} ended lately"));
        }
        Line::from(Span::styled(text, t.dim()))
    } else {
        Line::default()
    };
    // The picker refreshes by itself, slowly: an absolute time says how
    // fresh the list is without ticking.
    let right = match (&p.load.failure, p.load.last_ok) {
        (None, Some(at)) if p.load.in_flight.is_none() => Line::from(vec![
            Span::styled("● ", t.ok()),
            Span::styled(
                format!(
                    "loaded {:02}:{:02}:{:02} UTC",
                    at.hour(),
                    at.minute(),
                    at.second()
                ),
                t.dim(),
            ),
        ]),
        _ => freshness(model, &p.load, Scope::Picker, t),
    };
    if left.width() + right.width() + 2 > l2.width as usize && p.filtering {
        // typing wins over the freshness line
        frame.render_widget(Paragraph::new(left), l2);
    } else {
        split_line(frame, l2, left, right);
    }
}
