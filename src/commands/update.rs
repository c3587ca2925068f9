//! `confmod update`: PATCH one, several or all participants of a conference.
//!
//! Nothing is lost or hidden: every participant ends updated, failed (with
//! its error), skipped (it has left) or, when the run is interrupted, not
//! attempted, and each is reported. A list item that does not decode is a
//! failure, and so is an answer that does not carry the participant. With
//! `--format jsonl` each line is written, and flushed, as its result
//! arrives, so even a killed run leaves a record.
//!
//! The first SIGINT or SIGTERM stops starting requests, lets those in
//! flight finish, reports what was done and exits 130 or 143; a second one
//! exits at once.

use std::collections::{HashMap, HashSet};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::bulk::{Bulk, Failure, Outcome, Stop, bulk_update, listen_for_stop, paced};
use super::list::participant_filter;
use super::output::{Table, error_json, write_json_line, write_json_pretty, yes_no};
use super::pace::Pace;
use super::{Ctx, recorded, require_complete, say};
use crate::audit::{Outcome as AuditOutcome, Party, Subject, Write as AuditWrite};
use crate::cli::{Format, UpdateArgs};
use crate::error::{Error, usage};
use crate::sanitize::sanitize_line;
use crate::telnyx::client::item_id;
use crate::telnyx::{
    ApiError, Client, ConferenceId, ConferenceParticipant, Participant, ParticipantRef,
    ParticipantStatus, UpdateParticipant, Written,
};

/// What a run did, in the order the participants were given.
#[derive(Debug, Default)]
struct Summary {
    updated: Vec<(String, ConferenceParticipant)>,
    /// `None`: a list item whose id could not be read.
    failed: Vec<(Option<String>, Failure)>,
    skipped: Vec<String>,
    not_attempted: Vec<String>,
    interrupted: Option<Stop>,
    /// `--all`: why the listing may not have named everyone (paging the
    /// client could not trust); those it did not name were not updated.
    listing_warnings: Vec<String>,
}

