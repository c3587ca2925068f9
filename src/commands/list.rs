//! `confmod conferences` and `confmod participants`: each page is written
//! as it arrives, so what a listing costs stays one page whatever its size.

use std::io::{self, BufWriter, Write};

use serde_json::value::RawValue;

use super::output::{JsonItems, StreamedTable, yes_no};
use super::{Ctx, incomplete};
use crate::cli::{ConferencesArgs, Format, ParticipantFilterArgs, ParticipantsArgs};
use crate::error::Error;
use crate::telnyx::{
    Conference, ConferenceFilter, ConferenceStatus, ListItem, Pages, Participant, ParticipantFilter,
};

pub(super) async fn conferences(ctx: &Ctx, args: &ConferencesArgs) -> Result<(), Error> {
    let filter = ConferenceFilter {
        status: args.status.as_deref().map(ConferenceStatus::parse),
        name: args.name.clone(),
    };
    let client = ctx.client()?;
    match ctx.format {
        Format::Table => {
            let header = vec!["ID", "NAME", "STATUS", "CREATED", "EXPIRES"];
            let row = |c: &Conference| {
                vec![
                    c.id.clone(),
                    c.name.clone(),
                    c.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                    c.created_at.clone(),
                    c.expires_at.clone(),
                ]
            };
            let pages = client.conference_pages(&filter)?;
            write_pages(ctx, pages, &mut Rows::new(header, row)).await
        }
        // The objects as the API returned them, unknown fields included.
        format => {
            let pages = client.conference_pages(&filter)?;
            write_pages(ctx, pages, &mut JsonItems::new(format)).await
        }
    }
}

pub(super) fn participant_filter(f: &ParticipantFilterArgs) -> ParticipantFilter {
    ParticipantFilter {
        muted: f.muted,
        on_hold: f.on_hold,
    }
}

pub(super) async fn participants(ctx: &Ctx, args: &ParticipantsArgs) -> Result<(), Error> {
    let client = ctx.client()?;
    let (conference, filter) = (&args.conference, &participant_filter(&args.filter));
    match ctx.format {
        Format::Table => {
            let header = vec![
                "ID",
                "CALL CONTROL ID",
                "STATUS",
                "MUTED",
                "ON HOLD",
                "END ON EXIT",
                "SOFT END",
                "JOINED",
            ];
            let row = |p: &Participant| {
                vec![
                    p.id.clone(),
                    p.call_control_id.clone(),
                    p.status.to_string(),
                    yes_no(p.muted),
                    yes_no(p.on_hold),
                    yes_no(p.end_conference_on_exit),
                    yes_no(p.soft_end_conference_on_exit),
                    p.created_at.clone(),
                ]
            };
            let pages = client.participant_pages(conference, filter)?;
            write_pages(ctx, pages, &mut Rows::new(header, row)).await
        }
        // The objects as the API returned them, unknown fields included.
        format => {
            let pages = client.participant_pages(conference, filter)?;
            write_pages(ctx, pages, &mut JsonItems::new(format)).await
        }
    }
}

/// Where the pages of a listing are written, one after another.
trait Output<T> {
    fn page(&mut self, out: &mut dyn Write, items: &[T]) -> io::Result<()>;
    /// Ends the output; after a failure, only once something was written
    /// (a JSON array is closed, so the output stays one document).
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// Whether anything was written yet.
    fn started(&self) -> bool;
    /// Items written.
    fn written(&self) -> usize;
}

impl Output<Box<RawValue>> for JsonItems {
    fn page(&mut self, out: &mut dyn Write, items: &[Box<RawValue>]) -> io::Result<()> {
        self.items(out, items)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        JsonItems::finish(self, out)
    }

    fn started(&self) -> bool {
        self.written() > 0
    }

    fn written(&self) -> usize {
        JsonItems::written(self)
    }
}

/// A table of the decoded items, one row each.
struct Rows<F> {
    table: StreamedTable,
    row: F,
    written: usize,
}

impl<F> Rows<F> {
    fn new(header: Vec<&'static str>, row: F) -> Self {
        Rows {
            table: StreamedTable::new(header),
            row,
            written: 0,
        }
    }
}

impl<T, F: Fn(&T) -> Vec<String>> Output<T> for Rows<F> {
    fn page(&mut self, out: &mut dyn Write, items: &[T]) -> io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let rows: Vec<Vec<String>> = items.iter().map(&self.row).collect();
        self.written += rows.len();
        self.table.page(out, &rows)
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.table.finish(out)
    }

    fn started(&self) -> bool {
        self.table.started()
    }

    fn written(&self) -> usize {
        self.written
    }
}

/// Writes every page of a listing as it arrives (flushed page by page).
///
/// A listing that ends early (at one of the client's limits, or on an API
/// error) has had its first pages written already: the output is ended as
/// a whole (a JSON array is closed) and the command fails, exit 1, with one
/// line saying that the output is incomplete. Nothing is written when the
/// first page already fails, as before.
async fn write_pages<T: ListItem>(
    ctx: &Ctx,
    mut pages: Pages<T>,
    output: &mut dyn Output<T>,
) -> Result<(), Error> {
    let mut out = BufWriter::with_capacity(64 << 10, ctx.stdout());
    let failed = loop {
        match pages.next().await {
            Ok(Some(page)) => {
                output.page(&mut out, &page.items)?;
                out.flush()?;
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    let end = pages.end();
    let complete = failed.is_none() && end.truncated.is_none();
    if complete || output.started() {
        output.finish(&mut out)?;
    }
    out.flush()?;
    let written = output.written();
    if let Some(e) = failed {
        if written == 0 {
            return Err(e.into());
        }
        return Err(Error::About {
            what: format!(
                "the listing broke off after {written} items were written: the output is incomplete"
            ),
            source: e,
        });
    }
    if let Some(limit) = end.truncated {
        let not_done = if written == 0 {
            "nothing was written"
        } else {
            "the output is incomplete"
        };
        return Err(incomplete(limit, end.taken, not_done));
    }
    ctx.report(&end.warnings, &end.rejected);
    Ok(())
}
