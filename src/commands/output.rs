//! Output of one-shot commands: aligned plain-text tables and JSON.

use std::io::{self, Write};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::cli::Format;
use crate::sanitize::{sanitize_line, terminal_safe_json};
use crate::telnyx::ApiError;

/// The widest a table cell may be; longer values are cut with an ellipsis.
const MAX_CELL: usize = 48;

/// A plain-text table whose cells are sanitized and aligned by display width.
pub(super) struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(super) fn new(header: Vec<&'static str>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.iter().map(|c| sanitize_line(c, MAX_CELL)).collect());
    }

    pub(super) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.width());
                }
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
            let mut s = String::new();
            for (i, cell) in cells.enumerate() {
                if i > 0 {
                    s.push_str("  ");
                }
                s.push_str(cell);
                if i + 1 < widths.len() {
                    s.push_str(&" ".repeat(widths[i].saturating_sub(cell.width())));
                }
            }
            s.trim_end().to_string()
        };
        writeln!(out, "{}", line(&mut self.header.iter().copied()))?;
        for row in &self.rows {
            writeln!(out, "{}", line(&mut row.iter().map(String::as_str)))?;
        }
        Ok(())
    }
}

/// Writes the items of a listing as a JSON array (`json`) or one object per
/// line (`jsonl`), item by item: the output is never held whole in memory.
pub(super) fn write_json_items(
    out: &mut dyn Write,
    format: Format,
    items: &[Box<RawValue>],
) -> io::Result<()> {
    // each item as a value again, so that it is written like any JSON here
    let value = |item: &RawValue| serde_json::from_str::<Value>(item.get());
    match format {
        Format::Jsonl => {
            for item in items {
                write_json_line(out, &value(item)?)?;
            }
            Ok(())
        }
        // what `write_json_pretty` writes for the whole array
        _ if items.is_empty() => writeln!(out, "[]"),
        _ => {
            out.write_all(b"[\n")?;
            for (i, item) in items.iter().enumerate() {
                let text = terminal_safe_json(serde_json::to_string_pretty(&value(item)?)?);
                // a JSON string holds no raw line break: every line is structure
                let mut lines = text.lines().peekable();
                while let Some(line) = lines.next() {
                    let comma = lines.peek().is_none() && i + 1 < items.len();
                    writeln!(out, "  {line}{}", if comma { "," } else { "" })?;
                }
            }
            out.write_all(b"]\n")
        }
    }
}

/// One JSON document on one line, terminal-safe (see [`terminal_safe_json`]).
pub(super) fn write_json_line(
    out: &mut dyn Write,
    value: &impl serde::Serialize,
) -> io::Result<()> {
    writeln!(out, "{}", terminal_safe_json(serde_json::to_string(value)?))
}

/// One indented JSON document, terminal-safe (see [`terminal_safe_json`]).
pub(super) fn write_json_pretty(
    out: &mut dyn Write,
    value: &impl serde::Serialize,
) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        terminal_safe_json(serde_json::to_string_pretty(value)?)
    )
}

/// An error as JSON, for machine-readable failure reports; `message` is
/// what is said of it (its `Display`, or more).
pub(super) fn error_json(e: &ApiError, message: &str) -> Value {
    let first = e.errors.first();
    json!({
        "status": e.status,
        "code": first.map(|x| x.code.clone()),
        "title": first.map(|x| x.title.clone()),
        "detail": first.and_then(|x| x.detail.clone()),
        "pointer": first.and_then(|x| x.source_name().map(str::to_string)),
        "message": message,
    })
}

pub(super) fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::needs_json_escape;

    #[test]
    fn json_output_escapes_what_a_terminal_would_obey() {
        let value =
            serde_json::json!({"label": "a\u{9b}2Jb\u{202e}c\u{e0041}d\u{1b}e", "ok": "Zoë 会議"});
        let mut out = Vec::new();
        write_json_line(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.chars().any(needs_json_escape), "{text:?}");
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\udb40\\udc41")
        );
        assert!(text.contains("Zoë 会議"));
        // still the same JSON
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn a_json_array_is_written_item_by_item_as_one_document() {
        let items = [
            serde_json::json!({"id": "a", "nested": {"x": [1, 2]}, "label": "\u{202e}"}),
            serde_json::json!("plain"),
            serde_json::json!({}),
        ];
        let raw: Vec<Box<RawValue>> = items
            .iter()
            .map(|v| RawValue::from_string(format!("{v:#}")).unwrap())
            .collect();
        for n in 0..=items.len() {
            let mut out = Vec::new();
            write_json_items(&mut out, Format::Json, &raw[..n]).unwrap();
            let mut whole = Vec::new();
            write_json_pretty(&mut whole, &&items[..n]).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }

    #[test]
    fn tables_align_by_display_width_and_sanitize_cells() {
        let mut t = Table::new(vec!["ID", "LABEL", "MUTED"]);
        t.row(vec!["a".into(), "会議".into(), "yes".into()]);
        t.row(vec!["bb".into(), "\x1b[31mred\x1b[0m".into(), "no".into()]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "ID  LABEL  MUTED\na   会議   yes\nbb  red    no\n");
    }
}
