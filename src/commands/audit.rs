//! `confmod audit`: prints the journal, oldest first. JSON and JSON lines
//! are streamed entry by entry (a journal of any size costs one line of
//! memory); a table shows the last [`TABLE_ROWS`] entries that match.

use std::collections::VecDeque;
use std::io::Write;

use serde_json::Value;
use time::OffsetDateTime;

use super::Ctx;
use super::output::{Table, write_json_line};
use crate::audit::{Entry, Filter, Reader, parse_since};
use crate::cli::{AuditArgs, Format};
use crate::error::{Error, usage};
use crate::sanitize::terminal_safe_json;

/// The most rows a table shows (the newest); JSON has no such bound.
pub const TABLE_ROWS: usize = 10_000;

pub(super) fn audit(ctx: &Ctx, args: &AuditArgs) -> Result<(), Error> {
    let since = args
        .since
        .as_deref()
        .map(|s| {
            parse_since(s, OffsetDateTime::now_utc()).map_err(|e| usage(format!("--since: {e}")))
        })
        .transpose()?;
    let filter = Filter {
        conference: args.conference,
        since,
    };
    let path = &ctx.settings.audit_file;
    let journal_error = |e: crate::audit::JournalError| Error::Journal(e.to_string());
    let reader = Reader::open(path).map_err(journal_error)?;
    let Some(mut reader) = reader else {
        super::say(&format!(
            "confmod: no audit journal at {} yet: no write was recorded there",
            crate::sanitize::sanitize_line(&path.display().to_string(), 200)
        ));
        if ctx.format == Format::Json {
            writeln!(ctx.stdout(), "[]")?;
        }
        return Ok(());
    };
    let mut out = ctx.stdout();
    let mut matched = 0usize;
    // the newest rows, as cells of at most MAX_CELL characters: however
    // large the journal's entries, the table holds TABLE_ROWS short rows
    let mut rows: VecDeque<Vec<String>> = VecDeque::new();
    let mut first = true;
    if ctx.format == Format::Json {
        write!(out, "[")?;
    }
    for entry in reader.by_ref() {
        let entry = entry.map_err(journal_error)?;
        if !filter.matches(&entry) {
            continue;
        }
        matched += 1;
        match ctx.format {
            Format::Table => {
                if rows.len() == TABLE_ROWS {
                    rows.pop_front();
                }
                rows.push_back(Table::cells(&row(&entry)));
            }
            Format::Jsonl => write_json_line(&mut out, &entry)?,
            Format::Json => {
                let json = serde_json::to_string_pretty(&entry).map_err(std::io::Error::other)?;
                let indented = json.replace('\n', "\n  ");
                write!(
                    out,
                    "{}\n  {}",
                    if first { "" } else { "," },
                    terminal_safe_json(indented)
                )?;
                first = false;
            }
        }
    }
    let shown = rows.len();
    match ctx.format {
        Format::Json => writeln!(out, "{}]", if first { "" } else { "\n" })?,
        Format::Table if !rows.is_empty() => {
            let mut t = Table::new(vec![
                "TIME (UTC)",
                "OPERATOR",
                "VIA",
                "CONFERENCE",
                "PARTICIPANT",
                "CHANGE",
                "RESULT",
            ]);
            for cells in rows.drain(..) {
                t.row(cells);
            }
            t.write(&mut out)?;
        }
        Format::Table => {}
        Format::Jsonl => {}
    }
    out.flush()?;
    if ctx.format == Format::Table && matched > shown {
        super::say(&format!(
            "confmod: showing the newest {shown} of {matched} entries (--since, --conference or --format jsonl for all)"
        ));
    }
    if reader.unreadable() > 0 {
        let lines: Vec<String> = reader.bad_lines().iter().map(u64::to_string).collect();
        super::say(&format!(
            "confmod: warning: {} line(s) of the journal are not entries and were skipped (line {}{})",
            reader.unreadable(),
            lines.join(", "),
            if reader.unreadable() > lines.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    Ok(())
}

/// One entry as a table row.
fn row(e: &Entry) -> Vec<String> {
    let time = e
        .at()
        .map(|at| {
            let at = at.to_offset(time::UtcOffset::UTC);
            format!(
                "{}-{:02}-{:02} {:02}:{:02}:{:02}",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        })
        .unwrap_or_else(|| e.time.clone());
    let conference = e
        .conference_name
        .clone()
        .unwrap_or_else(|| e.conference_id.clone());
    vec![
        time,
        e.operator.clone().unwrap_or_default(),
        e.via.clone(),
        conference,
        participants(e),
        change(e),
        result(e),
    ]
}

/// `Ava`, `Ava +2 more`, `everyone`.
fn participants(e: &Entry) -> String {
    let name = |p: &crate::audit::Party| {
        p.label
            .clone()
            .or_else(|| p.id.clone())
            .or_else(|| p.call_control_id.clone())
            .unwrap_or_else(|| "?".into())
    };
    match e.participants.as_slice() {
        [] if e.action == "end" => "(the conference)".into(),
        [] => "everyone".into(),
        [one] => name(one),
        [one, rest @ ..] => format!("{} +{} more", name(one), rest.len()),
    }
}

/// `beep=never end_on_exit=true`, `mute`, `end`.
fn change(e: &Entry) -> String {
    match (&e.sent, e.action.as_str()) {
        (Value::Object(fields), "update") => fields
            .iter()
            .map(|(k, v)| {
                let k = match k.as_str() {
                    "beep_enabled" => "beep",
                    "end_conference_on_exit" => "end_on_exit",
                    "soft_end_conference_on_exit" => "soft_end",
                    k => k,
                };
                match v {
                    Value::String(s) => format!("{k}={s}"),
                    v => format!("{k}={v}"),
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        (_, action) => action.to_string(),
    }
}

/// `200`, `422 90018 Call has ended`, `no answer: timed out`.
fn result(e: &Entry) -> String {
    match (&e.error, e.status) {
        (Some(error), Some(_)) => error.clone(),
        (Some(error), None) => format!("no answer: {error}"),
        (None, Some(status)) => status.to_string(),
        (None, None) => "?".into(),
    }
}
