//! The one effect interpreter: runs an `Effect` against the API and answers
//! with the `Msg` it produces. Tasks own no state: every answer carries what
//! it answers (its seq, its ids).

use crate::app::{Effect, Msg};
use crate::audit::{Journal, Outcome, Write};
use crate::telnyx::{
    ApiError, Client, Conference, ConferenceFilter, ConferenceStatus, LeanParticipant, Listing,
    ParticipantFilter, ParticipantRef,
};

/// The conferences an operator can moderate: those in progress, then those
/// created and waiting for their first participant (`init`). The API
/// filters on one status at a time.
async fn live_conferences(client: &Client) -> Result<Listing<Conference>, ApiError> {
    let mut all = Listing::default();
    for status in [ConferenceStatus::InProgress, ConferenceStatus::Init] {
        let filter = ConferenceFilter {
            status: Some(status),
            name: None,
        };
        let mut listing = client.list_conferences(&filter).await?;
        all.items.append(&mut listing.items);
        all.rejected.append(&mut listing.rejected);
        all.warnings.append(&mut listing.warnings);
        all.truncated = all.truncated.or(listing.truncated);
    }
    Ok(all)
}

/// Performs one effect and gives the answers it produces: none for `Quit`
/// and `Copy` (the event loop acts on them itself); for a write, its answer
/// and, when the journal could not record it, a `JournalFailed`.
pub(crate) async fn perform(
    client: &Client,
    journal: Option<&Journal>,
    effect: Effect,
) -> Vec<Msg> {
    let mut msgs = Vec::with_capacity(1);
    let mut record = |result: Result<(), crate::audit::JournalError>| {
        if let Err(e) = result {
            msgs.push(Msg::JournalFailed(e.to_string()));
        }
    };
    let answer = match effect {
        Effect::Quit => return Vec::new(),
        Effect::LoadConferences { seq } => Msg::ConferencesLoaded {
            seq,
            result: live_conferences(client).await,
        },
        Effect::CheckConference { conference_id } => Msg::ConferenceChecked {
            result: client.get_conference(&conference_id).await,
            conference_id,
        },
        Effect::LoadConference { seq, conference_id } => Msg::ConferenceLoaded {
            seq,
            conference_id,
            result: client.get_conference(&conference_id).await,
        },
        Effect::LoadParticipants { seq, conference_id } => {
            // each item is decoded lean: what a row does not keep is
            // skipped as it is read, never allocated
            let pages = client.participant_pages::<LeanParticipant>(
                &conference_id,
                &ParticipantFilter::default(),
            );
            let result = match pages {
                Ok(pages) => pages.collect().await.map(|listing| Listing {
                    // in place: a LeanParticipant is a Participant
                    items: listing.items.into_iter().map(|p| p.0).collect(),
                    rejected: listing.rejected,
                    warnings: listing.warnings,
                    truncated: listing.truncated,
                }),
                Err(e) => Err(e),
            };
            Msg::ParticipantsLoaded {
                seq,
                conference_id,
                result,
            }
        }
        Effect::LoadLabel {
            conference_id,
            participant_id,
        } => {
            // the model keeps at most LABEL_CONCURRENCY of these in flight
            let who = ParticipantRef::Id(participant_id.clone());
            let result = client
                .get_participant(&conference_id, &who)
                .await
                .map(|p| p.label);
            Msg::LabelLoaded {
                conference_id,
                participant_id,
                result,
            }
        }
        Effect::Patch {
            seq,
            conference_id,
            participant_id,
            update,
            subject,
        } => {
            let result = client
                .update_participant(&conference_id, &participant_id, &update)
                .await;
            if let Some(journal) = journal {
                record(journal.record(
                    &conference_id,
                    &subject,
                    &Write::Update(&update),
                    Outcome::of(&result),
                ));
            }
            Msg::Patched {
                seq,
                result: result.map(|w| w.data),
                conference_id,
                participant_id,
            }
        }
        Effect::Action {
            seq,
            conference_id,
            participant_ids,
            action,
            call_control_ids,
            music,
            subject,
        } => {
            let result = client
                .participant_action(&conference_id, action, &call_control_ids, music.as_ref())
                .await;
            if let Some(journal) = journal {
                let write = Write::Action {
                    action,
                    call_control_ids: &call_control_ids,
                    music: music.as_ref(),
                };
                record(journal.record(&conference_id, &subject, &write, Outcome::of(&result)));
            }
            Msg::ActionDone {
                seq,
                result: result.map(|w| w.data),
                conference_id,
                participant_ids,
                action,
            }
        }
        Effect::End {
            seq,
            conference_id,
            subject,
        } => {
            let result = client.end_conference(&conference_id).await;
            if let Some(journal) = journal {
                record(journal.record(&conference_id, &subject, &Write::End, Outcome::of(&result)));
            }
            Msg::Ended {
                seq,
                result: result.map(|w| w.data),
                conference_id,
            }
        }
        // the event loop writes to the terminal itself
        Effect::Copy(_) => return Vec::new(),
    };
    msgs.insert(0, answer);
    msgs
}
