//! `confmod conferences` and `confmod participants`.

use std::io::Write;

use super::output::{Table, write_json_items, yes_no};
use super::{Ctx, require_complete};
use crate::cli::{ConferencesArgs, Format, ParticipantFilterArgs, ParticipantsArgs};
use crate::error::Error;
use crate::telnyx::{ConferenceFilter, ConferenceStatus, ParticipantFilter};

pub(super) async fn conferences(ctx: &Ctx, args: &ConferencesArgs) -> Result<(), Error> {
    let filter = ConferenceFilter {
        status: args.status.as_deref().map(ConferenceStatus::parse),
        name: args.name.clone(),
    };
    let client = ctx.client()?;
    let mut out = ctx.stdout();
    match ctx.format {
        // decoded page by page: the table holds what it shows
        Format::Table => {
            let listing = client.list_conferences(&filter).await?;
            require_complete(&listing, "nothing was written")?;
            ctx.report_listing(&listing);
            let mut t = Table::new(vec!["ID", "NAME", "STATUS", "CREATED", "EXPIRES"]);
            for c in &listing.items {
                t.row(vec![
                    c.id.clone(),
                    c.name.clone(),
                    c.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                    c.created_at.clone(),
                    c.expires_at.clone(),
                ]);
            }
            t.write(&mut out)?;
        }
        // The objects as the API returned them, unknown fields included.
        format => {
            let raw = client.list_conferences_raw(&filter).await?;
            require_complete(&raw, "nothing was written")?;
            ctx.report_listing(&raw);
            write_json_items(&mut out, format, &raw.items)?
        }
    }
    out.flush()?;
    Ok(())
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
    let mut out = ctx.stdout();
    match ctx.format {
        // decoded page by page: the table holds what it shows
        Format::Table => {
            let listing = client.list_participants(conference, filter).await?;
            require_complete(&listing, "nothing was written")?;
            ctx.report_listing(&listing);
            let mut t = Table::new(vec![
                "ID",
                "CALL CONTROL ID",
                "STATUS",
                "MUTED",
                "ON HOLD",
                "END ON EXIT",
                "SOFT END",
                "JOINED",
            ]);
            for p in &listing.items {
                t.row(vec![
                    p.id.clone(),
                    p.call_control_id.clone(),
                    p.status.to_string(),
                    yes_no(p.muted),
                    yes_no(p.on_hold),
                    yes_no(p.end_conference_on_exit),
                    yes_no(p.soft_end_conference_on_exit),
                    p.created_at.clone(),
                ]);
            }
            t.write(&mut out)?;
        }
        // The objects as the API returned them, unknown fields included.
        format => {
            let raw = client.list_participants_raw(conference, filter).await?;
            require_complete(&raw, "nothing was written")?;
            ctx.report_listing(&raw);
            write_json_items(&mut out, format, &raw.items)?
        }
    }
    out.flush()?;
    Ok(())
}
