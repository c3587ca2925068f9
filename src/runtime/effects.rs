//! The one effect interpreter: runs an `Effect` against the API and answers
//! with the `Msg` it produces. Tasks own no state: every answer carries what
//! it answers (its seq, its ids).

use crate::app::{Effect, Msg};
use crate::telnyx::{
    Client, ConferenceFilter, ConferenceStatus, ParticipantFilter, ParticipantRef,
};

/// Performs one effect; `None` for an effect that has no answer (`Quit` and
/// `Copy`, which the event loop acts on itself).
pub(crate) async fn perform(client: &Client, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::Quit => return None,
        Effect::LoadConferences { seq } => {
            let filter = ConferenceFilter {
                status: Some(ConferenceStatus::InProgress),
                name: None,
            };
            let result = client.list_conferences(&filter).await;
            Msg::ConferencesLoaded { seq, result }
        }
        Effect::LoadConference { seq, conference_id } => Msg::ConferenceLoaded {
            seq,
            conference_id,
            result: client.get_conference(&conference_id).await,
        },
        Effect::LoadParticipants { seq, conference_id } => Msg::ParticipantsLoaded {
            seq,
            conference_id,
            result: client
                .list_participants(&conference_id, &ParticipantFilter::default())
                .await,
        },
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
        } => Msg::Patched {
            seq,
            result: client
                .update_participant(&conference_id, &participant_id, &update)
                .await,
            conference_id,
            participant_id,
        },
        Effect::Action {
            seq,
            conference_id,
            participant_ids,
            action,
            call_control_ids,
            music,
        } => Msg::ActionDone {
            seq,
            result: client
                .participant_action(&conference_id, action, &call_control_ids, music.as_ref())
                .await,
            conference_id,
            participant_ids,
            action,
        },
        Effect::End { seq, conference_id } => Msg::Ended {
            seq,
            result: client.end_conference(&conference_id).await,
            conference_id,
        },
        // the event loop writes to the terminal itself
        Effect::Copy(_) => return None,
    })
}
