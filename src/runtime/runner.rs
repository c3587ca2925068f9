//! Runs effects as tokio tasks that answer over the channel. Tasks own no
//! state: every answer carries what it answers (its seq, its ids).

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::app::{Effect, Msg};
use crate::telnyx::{Client, ConferenceFilter, ConferenceStatus, ParticipantFilter};

pub struct Runner {
    pub client: Client,
    pub tx: mpsc::UnboundedSender<Msg>,
}

impl Runner {
    pub fn spawn(&self, tasks: &mut JoinSet<()>, effect: Effect) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::Quit => {}
            Effect::LoadConferences { seq } => {
                tasks.spawn(async move {
                    let filter = ConferenceFilter {
                        status: Some(ConferenceStatus::InProgress),
                        name: None,
                    };
                    let result = client.list_conferences(&filter).await;
                    let _ = tx.send(Msg::ConferencesLoaded { seq, result });
                });
            }
            Effect::LoadConference { seq, conference_id } => {
                tasks.spawn(async move {
                    let result = client.get_conference(&conference_id).await;
                    let _ = tx.send(Msg::ConferenceLoaded {
                        seq,
                        conference_id,
                        result,
                    });
                });
            }
            Effect::LoadParticipants { seq, conference_id } => {
                tasks.spawn(async move {
                    let result = client
                        .list_participants(&conference_id, &ParticipantFilter::default())
                        .await;
                    let _ = tx.send(Msg::ParticipantsLoaded {
                        seq,
                        conference_id,
                        result,
                    });
                });
            }
            Effect::LoadLabel {
                conference_id,
                participant_id,
            } => {
                // the model keeps at most LABEL_CONCURRENCY of these in flight
                tasks.spawn(async move {
                    let result = client
                        .get_participant(&conference_id, &participant_id)
                        .await
                        .map(|p| p.label);
                    let _ = tx.send(Msg::LabelLoaded {
                        conference_id,
                        participant_id,
                        result,
                    });
                });
            }
            Effect::Patch {
                seq,
                conference_id,
                participant_id,
                update,
            } => {
                tasks.spawn(async move {
                    let result = client
                        .update_participant(&conference_id, &participant_id, &update)
                        .await;
                    let _ = tx.send(Msg::Patched {
                        seq,
                        conference_id,
                        participant_id,
                        result,
                    });
                });
            }
            Effect::Action {
                seq,
                conference_id,
                participant_id,
                action,
                call_control_ids,
            } => {
                tasks.spawn(async move {
                    let result = client
                        .participant_action(&conference_id, action, &call_control_ids)
                        .await;
                    let _ = tx.send(Msg::ActionDone {
                        seq,
                        conference_id,
                        participant_id,
                        action,
                        result,
                    });
                });
            }
        }
    }
}