pub(super) async fn update(ctx: &Ctx, args: &UpdateArgs) -> Result<(), Error> {
    let conf = &args.conference;
    let request = UpdateParticipant {
        end_conference_on_exit: args.end_conference_on_exit,
        soft_end_conference_on_exit: args.soft_end_conference_on_exit,
        beep_enabled: args.beep_enabled,
    };
    if request.is_empty() {
        return Err(usage(
            "nothing to update: pass --end-conference-on-exit, --soft-end-conference-on-exit or --beep-enabled",
        )
        .into());
    }
    if !args.all && (args.filter.muted.is_some() || args.filter.on_hold.is_some()) {
        return Err(usage(
            "--muted and --on-hold narrow --all; they do not apply to listed participants",
        )
        .into());
    }
    if let Some(ParticipantRef::CallControlId(c)) = args
        .participants
        .iter()
        .find(|p| matches!(p, ParticipantRef::CallControlId(_)))
    {
        return Err(usage(format!(
            "'{}' is a call_control_id: update takes participant ids or labels",
            sanitize_line(c, 60)
        ))
        .into());
    }
    // hidden until there is something to draw; what is said goes above it
    let progress = ProgressBar::hidden();
    let bar = progress.clone();
    let say: Arc<dyn Fn(&str) + Send + Sync> =
        Arc::new(move |line: &str| bar.suspend(|| say(line)));
    let concurrency = args.concurrency.unwrap_or(ctx.settings.concurrency) as usize;
    // the pacer hears every answer from here on, the listing's too
    let pace = Arc::new(Pace::new(concurrency));
    let client = paced(ctx.client_saying(say.clone())?, &pace);
    let journal = ctx.journal(&client, "update")?;

    let mut summary = Summary::default();
    // who each participant is, for the journal
    let mut parties: HashMap<String, Party> = HashMap::new();
    let ids: Vec<String> = if args.all {
        everyone(&client, args, &mut summary, &mut parties).await?
    } else {
        let mut ids = Vec::with_capacity(args.participants.len());
        for p in &args.participants {
            let party = participant(&client, conf, p).await?;
            let id = party.id.clone().unwrap_or_default();
            parties.insert(id.clone(), party);
            ids.push(id);
        }
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        ids
    };

    let mut out = Output::new(ctx);
    for (id, f) in &summary.failed {
        out.line(&failed_line(id.as_deref(), f));
    }
    for id in &summary.skipped {
        out.line(&json!({"participant_id": id, "ok": false, "skipped": "left"}));
    }
    if ids.len() > 1 && io::stderr().is_terminal() {
        progress.set_length(ids.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} updating {bar:30} {pos}/{len} {msg}")
        {
            progress.set_style(style);
        }
        progress.set_draw_target(ProgressDrawTarget::stderr());
    }

    let conference_name = if ids.is_empty() {
        None
    } else {
        client.get_conference(conf).await.ok().map(|c| c.name)
    };
    let unrecorded = AtomicUsize::new(0);
    let record = |id: &str, result: &Result<Written<ConferenceParticipant>, ApiError>| {
        let subject = Subject {
            conference_name: conference_name.clone(),
            participants: vec![parties.get(id).cloned().unwrap_or_else(|| Party {
                id: Some(id.to_string()),
                ..Party::default()
            })],
        };
        let entry = journal.record(
            conf,
            &subject,
            &AuditWrite::Update(&request),
            AuditOutcome::of(result),
        );
        // said once; the rest are counted in the summary
        if entry.is_err() && unrecorded.fetch_add(1, Ordering::Relaxed) == 0 {
            recorded(entry);
        }
    };
    let (stop_tx, stop) = watch::channel(None);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let listener = listen_for_stop(stop_tx, in_flight.clone(), progress.clone(), say.clone())?;
    let bulk = Bulk {
        client: &client,
        pace: &pace,
        conference: conf,
        request,
        concurrency,
        max_wait: ctx.settings.rate_limit_max_wait,
        stop: stop.clone(),
        in_flight,
        say: &*say,
        record: &record,
        max_kept: ctx.settings.listing_limits.max_bytes,
    };
    let mut failures = 0;
    let run = bulk_update(&bulk, &ids, |i, outcome| {
        match outcome {
            Outcome::Updated(p) => {
                out.line(&json!({"participant_id": ids[i], "ok": true, "data": p}))
            }
            Outcome::Failed(f) => {
                failures += 1;
                progress.set_message(format!("({failures} failed)"));
                out.line(&failed_line(Some(&ids[i]), f));
            }
            // said with those never started, at the end
            Outcome::NotAttempted => {}
        }
        progress.inc(1);
    })
    .await;
    progress.finish_and_clear();
    summary.interrupted = *stop.borrow();
    listener.abort();

    if run.not_kept > 0 {
        say(&format!(
            "confmod: the answers passed {} MiB (max_listing_mib in the config file): {} updated participant(s) are reported by their id alone",
            bulk.max_kept >> 20,
            run.not_kept
        ));
    }
    for (id, outcome) in ids.into_iter().zip(run.outcomes) {
        match outcome {
            Outcome::Updated(p) => summary.updated.push((id, p)),
            Outcome::Failed(f) => summary.failed.push((Some(id), f)),
            Outcome::NotAttempted => {
                out.line(
                    &json!({"participant_id": id, "ok": false, "not_attempted": "interrupted"}),
                );
                summary.not_attempted.push(id);
            }
        }
    }
    let written = out.finish(&summary);
    write_summary(ctx, &summary);
    let unrecorded = unrecorded.into_inner();
    if unrecorded > 0 {
        say(&format!(
            "confmod: {unrecorded} of these writes are not in the audit journal {}",
            sanitize_line(&journal.path().display().to_string(), 200)
        ));
    }
    if let Some(stop) = summary.interrupted {
        return Err(Error::Interrupted {
            exit_code: stop.exit_code,
        });
    }
    written?;
    if summary.failed.is_empty() && summary.listing_warnings.is_empty() && unrecorded == 0 {
        Ok(())
    } else {
        Err(Error::Reported)
    }
}

/// `--all`: every participant listed, but those who left (skipped) and the
/// list items that do not decode (failures, with their id when it can be
/// read). A list stopped at a limit is refused: nobody is updated.
async fn everyone(
    client: &Client,
    args: &UpdateArgs,
    summary: &mut Summary,
    parties: &mut HashMap<String, Party>,
) -> Result<Vec<String>, Error> {
    let listing = client
        .list_participants_raw(&args.conference, &participant_filter(&args.filter))
        .await?;
    require_complete(&listing, "nothing was updated")?;
    for w in &listing.warnings {
        say(&format!("confmod: warning: {w}"));
    }
    summary.listing_warnings = listing.warnings.clone();
    // items too large to be read at all
    for why in &listing.rejected {
        let error = ApiError::decode(200, b"", why);
        summary.failed.push((None, error.into()));
    }
    let mut ids = Vec::new();
    for (i, raw) in listing.items.iter().enumerate() {
        match serde_json::from_str::<Participant>(raw.get()) {
            Ok(p) if p.id.trim().is_empty() => {
                let error = ApiError::decode(
                    200,
                    raw.get().as_bytes(),
                    &format!("item {i} of the list has no id"),
                );
                summary.failed.push((None, error.into()));
            }
            Ok(p) if p.status == ParticipantStatus::Left => summary.skipped.push(p.id),
            Ok(p) => {
                parties.insert(
                    p.id.clone(),
                    Party {
                        id: Some(p.id.clone()),
                        label: None,
                        call_control_id: Some(p.call_control_id),
                    },
                );
                ids.push(p.id);
            }
            Err(e) => {
                let why = format!("item {i} of the list does not decode: {e}");
                let error = ApiError::decode(200, raw.get().as_bytes(), &why);
                summary.failed.push((item_id(raw), error.into()));
            }
        }
    }
    Ok(ids)
}

