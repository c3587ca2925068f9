//! The activity log's pane and the inspector of one request. Only the rows
//! on screen are built; every string in them was sanitized when recorded.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::fmt::{fit, thousands};
use super::hints;
use super::theme::Theme;
use crate::app::keymap::{self, Scope};
use crate::app::log::shown;
use crate::app::model::{Exchanged, Inspect, LogEntry, LogView, Logged, Model};
use crate::sanitize::sanitize_line;

fn clock(e: &LogEntry) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        e.at.hour(),
        e.at.minute(),
        e.at.second()
    )
}

/// A path as the log lists it: every UUID shortened to its first four
/// digits, and the query's brackets unescaped (`?page[number]=2`).
fn short_path(path: &str) -> String {
    shorten(path, 4)
}

/// A path with every UUID cut to its first `keep` digits.
fn shorten(path: &str, keep: usize) -> String {
    let path = path.replace("%5B", "[").replace("%5D", "]");
    let mut out = String::with_capacity(path.len());
    let mut rest = path.as_str();
    while !rest.is_empty() {
        let uuid = rest.get(..36).filter(|c| uuid::Uuid::try_parse(c).is_ok());
        match uuid {
            Some(id) => {
                out.push_str(&id[..keep]);
                out.push('…');
                rest = &rest[36..];
            }
            None => {
                let c = rest.chars().next().unwrap_or_default();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

fn millis(x: &Exchanged) -> String {
    format!("{} ms", x.latency.as_millis())
}

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, view: &LogView, t: &Theme) {
    frame.render_widget(Clear, area);
    let ids = shown(model, view);
    let mut title = vec![Span::styled(
        format!(
            " Activity: {} of the last {} ",
            thousands(ids.len()),
            thousands(model.log.len())
        ),
        t.title(),
    )];
    if view.writes_only {
        title.push(Span::styled("· writes only ", t.on()));
    }
    if view.errors_only {
        title.push(Span::styled("· errors only ", t.on()));
    }
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::from(title))
        .title_bottom(hints::line(keymap::footer(Scope::Log), t));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if ids.is_empty() {
        let empty = Line::from(Span::styled("Nothing yet.", t.dim()));
        frame.render_widget(Paragraph::new(empty), inner);
        return;
    }
    let rows_fit = inner.height as usize;
    let at = view
        .selected
        .and_then(|id| ids.iter().position(|x| *x == id))
        .unwrap_or(ids.len() - 1);
    // the selection in view, the newest at the bottom
    let start = (at + 1).saturating_sub(rows_fit);
    let start = start.min(ids.len().saturating_sub(rows_fit));
    let end = (start + rows_fit).min(ids.len());
    let first = model.log.front().map_or(0, |e| e.id);
    let width = inner.width as usize;
    // time, method, path, status, latency, what: the path takes what the
    // others leave, between PATH_MIN and PATH_MAX columns
    // `10:00:01 `, `PATCH  `, ` 422 `, `  42 ms `
    const FIXED: usize = 9 + 7 + 5 + 8;
    let what_w = width.saturating_sub(FIXED + PATH_MIN).min(40);
    let path_w = width.saturating_sub(FIXED + what_w).clamp(1, PATH_MAX);
    let lines: Vec<Line> = ids[start..end]
        .iter()
        .filter_map(|id| model.log.get((id - first) as usize))
        .enumerate()
        .map(|(i, e)| {
            let mut line = match &e.what {
                Logged::Request(x) => {
                    let status = match x.status {
                        Some(s) => s.to_string(),
                        None => "---".into(),
                    };
                    let style = if x.is_error() { t.error() } else { t.plain() };
                    // the status has its own column
                    let error = x.error.as_deref().unwrap_or_default();
                    let mut what = error
                        .strip_prefix(&format!("{status} "))
                        .unwrap_or(error)
                        .to_string();
                    if x.attempt > 0 {
                        what = format!("↻{} {what}", x.attempt);
                    }
                    Line::from(vec![
                        Span::styled(format!("{} ", clock(e)), t.dim()),
                        Span::styled(format!("{:<6} ", x.method), t.key()),
                        Span::raw(pad(&short_path(&x.path), path_w)),
                        Span::styled(format!(" {status:<3} "), style),
                        Span::styled(format!("{:>7} ", millis(x)), t.dim()),
                        Span::styled(fit(&what, what_w), style),
                    ])
                }
                Logged::Event(text) => Line::from(vec![
                    Span::styled(format!("{} ", clock(e)), t.dim()),
                    Span::styled("•      ", t.changed()),
                    Span::styled(fit(text, width.saturating_sub(9 + 7)), t.changed()),
                ]),
            };
            if start + i == at {
                line = line.style(t.selected());
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The narrowest and widest the path column gets.
const PATH_MIN: usize = 38;
const PATH_MAX: usize = 64;

/// `text` in exactly `width` columns: cut with `…`, or padded.
fn pad(text: &str, width: usize) -> String {
    let cut = fit(text, width);
    let used = unicode_width::UnicodeWidthStr::width(cut.as_str());
    format!("{cut}{}", " ".repeat(width.saturating_sub(used)))
}

/// A body as lines: pretty JSON when it is JSON, else as it came (said when
/// it was cut).
fn body_lines<'a>(body: &str, cut: bool, t: &Theme) -> Vec<Line<'a>> {
    let pretty = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    let text = pretty.as_deref().unwrap_or(body);
    // the indent of pretty JSON stays; the rest of each line is made safe
    let mut lines: Vec<Line> = text
        .lines()
        .map(|l| {
            let body = l.trim_start();
            let indent = &l[..l.len() - body.len()];
            Line::from(format!("{indent}{}", sanitize_line(body, 500)))
        })
        .collect();
    if text.trim().is_empty() {
        lines.push(Line::from(Span::styled("(empty)", t.dim())));
    }
    if cut {
        lines.push(Line::from(Span::styled(
            "… (cut: the log keeps the start of a body)",
            t.dim(),
        )));
    }
    lines
}

pub(super) fn inspect(frame: &mut Frame, area: Rect, model: &Model, inspect: &Inspect, t: &Theme) {
    frame.render_widget(Clear, area);
    let first = model.log.front().map_or(0, |e| e.id);
    let entry = inspect
        .entry
        .checked_sub(first)
        .and_then(|i| model.log.get(i as usize))
        .filter(|e| e.id == inspect.entry);
    let block = Block::bordered()
        .border_style(t.border())
        .title_bottom(hints::line(keymap::footer(Scope::Inspect), t));
    let Some(x) = entry.and_then(LogEntry::request) else {
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let gone = Line::from(Span::styled(
            "This request has left the log (it keeps the last few thousand).",
            t.dim(),
        ));
        frame.render_widget(Paragraph::new(gone), inner);
        return;
    };
    let status = x
        .status
        .map_or_else(|| "no answer".to_string(), |s| s.to_string());
    let title = Line::from(vec![
        Span::styled(format!(" {} ", x.method), t.key()),
        Span::styled(format!("{} ", shorten(&x.path, 8)), t.title()),
        Span::styled(format!("· {status} · {} ", millis(x)), t.dim()),
    ]);
    let block = block.title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(e) = &x.error {
        lines.push(Line::from(Span::styled(format!("✖ {e}"), t.error())));
    }
    if x.attempt > 0 {
        lines.push(Line::from(Span::styled(
            format!("retry {} of this request", x.attempt),
            t.dim(),
        )));
    }
    lines.push(Line::from(Span::styled("Request body", t.column_title())));
    match &x.request_body {
        Some(body) => lines.extend(body_lines(body, false, t)),
        None => lines.push(Line::from(Span::styled("(none)", t.dim()))),
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Response body", t.column_title())));
    lines.extend(body_lines(&x.response_body, x.cut, t));
    let max = lines.len().saturating_sub(inner.height as usize);
    let shown: Vec<Line> = lines.into_iter().skip(inspect.scroll.min(max)).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

#[cfg(test)]
mod tests {
    use super::short_path;

    #[test]
    fn paths_show_short_ids_and_plain_brackets() {
        assert_eq!(
            short_path(
                "/conferences/73612167-58e1-41b7-91fd-a4a803222b7b/participants?page%5Bnumber%5D=2"
            ),
            "/conferences/7361…/participants?page[number]=2"
        );
        assert_eq!(short_path("/conferences"), "/conferences");
        assert_eq!(short_path("/é/x"), "/é/x");
    }
}
