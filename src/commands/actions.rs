//! `confmod mute|unmute|hold|unhold` and `confmod end`.

use std::io::Write;

use serde_json::json;

use super::output::write_json_line;
use super::{CmdError, Ctx};
use crate::cli::{ActionArgs, EndArgs, Format};
use crate::config::{conference_id, usage};
use crate::sanitize::sanitize_line;
use crate::telnyx::{ApiError, CallControlIds, Client, ParticipantAction};

/// True for a value that already is a call_control_id (`v2:...`, `v3:...`).
fn is_call_control_id(s: &str) -> bool {
    s.len() > 3 && (s.starts_with("v2:") || s.starts_with("v3:"))
}

/// Resolves participant ids or labels to call_control_ids (one GET each;
/// call_control_ids given as such are used as they are).
async fn resolve(
    client: &Client,
    conference_id: &str,
    refs: &[String],
) -> Result<Vec<String>, CmdError> {
    let mut ids = Vec::with_capacity(refs.len());
    for r in refs {
        let r = r.trim();
        if r.is_empty() {
            return Err(usage("an empty participant id").into());
        }
        if is_call_control_id(r) {
            ids.push(r.to_string());
            continue;
        }
        let p = client
            .get_participant(conference_id, r)
            .await
            .map_err(|e| CmdError::Context(format!("participant {}", sanitize_line(r, 80)), e))?;
        match p.call_control_id.filter(|c| !c.is_empty()) {
            Some(c) => ids.push(c),
            None => {
                return Err(CmdError::Context(
                    format!("participant {}", sanitize_line(r, 80)),
                    ApiError::decode(200, b"", "the participant has no call_control_id"),
                ));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    Ok(ids)
}

pub async fn action(
    ctx: &Ctx,
    action: ParticipantAction,
    args: &ActionArgs,
) -> Result<(), CmdError> {
    let conf = conference_id(&args.conference)?;
    if args.participants.iter().any(|p| p.trim().is_empty()) {
        return Err(usage("an empty participant id").into());
    }
    let client = ctx.client()?;
    let resolved = resolve(&client, &conf, &args.participants).await?;
    // An empty list would mean "every participant" to the API: never send one.
    let ids = CallControlIds::new(resolved).ok_or_else(|| usage("no participant to act on"))?;
    client.participant_action(&conf, action, &ids).await?;

    let mut out = ctx.stdout();
    let done = match action {
        ParticipantAction::Mute => "muted",
        ParticipantAction::Unmute => "unmuted",
        ParticipantAction::Hold => "put on hold",
        ParticipantAction::Unhold => "took off hold",
    };
    match ctx.format {
        Format::Table => {
            let n = ids.as_slice().len();
            writeln!(
                out,
                "{done} {n} participant{}",
                if n == 1 { "" } else { "s" }
            )?;
        }
        Format::Json | Format::Jsonl => {
            let doc = json!({"result": "ok", "action": action.as_str(), "call_control_ids": ids.as_slice()});
            write_json_line(&mut out, &doc)?;
        }
    }
    out.flush()?;
    Ok(())
}

pub async fn end(ctx: &Ctx, args: &EndArgs) -> Result<(), CmdError> {
    let conf = conference_id(&args.conference)?;
    if !args.yes {
        return Err(
            usage("ending a conference hangs up every participant: add --yes to confirm").into(),
        );
    }
    let client = ctx.client()?;
    client.end_conference(&conf).await?;
    let mut out = ctx.stdout();
    match ctx.format {
        Format::Table => writeln!(out, "ended conference {conf}")?,
        _ => write_json_line(&mut out, &json!({"result": "ok", "conference_id": conf}))?,
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_control_ids_are_recognised() {
        assert!(is_call_control_id(
            "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
        ));
        assert!(!is_call_control_id("v3:"));
        assert!(!is_call_control_id("3fa85f64-5717-4562-b3fc-2c963f66afa6"));
    }
}
