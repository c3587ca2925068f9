//! The console's `update` core driven as tables: fixtures and helpers shared
//! by the test files that use them.

use std::time::Duration;

use confmod::app::{Context, Effect, Level, Model, Msg, init, update};
use confmod::telnyx::{
    ApiError, CommandResult, Conference, ConferenceId, ConferenceParticipant, ConferenceStatus,
    Listing, Participant, ParticipantStatus, UpdateParticipant,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;
use time::macros::datetime;

pub const CONF: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
pub const T0: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

pub fn conf() -> ConferenceId {
    CONF.parse().unwrap()
}

pub fn ok() -> CommandResult {
    CommandResult {
        result: "ok".into(),
    }
}

pub fn ctx() -> Context {
    Context {
        api_host: "127.0.0.1:9".into(),
        demo: false,
        read_only: false,
        no_color: true,
        refresh: Duration::from_secs(2),
        concurrency: 8,
        hold_music: None,
        api_base: "http://127.0.0.1:8765/v2".into(),
    }
}

pub fn participant(i: usize) -> Participant {
    Participant {
        id: format!("p{i}"),
        call_control_id: format!("v3:call{i}"),
        status: ParticipantStatus::Joined,
        created_at: "2026-11-30T09:50:00.000Z".into(),
        ..Default::default()
    }
}

pub fn people(n: usize) -> Vec<Participant> {
    (0..n).map(participant).collect()
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl_c() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
}

pub fn send(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(model, m)).collect()
}

pub fn poll_seq(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadParticipants { seq, .. } => Some(*seq),
            _ => None,
        })
        .expect("a participant list request")
}

pub fn listed(seq: u64, items: Vec<Participant>) -> Msg {
    Msg::ParticipantsLoaded {
        seq,
        conference_id: conf(),
        result: Ok(Listing {
            items,
            rejected: vec![],
            ..Listing::default()
        }),
    }
}

/// A model with the conference open and `n` participants loaded, at 120x40.
/// A model with the conference open (in progress, its name read) and `n`
/// participants loaded, at 120x40.
pub fn table(n: usize) -> Model {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let effects = init(&mut m, Some(conf()));
    let seq = poll_seq(&effects);
    update(&mut m, listed(seq, people(n)));
    for e in effects {
        if let Effect::LoadConference { seq, .. } = e {
            update(
                &mut m,
                Msg::ConferenceLoaded {
                    seq,
                    conference_id: conf(),
                    result: Ok(Conference {
                        id: CONF.into(),
                        name: "Weekly sync".into(),
                        status: Some(ConferenceStatus::InProgress),
                        ..Default::default()
                    }),
                },
            );
        }
    }
    m
}

pub fn patched(
    seq: u64,
    participant: &str,
    result: Result<ConferenceParticipant, ApiError>,
) -> Msg {
    Msg::Patched {
        seq,
        conference_id: conf(),
        participant_id: participant.into(),
        result,
    }
}

pub fn failed_listing(seq: u64, e: ApiError) -> Msg {
    Msg::ParticipantsLoaded {
        seq,
        conference_id: conf(),
        result: Err(e),
    }
}

/// Enter, Tab, Space, Enter: a PATCH of soft_end_conference_on_exit for the
/// selected participant; its seq.
pub fn submit_soft_end(m: &mut Model) -> u64 {
    let effects = send(
        m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    );
    patch_of(&effects).0
}

pub fn api_error(status: u16, code: &str, title: &str, detail: &str) -> ApiError {
    let body = serde_json::json!({"errors": [{"code": code, "title": title, "detail": detail}]});
    ApiError::from_response(status, body.to_string().as_bytes(), None)
}

pub fn selected_id(m: &Model) -> String {
    m.conf.as_ref().unwrap().selected().unwrap().p.id.clone()
}

pub fn row<'a>(m: &'a Model, id: &str) -> &'a Participant {
    &m.conf.as_ref().unwrap().row(id).unwrap().p
}

pub fn patch_of(effects: &[Effect]) -> (u64, UpdateParticipant) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Patch { seq, update, .. } => Some((*seq, *update)),
            _ => None,
        })
        .expect("a PATCH")
}

pub fn has_toast(m: &Model, level: Level, needle: &str) -> bool {
    m.toasts
        .iter()
        .any(|t| t.level == level && t.text.contains(needle))
}
