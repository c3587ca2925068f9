//! The routes of the sim and their handlers. Each handler checks its
//! request in the order the module documentation gives, then answers from
//! the world, serializing borrowed wire shapes while it holds the lock.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use serde::Serialize;

use super::SimState;
use super::body::{self, Action};
use super::errors::SimError;
use super::gate::{authorized, gate};
use super::limits::{BODY_LIMIT, limits};
use super::query::{self, Query, page, page_slice};
use super::state::{SimParticipant, World};
use super::wire::{CommandResult, ConferenceStatus, Data, Page, ParticipantStatus};

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
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), gate));
    Router::new()
        .nest("/v2", v2)
        .route(
            "/_sim/conferences/{id}/participants/{participant_id}",
            get(sim_participant),
        )
        .route("/_sim/stats", get(sim_stats))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), limits))
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

/// The path parameter a rejected `Path` could not percent-decode to UTF-8.
fn undecodable(rejection: &PathRejection) -> Option<&str> {
    match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
            PathErrorKind::InvalidUtf8InPathParam { key } => Some(key),
            _ => None,
        },
        _ => None,
    }
}

/// A conference id where the spec says `format: uuid`, normalized to its
/// lower-case hyphenated form; else 422 `10006`.
fn uuid_param(raw: &str) -> Result<String, SimError> {
    match uuid::Uuid::try_parse(raw) {
        Ok(id) if raw.len() == 36 => Ok(id.hyphenated().to_string()),
        _ => Err(SimError::invalid_id("id")),
    }
}

/// A conference by id where the spec says a plain string: anything that
/// does not name one is a 404.
fn conference_by_id(world: &World, raw: &str) -> Result<usize, SimError> {
    (uuid_param(raw).ok())
        .and_then(|id| world.conf_index(&id))
        .ok_or_else(SimError::conference_not_found)
}

/// A conference by id or (for mute, unmute, hold, unhold) by name.
fn conference_by_id_or_name(world: &World, raw: &str) -> Result<usize, SimError> {
    conference_by_id(world, raw)
        .ok()
        .or_else(|| world.conf_by_name(raw))
        .ok_or_else(SimError::conference_not_found)
}

fn known_conference(world: &World, id: &str) -> Result<usize, SimError> {
    world
        .conf_index(id)
        .ok_or_else(SimError::conference_not_found)
}

/// `GET /conferences` (ListConferences: 200, 401, 422).
async fn list_conferences(State(s): State<SimState>, RawQuery(q): RawQuery) -> Answer {
    let query = Query::parse(q.as_deref());
    query.check(query::LIST_CONFERENCES)?;
    let status = query
        .get("filter[status]")
        .and_then(ConferenceStatus::parse);
    let name = query.get("filter[name]");
    let connection = query.get("filter[connection_id]");
    let paging = query.paging();
    let world = s.inner.world();
    let matching = world
        .confs
        .iter()
        .filter(|c| status.is_none_or(|s| c.data.status == s))
        .filter(|c| name.is_none_or(|n| c.data.name == n))
        .filter(|c| connection.is_none_or(|id| c.data.connection_id == id));
    let (items, meta) = page(matching, &paging);
    Ok(json(&Page {
        data: items.into_iter().map(|c| c.data.wire()).collect(),
        meta,
    }))
}

