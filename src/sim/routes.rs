//! The routes of the sim and their handlers.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use serde::Serialize;

use super::SimState;
use super::errors::SimError;
use super::gate::{authorized, gate};
use super::params::{
    Params, beep_enabled, json_object, opt_bool, opt_ids, opt_string, page, page_slice,
};
use super::state::{SimParticipant, World};
use super::wire::{CommandResult, ConferenceStatus, Data, Page, ParticipantStatus};

/// Answers are serialized from borrowed wire shapes while the world is locked.
type Answer = Result<Response, SimError>;

/// The sim's routes: the API under `/v2`, test inspection under `/_sim`.
pub fn router(state: SimState) -> Router {
    let v2 = Router::new()
        .route("/conferences", get(list_conferences))
        .route("/conferences/{id}", get(get_conference))
        .route("/conferences/{id}/participants", get(list_participants))
        .route(
            "/conferences/{id}/participants/{participant_id}",
            get(get_participant).patch(update_participant),
        )
        .route(
            "/conferences/{id}/actions/{action}",
            post(conference_action),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), gate));
    Router::new()
        .nest("/v2", v2)
        .route(
            "/_sim/conferences/{id}/participants/{participant_id}",
            get(sim_participant),
        )
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> SimError {
    SimError::route_not_found()
}

/// A 200 with `value` as JSON.
fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(_) => SimError::server(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
    }
}

/// A conference id that must be a UUID, normalized to lower-case hyphenated form.
fn uuid_param(raw: &str, parameter: &str) -> Result<String, SimError> {
    match uuid::Uuid::try_parse(raw) {
        Ok(id) if raw.len() == 36 => Ok(id.hyphenated().to_string()),
        _ => Err(SimError::invalid_id(parameter)),
    }
}

fn conference(world: &World, id: &str) -> Result<usize, SimError> {
    world
        .conf_index(id)
        .ok_or_else(SimError::conference_not_found)
}

/// A conference by id or (for mute, unmute, hold, unhold) by name.
fn conference_by_id_or_name(world: &World, raw: &str) -> Result<usize, SimError> {
    uuid_param(raw, "id")
        .ok()
        .and_then(|id| world.conf_index(&id))
        .or_else(|| world.conf_by_name(raw))
        .ok_or_else(SimError::conference_not_found)
}

async fn list_conferences(State(s): State<SimState>, RawQuery(q): RawQuery) -> Answer {
    let params = Params::parse(q);
    let status = match params.get("filter[status]") {
        None => None,
        Some(raw) => match ConferenceStatus::parse(raw) {
            None => {
                return Err(
                    SimError::invalid_enum(ConferenceStatus::NAMES).parameter("filter[status]")
                );
            }
            known => known,
        },
    };
    let name = params.get("filter[name]");
    let paging = params.paging()?;
    let world = s.inner.world();
    let matching = world
        .confs
        .iter()
        .filter(|c| status.is_none_or(|s| c.data.status == s))
        .filter(|c| name.is_none_or(|n| c.data.name == n));
    let (items, meta) = page(matching, &paging);
    Ok(json(&Page {
        data: items.into_iter().map(|c| c.data.wire()).collect(),
        meta,
    }))
}

async fn get_conference(State(s): State<SimState>, Path(id): Path<String>) -> Answer {
    let id = uuid_param(&id, "id")?;
    let world = s.inner.world();
    let ci = conference(&world, &id)?;
    Ok(json(&Data {
        data: world.confs[ci].data.wire(),
    }))
}

async fn list_participants(
    State(s): State<SimState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    let id = uuid_param(&id, "conference_id")?;
    let params = Params::parse(q);
    let muted = params.flag("filter[muted]")?;
    let on_hold = params.flag("filter[on_hold]")?;
    let whispering = params.flag("filter[whispering]")?;
    let paging = params.paging()?;
    let world = s.inner.world();
    let conf = &world.confs[conference(&world, &id)?];
    let (items, meta) = if muted.is_none() && on_hold.is_none() && whispering.is_none() {
        let (slice, meta) = page_slice(&conf.participants, &paging);
        (slice.iter().collect(), meta)
    } else {
        let matching = conf.participants.iter().filter(|p| {
            muted.is_none_or(|m| p.muted == m)
                && on_hold.is_none_or(|h| p.on_hold == h)
                && whispering.is_none_or(|w| p.whisper_call_control_ids.is_empty() != w)
        });
        page(matching, &paging)
    };
    let reference = conf.reference();
    Ok(json(&Page {
        data: items
            .into_iter()
            .map(|p: &SimParticipant| p.to_list_item(reference.clone()))
            .collect(),
        meta,
    }))
}

async fn get_participant(
    State(s): State<SimState>,
    Path((id, participant)): Path<(String, String)>,
) -> Answer {
    let id = uuid_param(&id, "id")?;
    let world = s.inner.world();
    let conf = &world.confs[conference(&world, &id)?];
    let pi = conf
        .find(&participant)
        .ok_or_else(SimError::participant_not_found)?;
    Ok(json(&Data {
        data: conf.participants[pi].to_resource(&id),
    }))
}

