//! `confmod update`: PATCH one, several or all participants of a conference.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::list::participant_filter;
use super::output::{Table, error_json, write_json_line, write_json_pretty, yes_no};
use super::{Ctx, recorded, require_complete};
use crate::audit::{Outcome, Party, Subject, Write as AuditWrite};
use crate::cli::{Format, UpdateArgs};
use crate::error::{Error, usage};
use crate::sanitize::sanitize_line;
use crate::telnyx::{
    ApiError, Client, ConferenceId, ConferenceParticipant, ErrorKind, ParticipantRef,
    ParticipantStatus, UpdateParticipant, Written,
};

/// How many times a bulk update goes back to one participant after the
/// server kept answering 429 through the client's own retries.
const RATE_LIMIT_ROUNDS: u32 = 10;
/// The longest pause of all workers after a 429, whatever the server asks.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// What a bulk update did, in the order the participants were given.
#[derive(Debug, Default)]
pub(super) struct BulkOutcome {
    pub updated: Vec<(String, ConferenceParticipant)>,
    pub failed: Vec<(String, ApiError)>,
}

/// PATCHes every participant in `ids` with `request`, `concurrency` at a time.
/// A 429 that outlasts the client's retries pauses every worker until the
/// server's `Retry-After` and the participant is tried again; nothing is
/// dropped: each id ends in `updated` or in `failed`.
pub(super) async fn bulk_update(
    client: &Client,
    conference_id: &ConferenceId,
    ids: Vec<String>,
    request: UpdateParticipant,
    concurrency: usize,
    on_done: impl Fn(&str, &Result<Written<ConferenceParticipant>, ApiError>),
) -> BulkOutcome {
    let resume_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let mut results: Vec<(
        usize,
        String,
        Result<Written<ConferenceParticipant>, ApiError>,
    )> = futures::stream::iter(ids.into_iter().enumerate())
        .map(|(i, id)| {
            let resume_at = resume_at.clone();
            async move {
                let result = update_one(client, conference_id, &id, &request, &resume_at).await;
                (i, id, result)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .inspect(|(_, id, result)| on_done(id, result))
        .collect()
        .await;
    results.sort_by_key(|(i, _, _)| *i);
    let mut outcome = BulkOutcome::default();
    for (_, id, result) in results {
        match result {
            Ok(w) => outcome.updated.push((id, w.data)),
            Err(e) => outcome.failed.push((id, e)),
        }
    }
    outcome
}

async fn update_one(
    client: &Client,
    conference_id: &ConferenceId,
    id: &str,
    request: &UpdateParticipant,
    resume_at: &Mutex<Option<Instant>>,
) -> Result<Written<ConferenceParticipant>, ApiError> {
    let mut round = 0;
    loop {
        let wait_until = *resume_at.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = wait_until {
            tokio::time::sleep_until(at).await;
        }
        match client.update_participant(conference_id, id, request).await {
            Err(e) if e.kind == ErrorKind::RateLimited && round < RATE_LIMIT_ROUNDS => {
                round += 1;
                let pause = e
                    .retry_after
                    .unwrap_or(Duration::from_secs(1))
                    .min(MAX_PAUSE);
                let until = Instant::now() + pause;
                let mut gate = resume_at.lock().unwrap_or_else(|e| e.into_inner());
                if gate.is_none_or(|g| g < until) {
                    *gate = Some(until);
                }
            }
            other => return other,
        }
    }
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
    let client = ctx.client()?;
    let journal = ctx.journal(&client, "update")?;

    let mut skipped = Vec::new();
    // who each participant is, for the journal
    let mut parties: HashMap<String, Party> = HashMap::new();
    let ids: Vec<String> = if args.all {
        let listing = client
            .list_participants(conf, &participant_filter(&args.filter))
            .await?;
        require_complete(&listing, "nothing was updated")?;
        ctx.report_listing(&listing);
        let mut ids = Vec::new();
        for p in listing.items {
            if p.status == ParticipantStatus::Left {
                skipped.push(p.id);
            } else {
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
        }
        ids
    } else {
        let mut ids = Vec::with_capacity(args.participants.len());
        for p in &args.participants {
            let party = participant(&client, conf, p).await?;
            let id = party.id.clone().unwrap_or_default();
            parties.insert(id.clone(), party);
            ids.push(id);
        }
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        ids
    };

    let progress = if ids.len() > 1 && std::io::stderr().is_terminal() {
        let bar =
            ProgressBar::with_draw_target(Some(ids.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} updating {bar:30} {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let conference_name = if ids.is_empty() {
        None
    } else {
        client.get_conference(conf).await.ok().map(|c| c.name)
    };
    let failures = AtomicUsize::new(0);
    let unrecorded = AtomicUsize::new(0);
    let outcome = bulk_update(
        &client,
        conf,
        ids,
        request,
        args.concurrency.unwrap_or(ctx.settings.concurrency) as usize,
        |id, result| {
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
                Outcome::of(result),
            );
            // said once; the rest are counted in the summary
            if entry.is_err() && unrecorded.fetch_add(1, Ordering::Relaxed) == 0 {
                progress.suspend(|| recorded(entry));
            }
            if result.is_err() {
                let n = failures.fetch_add(1, Ordering::Relaxed) + 1;
                progress.set_message(format!("({n} failed)"));
            }
            progress.inc(1);
        },
    )
    .await;
    progress.finish_and_clear();

    report(ctx, &outcome, &skipped)?;
    let unrecorded = unrecorded.into_inner();
    if unrecorded > 0 {
        eprintln!(
            "confmod: {unrecorded} of these writes are not in the audit journal {}",
            sanitize_line(&journal.path().display().to_string(), 200)
        );
        return Err(Error::Reported);
    }
    if outcome.failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Reported)
    }
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

fn report(ctx: &Ctx, outcome: &BulkOutcome, skipped: &[String]) -> Result<(), Error> {
    // A reader that stopped early (`| head`) costs the listing, not the
    // summary on stderr nor the exit code.
    match write_results(ctx, outcome, skipped) {
        Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    write_summary(outcome, skipped)?;
    Ok(())
}

fn write_results(ctx: &Ctx, outcome: &BulkOutcome, skipped: &[String]) -> Result<(), Error> {
    let mut out = ctx.stdout();
    match ctx.format {
        Format::Table => {
            let mut t = Table::new(vec!["ID", "LABEL", "STATUS", "END ON EXIT", "SOFT END"]);
            for (id, p) in &outcome.updated {
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
            if !outcome.updated.is_empty() {
                t.write(&mut out)?;
            }
        }
        Format::Json => {
            let doc = json!({
                "updated": outcome.updated.iter().map(|(_, p)| p).collect::<Vec<_>>(),
                "failed": outcome.failed.iter().map(|(id, e)| json!({"participant_id": id, "error": error_json(e)})).collect::<Vec<_>>(),
                "skipped": skipped,
            });
            write_json_pretty(&mut out, &doc)?;
        }
        Format::Jsonl => {
            for (id, p) in &outcome.updated {
                let line: Value = json!({"participant_id": id, "ok": true, "data": p});
                write_json_line(&mut out, &line)?;
            }
            for (id, e) in &outcome.failed {
                let line: Value =
                    json!({"participant_id": id, "ok": false, "error": error_json(e)});
                write_json_line(&mut out, &line)?;
            }
            for id in skipped {
                let line: Value = json!({"participant_id": id, "ok": false, "skipped": "left"});
                write_json_line(&mut out, &line)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn write_summary(outcome: &BulkOutcome, skipped: &[String]) -> Result<(), Error> {
    let mut err = std::io::stderr().lock();
    for (id, e) in &outcome.failed {
        writeln!(err, "failed {}: {e}", sanitize_line(id, 80))?;
    }
    let total = outcome.updated.len() + outcome.failed.len();
    let mut summary = format!("updated {} of {total} participants", outcome.updated.len());
    if !outcome.failed.is_empty() {
        summary.push_str(&format!(", {} failed", outcome.failed.len()));
    }
    if !skipped.is_empty() {
        summary.push_str(&format!(", skipped {} who have left", skipped.len()));
    }
    writeln!(err, "{summary}")?;
    Ok(())
}