/// `GET /conferences/{id}` (RetrieveConference: 200, 404; 401 as everywhere).
async fn get_conference(
    State(s): State<SimState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Answer {
    let Ok(Path(id)) = id else {
        return Err(SimError::conference_not_found());
    };
    // the operation answers 200 or 404 only: a bad region cannot be a 422
    Query::parse(q.as_deref())
        .check(query::RETRIEVE_CONFERENCE)
        .map_err(|e| e.with_status(StatusCode::NOT_FOUND))?;
    let world = s.inner.world();
    let ci = conference_by_id(&world, &id)?;
    Ok(json(&Data {
        data: world.confs[ci].data.wire(),
    }))
}

/// `GET /conferences/{conference_id}/participants`
/// (ListConferenceParticipants: 200, 401, 404, 422).
async fn list_participants(
    State(s): State<SimState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Answer {
    let query = Query::parse(q.as_deref());
    query.check(query::LIST_PARTICIPANTS)?;
    let Ok(Path(id)) = id else {
        return Err(SimError::conference_not_found());
    };
    let muted = query.flag("filter[muted]");
    let on_hold = query.flag("filter[on_hold]");
    let whispering = query.flag("filter[whispering]");
    let paging = query.paging();
    let world = s.inner.world();
    let conf = &world.confs[conference_by_id(&world, &id)?];
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

/// The conference id (`format: uuid`) and participant id or label of the
/// participant routes.
fn participant_path(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, String), SimError> {
    match path {
        Ok(Path((id, participant))) => Ok((uuid_param(&id)?, participant)),
        Err(rejection) if undecodable(&rejection) == Some("participant_id") => {
            Err(SimError::participant_not_found())
        }
        Err(_) => Err(SimError::invalid_id("id")),
    }
}

/// `GET /conferences/{id}/participants/{participant_id}`, by id or label
/// (RetrieveConferenceParticipant: 200, 401, 404, 422).
async fn get_participant(
    State(s): State<SimState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let (id, participant) = participant_path(path)?;
    let world = s.inner.world();
    let conf = &world.confs[known_conference(&world, &id)?];
    let pi = conf
        .find(&participant)
        .ok_or_else(SimError::participant_not_found)?;
    Ok(json(&Data {
        data: conf.participants[pi].to_resource(&id),
    }))
}

/// `PATCH /conferences/{id}/participants/{participant_id}`, by id
/// (UpdateConferenceParticipant: 200, 401, 404, 422).
async fn update_participant(
    State(s): State<SimState>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Answer {
    let (id, participant) = participant_path(path)?;
    let update = body::update(&body)?;
    let mut world = s.inner.world();
    let ci = known_conference(&world, &id)?;
    let conf = &world.confs[ci];
    if !conf.active() {
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
    if let Some(v) = update.end_conference_on_exit {
        p.end_conference_on_exit = v;
    }
    if let Some(v) = update.soft_end_conference_on_exit {
        p.soft_end_conference_on_exit = v;
    }
    if let Some(v) = update.beep_enabled {
        p.beep_enabled = Some(v);
    }
    p.updated_at = at;
    Ok(json(&Data {
        data: p.to_resource(&id),
    }))
}

/// `POST /conferences/{id}/actions/{end,mute,unmute,hold,unhold}`
/// (each: 200, 401, 404, 422).
async fn conference_action(
    State(s): State<SimState>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Answer {
    let (id, action) = match path {
        Ok(Path(pair)) => pair,
        Err(rejection) if undecodable(&rejection) == Some("id") => {
            return Err(SimError::conference_not_found());
        }
        Err(_) => return Err(SimError::route_not_found()),
    };
    let action = match action.as_str() {
        "mute" => Action::Mute,
        "unmute" => Action::Unmute,
        "hold" => Action::Hold,
        "unhold" => Action::Unhold,
        "end" => return end_conference(&s, &id, &body),
        _ => return Err(SimError::route_not_found()),
    };
    let ids = body::action(action, &body)?;
    let mut world = s.inner.world();
    let ci = conference_by_id_or_name(&world, &id)?;
    if !world.confs[ci].active() {
        return Err(SimError::conference_ended());
    }
    let targets = targets(&world.confs[ci].participants, &ids)?;
    let at = world.stamp_now();
    for pi in targets {
        let p = &mut world.confs[ci].participants[pi];
        let field = match action {
            Action::Mute | Action::Unmute => &mut p.muted,
            Action::Hold | Action::Unhold => &mut p.on_hold,
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

/// EndConference: the id must be a UUID; the body is optional.
fn end_conference(s: &SimState, id: &str, body: &[u8]) -> Answer {
    let id = uuid_param(id)?;
    body::end(body)?;
    let mut world = s.inner.world();
    let ci = known_conference(&world, &id)?;
    if !world.confs[ci].active() {
        return Err(SimError::conference_ended());
    }
    world.end_via_api(ci);
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

/// `GET /_sim/stats`: what the sim has answered, for benchmarks.
async fn sim_stats(State(s): State<SimState>, headers: HeaderMap) -> Response {
    if !authorized(&s.inner, &headers) {
        return SimError::unauthorized().into_response();
    }
    json(&serde_json::json!({
        "requests": s.inner.requests.load(Ordering::Relaxed),
        "rate_limited": s.inner.rate_limited.load(Ordering::Relaxed),
    }))
}

/// `GET /_sim/conferences/{id}/participants/{id or label}`: everything the
/// sim knows, `beep_enabled` included.
async fn sim_participant(
    State(s): State<SimState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    if !authorized(&s.inner, &headers) {
        return SimError::unauthorized().into_response();
    }
    let Ok(Path((id, participant))) = path else {
        return SimError::participant_not_found().into_response();
    };
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