async fn update_participant(
    State(s): State<SimState>,
    Path((id, participant)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let id = uuid_param(&id, "id")?;
    let body = json_object(&body)?;
    let end_on_exit = opt_bool(&body, "end_conference_on_exit")?;
    let soft_end_on_exit = opt_bool(&body, "soft_end_conference_on_exit")?;
    let beep = beep_enabled(&body)?;
    let mut world = s.inner.world();
    let ci = conference(&world, &id)?;
    let conf = &world.confs[ci];
    if !conf.in_progress() {
        return Err(SimError::conference_ended());
    }
    let pi = *conf
        .index
        .get(&participant)
        .ok_or_else(SimError::participant_not_found)?;
    if conf.participants[pi].status == ParticipantStatus::Left {
        return Err(SimError::call_ended());
    }
    let at = world.stamp_now();
    let p = &mut world.confs[ci].participants[pi];
    if let Some(v) = end_on_exit {
        p.end_conference_on_exit = v;
    }
    if let Some(v) = soft_end_on_exit {
        p.soft_end_conference_on_exit = v;
    }
    if let Some(v) = beep {
        p.beep_enabled = Some(v);
    }
    p.updated_at = at;
    Ok(json(&Data {
        data: p.to_resource(&id),
    }))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Mute,
    Unmute,
    Hold,
    Unhold,
    End,
}

async fn conference_action(
    State(s): State<SimState>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let action = match action.as_str() {
        "mute" => Action::Mute,
        "unmute" => Action::Unmute,
        "hold" => Action::Hold,
        "unhold" => Action::Unhold,
        "end" => Action::End,
        _ => return Err(SimError::route_not_found()),
    };
    if action == Action::End {
        uuid_param(&id, "id")?;
    }
    let body = json_object(&body)?;
    let ids = match action {
        Action::End => {
            opt_string(&body, "command_id")?;
            None
        }
        _ => opt_ids(&body)?,
    };
    if action == Action::Hold {
        opt_string(&body, "audio_url")?;
        opt_string(&body, "media_name")?;
    }
    if action == Action::Unhold && ids.as_ref().is_none_or(Vec::is_empty) {
        return Err(SimError::missing("call_control_ids"));
    }
    let mut world = s.inner.world();
    let ci = match action {
        Action::End => conference(&world, &uuid_param(&id, "id")?)?,
        _ => conference_by_id_or_name(&world, &id)?,
    };
    if !world.confs[ci].in_progress() {
        return Err(SimError::conference_ended());
    }
    if action == Action::End {
        world.end_via_api(ci);
        return Ok(json(&Data {
            data: CommandResult::OK,
        }));
    }
    let targets = targets(&world.confs[ci].participants, ids.as_deref().unwrap_or(&[]))?;
    let at = world.stamp_now();
    for pi in targets {
        let p = &mut world.confs[ci].participants[pi];
        let field = match action {
            Action::Mute | Action::Unmute => &mut p.muted,
            _ => &mut p.on_hold,
        };
        let value = matches!(action, Action::Mute | Action::Hold);
        if *field != value {
            *field = value;
            p.updated_at = at.clone();
        }
    }
    Ok(json(&Data {
        data: CommandResult::OK,
    }))
}

/// The participants an action addresses: every one still there for an empty
/// list, else exactly those listed (each must be in the conference and not gone).
fn targets(participants: &[SimParticipant], ids: &[String]) -> Result<Vec<usize>, SimError> {
    let live = |p: &SimParticipant| p.status != ParticipantStatus::Left;
    if ids.is_empty() {
        return Ok((0..participants.len())
            .filter(|&i| live(&participants[i]))
            .collect());
    }
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let found: Vec<usize> = (0..participants.len())
        .filter(|&i| wanted.contains(participants[i].call_control_id.as_str()))
        .collect();
    if found.len() < wanted.len() {
        return Err(SimError::invalid_call_control_id());
    }
    if found.iter().any(|&i| !live(&participants[i])) {
        return Err(SimError::call_ended().pointer("/call_control_ids"));
    }
    Ok(found)
}

/// `GET /_sim/conferences/{id}/participants/{id or label}`: everything the
/// sim knows, `beep_enabled` included.
async fn sim_participant(
    State(s): State<SimState>,
    headers: HeaderMap,
    Path((id, participant)): Path<(String, String)>,
) -> Response {
    if !authorized(&s.inner, &headers) {
        return SimError::unauthorized().into_response();
    }
    let world = s.inner.world();
    let Some(ci) = world.conf_index(&id) else {
        return SimError::conference_not_found().into_response();
    };
    let conf = &world.confs[ci];
    match conf.find(&participant) {
        Some(pi) => json(&Data {
            data: &conf.participants[pi],
        }),
        None => SimError::participant_not_found().into_response(),
    }
}
