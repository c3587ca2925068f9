//! Output of one-shot commands: aligned plain-text tables and JSON.

use std::io::{self, Write};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::cli::Format;
use crate::sanitize::{push_json_char, sanitize_line, terminal_safe_json};
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
        self.rows.push(Self::cells(&cells));
    }

    /// Cells as a table holds them: sanitized, each cut to the widest a
    /// cell may be (what holding rows to write later costs at most).
    pub(super) fn cells(cells: &[String]) -> Vec<String> {
        cells.iter().map(|c| sanitize_line(c, MAX_CELL)).collect()
    }

    pub(super) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        widen(&mut widths, &self.rows);
        write_line(out, &widths, &mut self.header.iter().copied())?;
        for row in &self.rows {
            write_line(out, &widths, &mut row.iter().map(String::as_str))?;
        }
        Ok(())
    }
}

/// A [`Table`] written page by page, holding one page of rows at a time.
/// Its columns are as wide as the first page needs; a later page with a
/// longer value widens its column from that page on (the rows already
/// written stay as they are).
pub(super) struct StreamedTable {
    header: Vec<&'static str>,
    widths: Vec<usize>,
    started: bool,
}

impl StreamedTable {
    pub(super) fn new(header: Vec<&'static str>) -> Self {
        StreamedTable {
            widths: header.iter().map(|h| h.width()).collect(),
            header,
            started: false,
        }
    }

    /// Whether anything (the header) was written.
    pub(super) fn started(&self) -> bool {
        self.started
    }

    /// Writes the rows of one page (the header before the first).
    pub(super) fn page(&mut self, out: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| row.iter().map(|c| sanitize_line(c, MAX_CELL)).collect())
            .collect();
        widen(&mut self.widths, &rows);
        if !self.started {
            write_line(out, &self.widths, &mut self.header.iter().copied())?;
            self.started = true;
        }
        for row in &rows {
            write_line(out, &self.widths, &mut row.iter().map(String::as_str))?;
        }
        Ok(())
    }

    /// Ends the table: a table with no rows still has its header.
    pub(super) fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.page(out, &[])
    }
}

/// Widens `widths` to the display width of every cell of `rows`.
fn widen(widths: &mut [usize], rows: &[Vec<String>]) {
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.width());
            }
        }
    }
}

/// One line of a table: cells padded to `widths`, two spaces apart, with
/// no trailing space.
fn write_line(
    out: &mut dyn Write,
    widths: &[usize],
    cells: &mut dyn Iterator<Item = &str>,
) -> io::Result<()> {
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
    writeln!(out, "{}", s.trim_end())
}

/// Writes the items of a listing as a JSON array (`json`) or one object per
/// line (`jsonl`), item by item: the output is never held whole in memory.
#[cfg(test)]
pub(super) fn write_json_items(
    out: &mut dyn Write,
    format: Format,
    items: &[Box<RawValue>],
) -> io::Result<()> {
    let mut json = JsonItems::new(format);
    json.items(out, items)?;
    json.finish(out)
}

/// The items of a listing written as they come, page by page: a JSON array
/// (`json`, one item a line) or one item per line (`jsonl`). Each item is
/// written exactly as the API returned it (its raw JSON slice: every field,
/// in the server's order), never parsed again, but for two things that keep
/// it terminal-safe and on one line (see [`raw_item`]).
pub(super) struct JsonItems {
    format: Format,
    written: usize,
}

impl JsonItems {
    pub(super) fn new(format: Format) -> Self {
        JsonItems { format, written: 0 }
    }

    /// Items written so far.
    pub(super) fn written(&self) -> usize {
        self.written
    }

    /// Writes `items` after those already written.
    pub(super) fn items(&mut self, out: &mut dyn Write, items: &[Box<RawValue>]) -> io::Result<()> {
        for item in items {
            let text = raw_item(item.get());
            if self.format != Format::Jsonl {
                // the comma of the item before, then this one without its
                // line break: whether another follows is not known yet
                out.write_all(if self.written == 0 {
                    b"[\n  "
                } else {
                    b",\n  "
                })?;
                out.write_all(text.as_bytes())?;
            } else {
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
            }
            self.written += 1;
        }
        Ok(())
    }

    /// Ends the output: closes the array (`[]` when it is empty).
    pub(super) fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.format {
            Format::Jsonl => Ok(()),
            _ if self.written == 0 => writeln!(out, "[]"),
            _ => out.write_all(b"\n]\n"),
        }
    }
}