/// A participant given by id or label, with its id (a label costs one GET,
/// which also says its call_control_id).
async fn participant(
    client: &Client,
    conference: &ConferenceId,
    who: &ParticipantRef,
) -> Result<Party, Error> {
    match who {
        ParticipantRef::Id(id) => Ok(Party {
            id: Some(id.clone()),
            ..Party::default()
        }),
        _ => {
            let p = client
                .get_participant(conference, who)
                .await
                .map_err(|source| Error::About {
                    what: who.describe(),
                    source,
                })?;
            let id =
                p.id.filter(|id| !id.trim().is_empty())
                    .ok_or_else(|| Error::About {
                        what: who.describe(),
                        source: ApiError::decode(200, b"", "the participant has no id"),
                    })?;
            Ok(Party {
                id: Some(id),
                label: p.label,
                call_control_id: p.call_control_id,
            })
        }
    }
}

fn failed_line(id: Option<&str>, f: &Failure) -> Value {
    json!({"participant_id": id, "ok": false, "error": error_json(&f.error, &f.message)})
}

/// Where the results go: with `jsonl`, each line as it comes, flushed;
/// otherwise one document (or table) at the end. A reader that stopped
/// early (`| head`) costs the output, not the run.
struct Output {
    format: Format,
    out: io::StdoutLock<'static>,
    failed: Option<io::Error>,
}

impl Output {
    fn new(ctx: &Ctx) -> Self {
        Output {
            format: ctx.format,
            out: ctx.stdout(),
            failed: None,
        }
    }

    /// Writes a line of `jsonl` now; other formats wait for the end.
    fn line(&mut self, line: &Value) {
        if self.format != Format::Jsonl || self.failed.is_some() {
            return;
        }
        let written = write_json_line(&mut self.out, line).and_then(|()| self.out.flush());
        self.failed = written.err();
    }

    fn finish(mut self, summary: &Summary) -> Result<(), Error> {
        if self.failed.is_none() {
            self.failed = write_document(&mut self.out, self.format, summary)
                .and_then(|()| self.out.flush())
                .err();
        }
        match self.failed {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
            _ => Ok(()),
        }
    }
}

fn write_document(out: &mut dyn Write, format: Format, summary: &Summary) -> io::Result<()> {
    match format {
        Format::Jsonl => Ok(()),
        Format::Table => {
            let mut t = Table::new(vec!["ID", "LABEL", "STATUS", "END ON EXIT", "SOFT END"]);
            for (id, p) in &summary.updated {
                t.row(vec![
                    id.clone(),
                    p.label.clone().unwrap_or_default(),
                    p.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                    p.end_conference_on_exit.map(yes_no).unwrap_or_default(),
                    p.soft_end_conference_on_exit
                        .map(yes_no)
                        .unwrap_or_default(),
                ]);
            }
            if summary.updated.is_empty() {
                Ok(())
            } else {
                t.write(out)
            }
        }
        Format::Json => {
            let failed: Vec<Value> = summary
                .failed
                .iter()
                .map(|(id, f)| json!({"participant_id": id, "error": error_json(&f.error, &f.message)}))
                .collect();
            let mut doc = json!({
                "updated": summary.updated.iter().map(|(_, p)| p).collect::<Vec<_>>(),
                "failed": failed,
                "skipped": summary.skipped,
                "not_attempted": summary.not_attempted,
            });
            if let Some(stop) = summary.interrupted {
                doc["interrupted"] = json!(stop.name);
            }
            if !summary.listing_warnings.is_empty() {
                doc["listing_incomplete"] = json!(summary.listing_warnings);
            }
            write_json_pretty(out, &doc)
        }
    }
}

/// The summary on stderr: each failure, the participants not attempted
/// (listed here for a table; `json` and `jsonl` list them on stdout), and
/// one line of counts.
fn write_summary(ctx: &Ctx, summary: &Summary) {
    for (id, f) in &summary.failed {
        let who = match id {
            Some(id) => sanitize_line(id, 80),
            None => "an item of the list without an id".to_string(),
        };
        say(&format!("failed {who}: {}", f.message));
    }
    if ctx.format == Format::Table {
        for id in &summary.not_attempted {
            say(&format!("not attempted {}", sanitize_line(id, 80)));
        }
    }
    let total = summary.updated.len() + summary.failed.len() + summary.not_attempted.len();
    let mut line = match summary.interrupted {
        Some(stop) => format!("interrupted by {}: ", stop.name),
        None => String::new(),
    };
    line.push_str(&format!(
        "updated {} of {total} participants",
        summary.updated.len()
    ));
    if !summary.failed.is_empty() {
        line.push_str(&format!(", {} failed", summary.failed.len()));
    }
    if !summary.not_attempted.is_empty() {
        line.push_str(&format!(", {} not attempted", summary.not_attempted.len()));
    }
    if !summary.skipped.is_empty() {
        line.push_str(&format!(
            ", skipped {} who have left",
            summary.skipped.len()
        ));
    }
    if !summary.listing_warnings.is_empty() {
        line.push_str("; the listing may not have named everyone (see the warning above): those it did not name were not updated");
    }
    say(&line);
}
