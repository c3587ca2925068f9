//! `confmod mute|unmute|hold|unhold` and `confmod end`.

use std::collections::HashSet;
use std::io::Write;

use serde_json::json;

use super::output::write_json_line;
use super::{Ctx, recorded};
use crate::audit::{Outcome, Party, Subject, Write as AuditWrite};
use crate::cli::{ActionArgs, EndArgs, Format};
use crate::error::{Error, usage};
use crate::sanitize::sanitize_line;
use crate::telnyx::{
    ApiError, CallControlIds, Client, CommandResult, ConferenceId, HoldMusic, ParticipantAction,
    ParticipantRef,
};

/// The participants given, each with its call_control_id: one GET for each
/// id or label, call_control_ids as they are; each call once.
async fn resolve(
    client: &Client,
    conference: &ConferenceId,
    refs: &[ParticipantRef],
) -> Result<Vec<Party>, Error> {
    let mut parties = Vec::with_capacity(refs.len());
    for r in refs {
        let party = match r {
            ParticipantRef::CallControlId(c) => Party {
                call_control_id: Some(c.clone()),
                ..Party::default()
            },
            ParticipantRef::Id(_) | ParticipantRef::Label(_) => {
                let p = client
                    .get_participant(conference, r)
                    .await
                    .map_err(|source| Error::About {
                        what: r.describe(),
                        source,
                    })?;
                match p.call_control_id.filter(|c| !c.trim().is_empty()) {
                    Some(c) => Party {
                        id: p.id,
                        label: p.label,
                        call_control_id: Some(c),
                    },
                    None => {
                        return Err(Error::About {
                            what: r.describe(),
                            source: ApiError::decode(
                                200,
                                b"",
                                "the participant has no call_control_id",
                            ),
                        });
                    }
                }
            }
        };
        parties.push(party);
    }
    let mut seen = HashSet::new();
    parties.retain(|p| seen.insert(p.call_control_id.clone()));
    Ok(parties)
}

/// The conference's name for the journal; none when it cannot be read
/// (the write does not depend on it).
async fn conference_name(client: &Client, conference: &ConferenceId) -> Option<String> {
    client.get_conference(conference).await.ok().map(|c| c.name)
}

/// The server's `result`, safe to print.
fn result_text(result: &CommandResult) -> String {
    sanitize_line(&result.result, 80)
}

pub(super) async fn action(
    ctx: &Ctx,
    action: ParticipantAction,
    args: &ActionArgs,
) -> Result<(), Error> {
    act(ctx, action, args, None).await
}

/// `hold`, with the hold music of the flags or the config file.
pub(super) async fn hold(
    ctx: &Ctx,
    args: &ActionArgs,
    music: Option<&HoldMusic>,
) -> Result<(), Error> {
    act(ctx, ParticipantAction::Hold, args, music).await
}

async fn act(
    ctx: &Ctx,
    action: ParticipantAction,
    args: &ActionArgs,
    music: Option<&HoldMusic>,
) -> Result<(), Error> {
    let client = ctx.client()?;
    let journal = ctx.journal(&client, action.as_str())?;
    let parties = resolve(&client, &args.conference, &args.participants).await?;
    // An empty list would mean "every participant" to the API: never send one.
    let ids = CallControlIds::new(
        parties
            .iter()
            .filter_map(|p| p.call_control_id.clone())
            .collect(),
    )
    .ok_or_else(|| usage("no participant to act on"))?;
    let subject = Subject {
        conference_name: conference_name(&client, &args.conference).await,
        participants: parties,
    };
    let result = client
        .participant_action(&args.conference, action, &ids, music)
        .await;
    let written = recorded(journal.record(
        &args.conference,
        &subject,
        &AuditWrite::Action {
            action,
            call_control_ids: &ids,
            music,
        },
        Outcome::of(&result),
    ));
    let answer = result?.data;

    let mut out = ctx.stdout();
    match ctx.format {
        Format::Table => {
            let done = match action {
                ParticipantAction::Mute => "muted",
                ParticipantAction::Unmute => "unmuted",
                ParticipantAction::Hold => "put on hold",
                ParticipantAction::Unhold => "took off hold",
            };
            let n = ids.as_slice().len();
            writeln!(
                out,
                "{done} {n} participant{}: the server answered \"{}\"",
                if n == 1 { "" } else { "s" },
                result_text(&answer)
            )?;
        }
        Format::Json | Format::Jsonl => {
            let doc = json!({
                "result": answer.result,
                "action": action.as_str(),
                "call_control_ids": ids.as_slice(),
            });
            write_json_line(&mut out, &doc)?;
        }
    }
    out.flush()?;
    if written {
        Ok(())
    } else {
        Err(Error::Reported)
    }
}

pub(super) async fn end(ctx: &Ctx, args: &EndArgs) -> Result<(), Error> {
    if !args.yes {
        return Err(
            usage("ending a conference hangs up every participant: add --yes to confirm").into(),
        );
    }
    let client = ctx.client()?;
    let journal = ctx.journal(&client, "end")?;
    let subject = Subject {
        conference_name: conference_name(&client, &args.conference).await,
        participants: Vec::new(),
    };
    let result = client.end_conference(&args.conference).await;
    let written = recorded(journal.record(
        &args.conference,
        &subject,
        &AuditWrite::End,
        Outcome::of(&result),
    ));
    let answer = result?.data;
    let mut out = ctx.stdout();
    let conf = args.conference;
    match ctx.format {
        Format::Table => writeln!(
            out,
            "ended conference {conf}: the server answered \"{}\"",
            result_text(&answer)
        )?,
        _ => write_json_line(
            &mut out,
            &json!({"result": answer.result, "conference_id": conf.to_string()}),
        )?,
    }
    out.flush()?;
    if written {
        Ok(())
    } else {
        Err(Error::Reported)
    }
}