/// A list item's raw JSON text as written: unchanged when it is printable
/// ASCII, as almost every item is. Otherwise, a character a terminal would
/// obey is written as its `\\u` escape (inside a JSON string, the only
/// place a valid item can hold one, that is the same string), and a line
/// break or tab between its tokens becomes a space, so the item is one line.
fn raw_item(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            // outside strings: a valid item holds no raw control inside one
            '\n' | '\r' | '\t' => out.push(' '),
            c => push_json_char(&mut out, c),
        }
    }
    out.into()
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

    fn raw(texts: &[&str]) -> Vec<Box<RawValue>> {
        texts
            .iter()
            .map(|t| RawValue::from_string(t.to_string()).unwrap())
            .collect()
    }

    #[test]
    fn a_json_array_is_written_item_by_item_as_the_api_returned_them() {
        // members in the server's order, nested, and not only objects
        let texts = [
            r#"{"id":"a","nested":{"x":[1,2]},"b":1,"a":"\u001b[2J"}"#,
            r#""plain""#,
            "{}",
        ];
        let items = raw(&texts);
        for n in 0..=items.len() {
            let expected = if n == 0 {
                "[]\n".to_string()
            } else {
                format!("[\n  {}\n]\n", texts[..n].join(",\n  "))
            };
            // the same bytes, written page by page, whatever the pages
            for split in 0..=n {
                let mut out = Vec::new();
                let mut json = JsonItems::new(Format::Json);
                json.items(&mut out, &items[..split]).unwrap();
                json.items(&mut out, &[]).unwrap();
                json.items(&mut out, &items[split..n]).unwrap();
                json.finish(&mut out).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    expected,
                    "{n} split at {split}"
                );
                assert_eq!(json.written(), n);
            }
            // one JSON document: the array of the items
            let back: Value = serde_json::from_str(&expected).unwrap();
            let want: Vec<Value> = texts[..n]
                .iter()
                .map(|t| serde_json::from_str(t).unwrap())
                .collect();
            assert_eq!(back, Value::Array(want));
        }
    }

    #[test]
    fn json_lines_are_the_items_one_a_line_whatever_the_pages() {
        let texts = [r#"{"b":1,"a":"\u001b[2J"}"#, "[1,2]", r#""x""#];
        let items = raw(&texts);
        let mut whole = Vec::new();
        write_json_items(&mut whole, Format::Jsonl, &items).unwrap();
        assert_eq!(
            String::from_utf8(whole.clone()).unwrap(),
            texts.join("\n") + "\n"
        );
        let mut out = Vec::new();
        let mut json = JsonItems::new(Format::Jsonl);
        json.items(&mut out, &items[..1]).unwrap();
        json.items(&mut out, &items[1..]).unwrap();
        json.finish(&mut out).unwrap();
        assert_eq!(out, whole);
        assert_eq!(json.written(), 3);
    }

    #[test]
    fn an_item_is_made_terminal_safe_and_one_line_and_stays_the_same_json() {
        // raw characters a terminal would obey inside strings, and line
        // breaks and tabs between tokens, as a server may send them
        let text =
            "{\n\t\"label\": \"a\u{9b}2Jb\u{202e}c\u{e0041}d\",\r\n  \"ok\": \"Zoë 会議\"\n}";
        for format in [Format::Json, Format::Jsonl] {
            let mut out = Vec::new();
            write_json_items(&mut out, format, &raw(&[text])).unwrap();
            let out = String::from_utf8(out).unwrap();
            let body = match format {
                Format::Jsonl => out.strip_suffix('\n').unwrap(),
                _ => out
                    .strip_prefix("[\n  ")
                    .unwrap()
                    .strip_suffix("\n]\n")
                    .unwrap(),
            };
            assert!(!body.contains(['\n', '\r', '\t']), "{body:?}");
            assert!(!body.chars().any(needs_json_escape), "{body:?}");
            assert!(
                body.contains("\\u009b")
                    && body.contains("\\u202e")
                    && body.contains("\\udb40\\udc41")
            );
            assert!(body.contains("Zoë 会議"));
            // the same JSON, members in the server's order
            let back: Value = serde_json::from_str(body).unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
            assert!(body.find("label") < body.find("ok"));
        }
    }

    #[test]
    fn a_streamed_table_of_one_page_is_the_table() {
        let header = vec!["ID", "LABEL", "MUTED"];
        let rows = vec![
            vec!["a".to_string(), "会議".into(), "yes".into()],
            vec!["bb".into(), "\x1b[31mred\x1b[0m".into(), "no".into()],
        ];
        let mut t = Table::new(header.clone());
        for row in &rows {
            t.row(row.clone());
        }
        let mut whole = Vec::new();
        t.write(&mut whole).unwrap();
        let mut out = Vec::new();
        let mut streamed = StreamedTable::new(header.clone());
        streamed.page(&mut out, &rows).unwrap();
        streamed.finish(&mut out).unwrap();
        assert_eq!(out, whole);
        // an empty table is its header
        let mut out = Vec::new();
        let mut empty = StreamedTable::new(header);
        assert!(!empty.started());
        empty.finish(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "ID  LABEL  MUTED\n");
    }

    #[test]
    fn a_later_page_widens_its_column_from_then_on() {
        let mut out = Vec::new();
        let mut t = StreamedTable::new(vec!["ID", "NAME", "N"]);
        t.page(&mut out, &[vec!["a".into(), "ab".into(), "1".into()]])
            .unwrap();
        t.page(&mut out, &[vec!["b".into(), "abcdef".into(), "2".into()]])
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID  NAME  N\na   ab    1\nb   abcdef  2\n"
        );
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
