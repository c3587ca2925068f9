//! Small text helpers of the view: relative times, spinners, wrapping.

use std::time::Duration;

use ratatui::text::{Line, Span};
use time::OffsetDateTime;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame at `now` (frames advance with time, not with draws).
pub(super) fn spinner(now: OffsetDateTime) -> &'static str {
    let ms = (now.unix_timestamp_nanos() / 1_000_000).rem_euclid(1_200) as usize;
    SPINNER[ms / 120]
}

/// `12s`, `3m`, `1h05m`, `2d`.
pub(super) fn short(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d", s / 86_400),
    }
}

/// The time from `then` to `now` (zero if `then` is in the future).
pub(super) fn since(now: OffsetDateTime, then: OffsetDateTime) -> Duration {
    let d = now - then;
    if d.is_negative() {
        Duration::ZERO
    } else {
        d.unsigned_abs()
    }
}

/// Whole seconds from `now` until `then`, rounded up.
pub(super) fn secs_until(now: OffsetDateTime, then: OffsetDateTime) -> u64 {
    let d = then - now;
    if d.is_negative() {
        0
    } else {
        let d = d.unsigned_abs();
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }
}

/// `text` in at most `width` columns: cut with `…` when longer.
pub(super) fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// A line in at most `width` columns: its spans kept while they fit, the
/// one that does not cut with `…`, the rest dropped.
pub(super) fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.content.width();
        if used + w < width {
            used += w;
            spans.push(span);
            continue;
        }
        // the span that ends the line (even one that fills it exactly:
        // more follows): what fits of it before the `…`
        let mut cut = String::new();
        for c in span.content.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw + 1 > width {
                break;
            }
            used += cw;
            cut.push(c);
        }
        if width > 0 {
            cut.push('…');
        }
        spans.push(Span::styled(cut, span.style));
        break;
    }
    Line::from(spans).style(line.style)
}

/// `2,004`.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Splits `text` into lines at most `width` columns wide, at spaces when
/// possible.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0;
    for word in text.split(' ') {
        let word_w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        if line_w > 0 && line_w + 1 + word_w > width {
            lines.push(std::mem::take(&mut line));
            line_w = 0;
        }
        if line_w > 0 {
            line.push(' ');
            line_w += 1;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if line_w + cw > width {
                lines.push(std::mem::take(&mut line));
                line_w = 0;
            }
            line.push(c);
            line_w += cw;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Splits `text` after its commas into lines at most `width` columns wide
/// (for JSON, which has no spaces); a piece longer than a line is cut.
pub(super) fn wrap_after_commas(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for piece in text.split_inclusive(',') {
        let piece_w = piece.width();
        let last_w = lines.last().map_or(0, |l| l.width());
        if last_w > 0 && last_w + piece_w > width {
            lines.push(String::new());
        }
        for c in piece.chars() {
            let cw = c.width().unwrap_or(0);
            if lines.last().map_or(0, |l| l.width()) + cw > width {
                lines.push(String::new());
            }
            if let Some(last) = lines.last_mut() {
                last.push(c);
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn short_durations() {
        assert_eq!(short(Duration::from_secs(9)), "9s");
        assert_eq!(short(Duration::from_secs(125)), "2m");
        assert_eq!(short(Duration::from_secs(3_900)), "1h05m");
        assert_eq!(short(Duration::from_secs(200_000)), "2d");
    }

    #[test]
    fn seconds_round_up_and_never_go_negative() {
        let now = datetime!(2026-11-30 10:00:00 UTC);
        assert_eq!(secs_until(now, now + Duration::from_millis(3_200)), 4);
        assert_eq!(secs_until(now, now - Duration::from_secs(1)), 0);
        assert_eq!(since(now, now + Duration::from_secs(5)), Duration::ZERO);
    }

    #[test]
    fn fitting_cuts_with_an_ellipsis_by_display_width() {
        assert_eq!(fit("Ava", 5), "Ava");
        assert_eq!(fit("Wolfeschlegelsteinhausen", 8), "Wolfesc…");
        assert_eq!(fit("会議会議", 5), "会議…");
        assert_eq!(fit("abc", 0), "");
        let line = Line::from(vec![
            Span::raw("soft_end "),
            Span::raw("conference_on_exit"),
        ]);
        let cut = fit_line(line, 12);
        assert_eq!(cut.width(), 12);
        assert_eq!(cut.to_string(), "soft_end co…");
    }

    #[test]
    fn a_line_is_cut_by_display_width_and_keeps_its_styles() {
        let info = ratatui::style::Style::default().fg(ratatui::style::Color::Cyan);
        let line = || Line::from(vec![Span::styled("↻ 429", info), Span::raw(" 会議 room")]);
        // fits: unchanged
        assert_eq!(fit_line(line(), 15).to_string(), "↻ 429 会議 room");
        // cut inside the second span, by display width (会 and 議 are two
        // columns each): never wider than asked
        for width in 0..15 {
            let cut = fit_line(line(), width);
            assert!(cut.width() <= width, "{width}: {cut}");
            if width > 0 {
                assert!(cut.to_string().ends_with('…'), "{width}");
            }
        }
        assert_eq!(fit_line(line(), 9).to_string(), "↻ 429 会…");
        assert_eq!(fit_line(line(), 8).to_string(), "↻ 429 …");
        assert_eq!(fit_line(line(), 9).spans[0].style, info);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2_004), "2,004");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn wrapping_respects_width_and_long_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), vec![""]);
        assert_eq!(
            wrap_after_commas("{\"a\":1,\"bb\":2}", 10),
            vec!["{\"a\":1,", "\"bb\":2}"]
        );
        assert_eq!(wrap_after_commas("abcdef", 4), vec!["abcd", "ef"]);
    }
}
