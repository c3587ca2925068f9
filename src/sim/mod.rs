//! A local fake of the Telnyx Conferences API, for demos and tests, and a
//! second, independent witness of the spec (`conferences.openapi.yml`).
//!
//! [`spawn`] serves it in a tokio task and hands back a [`SimHandle`] that
//! tests use to inspect and poke the world; [`serve::serve_forever`] runs it
//! in the foreground for `confmod sim`. It speaks in its own wire shapes
//! ([`wire`]), written from the spec; it never borrows the client's types.
//!
//! # What it serves
//!
//! Under `/v2`: ListConferences, RetrieveConference,
//! ListConferenceParticipants, RetrieveConferenceParticipant,
//! UpdateConferenceParticipant, EndConference and the Mute, Unmute, Hold and
//! Unhold actions. Any other path is a 404 `10005`, another method a 405
//! (with `Allow`); both carry the errors body, as does every error.
//!
//! # What it checks, in order
//!
//! 1. Size (before anything else, on every path): a path and query over
//!    [`URI_LIMIT`] bytes is a 414, headers over [`HEADERS_LIMIT`] a 431, a
//!    body over [`BODY_LIMIT`] a 413 (code `10015` for all three).
//! 2. Injected faults (`/v2` only): latency, a hang, a 500/502/503 (some with
//!    an nginx HTML page). A failed request changed nothing.
//! 3. The rate limit, a token bucket: every answer carries
//!    `x-ratelimit-limit` (the bucket and its refill a second),
//!    `x-ratelimit-remaining` (whole tokens left) and `x-ratelimit-reset`
//!    (seconds until it is full again, to the millisecond: `0.997`); a
//!    request without a token is a 429 `10011` with `Retry-After` (whole
//!    seconds, rounded up, as HTTP has it) and `retry-after-ms` (the
//!    milliseconds until the next token, rounded up: what the official
//!    SDKs, and confmod, read first).
//! 4. The bearer key, on every operation: 401 `10009`. RetrieveConference's
//!    responses omit 401, but the spec's global `security: bearerAuth`
//!    covers it too.
//! 5. Path parameters. Where the spec says `format: uuid` (EndConference,
//!    RetrieveConferenceParticipant, UpdateConferenceParticipant) an id that
//!    is not a UUID is a 422 `10006` (`source.parameter`: `id`). Where it is
//!    a plain string (ListConferenceParticipants, RetrieveConference, and
//!    the actions, which also take a conference *name*) it is looked up, and
//!    a lookup that finds nothing is a 404 `90058`.
//! 6. Query parameters of the operations that declare them
//!    (ListConferences, ListConferenceParticipants, RetrieveConference),
//!    each against its schema (`query.rs`): 422 with `source.parameter`,
//!    `10032` for a value outside an enum, `10033` for an integer outside
//!    its range (`page[number]` 1 to `i64::MAX`, the sim's limit;
//!    `page[size]` and `page[limit]` 1 to 250), `10015` "Invalid value" for
//!    anything else (not an integer, not a boolean, not a UUID, an object
//!    where a value belongs, an unknown key under `filter[occurred_at]` or
//!    `filter[application_name]`). RetrieveConference can only answer 200
//!    or 404, so its bad `region` is a 404 (still `10032`, parameter
//!    `region`). Undeclared parameters are ignored.
//! 7. The body (`body.rs`): not JSON at all is a 400 `10015` (the one 400
//!    the sim gives); anything else that breaks the request schema is a 422
//!    with `source.pointer`. Mute, unmute, hold and unhold require a body
//!    (none: 422 `10004`); PATCH and end take none as `{}`.
//! 8. The state: unknown conference 404 `90058`, unknown participant 404
//!    `10007`, an ended conference 422 `90019`, a participant who left
//!    422 `90018`, a `call_control_id` not in the conference 422 `90015`.
//!
//! `region` (query or body) must be one of the spec's regions; the sim has
//! one region, so a valid one changes nothing. `filter[status]`,
//! `filter[name]` and `filter[connection_id]` filter the conferences; the
//! other, call-control-wide filters (`product`, `type`, `failed`, `leg_id`,
//! `application_session_id`, `from`, `to`, `occurred_at`,
//! `application_name`, `outbound.outbound_voice_profile_id`) and
//! `page[after]`/`page[before]` are checked, then ignored. A body's
//! `Content-Type` is not looked at; members a request schema does not
//! describe are ignored.
//!
//! # Connections
//!
//! Served by its own accept loop (`conn.rs`): a header-read timeout, an
//! idle timeout and a connection limit ([`ConnLimits`], in
//! [`SimConfig::connections`]), so that idle or half-open sockets cannot
//! exhaust it. A request's body must arrive within the header timeout of
//! its head (else `408`, code `10015`); once read, a request in flight is
//! never timed out.
//!
//! Outside `/v2`, `GET /_sim/conferences/{id}/participants/{id or label}`
//! shows everything the sim knows of a participant (`beep_enabled`
//! included), for tests, and `GET /_sim/stats` what it has answered
//! (`{"requests": N, "rate_limited": M}`: `/v2` requests, and those the
//! rate limit answered 429), for benchmarks; both need the key and are
//! never faulted or rate limited.

mod body;
mod churn;
mod conn;
mod errors;
mod gate;
mod limits;
mod names;
mod query;
mod routes;
mod scenario;
mod seed;
pub mod serve;
mod state;
pub mod wire;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use conn::ConnLimits;
pub use limits::{BODY_LIMIT, HEADERS_LIMIT, URI_LIMIT};
pub use routes::router;
pub use scenario::{Scenario, ScenarioConference, ScenarioError, ScenarioFile};
pub use serve::serve_forever;
pub use state::SimParticipant;

use gate::Control;
use state::World;
use wire::ParticipantStatus;

/// The largest conference the sim will seed.
pub const MAX_PARTICIPANTS: usize = 50_000;
/// The most participants the sim seeds in all its conferences (two of the
/// largest; about 70 MB of state).
pub const MAX_TOTAL_PARTICIPANTS: usize = 100_000;
/// The most conferences the sim seeds.
pub const MAX_CONFERENCES: usize = 1_000;

/// Everything that shapes a sim.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Seeds every id, label and random choice.
    pub seed: u64,
    pub conferences: usize,
    /// Participants per conference (at most [`MAX_PARTICIPANTS`]).
    pub participants: usize,
    /// The bearer key the sim accepts.
    pub api_key: String,
    /// Joins, leaves and mute changes per second across the sim; 0 = off.
    pub churn: f64,
    /// Requests per second (token bucket, burst = N); `None` = unlimited.
    pub rate_limit: Option<u32>,
    pub faults: Faults,
    pub hostile_labels: bool,
    pub scenario: Option<Scenario>,
    /// Timeouts and the connection limit of the server.
    pub connections: ConnLimits,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 7,
            conferences: 3,
            participants: 40,
            api_key: "KEYsimulator0000".to_string(),
            churn: 0.0,
            rate_limit: None,
            faults: Faults::default(),
            hostile_labels: false,
            scenario: None,
            connections: ConnLimits::default(),
        }
    }
}

/// Injected failures, on `/v2` routes only.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// A delay before every answer.
    pub latency: Duration,
    /// The fraction of requests answered with a 500, 502 or 503.
    pub fail_rate: f64,
    /// The fraction of requests never answered.
    pub hang_rate: f64,
}

/// The longest key the sim accepts, in bytes.
pub const MAX_API_KEY_LEN: usize = 2048;

/// Checks the size of the world `config` would seed, before any of it is:
/// at most [`MAX_CONFERENCES`] conferences, [`MAX_PARTICIPANTS`] in one and
/// [`MAX_TOTAL_PARTICIPANTS`] in all (a scenario's conferences included).
/// The error names the limit and what was asked.
pub fn check_size(config: &SimConfig) -> Result<(), String> {
    let scripted = config
        .scenario
        .as_ref()
        .map(|s| s.conferences.as_slice())
        .filter(|c| !c.is_empty());
    let sizes: Vec<usize> = match scripted {
        Some(confs) => confs
            .iter()
            .map(|c| c.participants.unwrap_or(config.participants))
            .collect(),
        None => vec![config.participants; config.conferences.min(MAX_CONFERENCES + 1)],
    };
    let conferences = scripted.map_or(config.conferences, <[_]>::len);
    if conferences > MAX_CONFERENCES {
        return Err(format!(
            "the simulator holds at most {MAX_CONFERENCES} conferences, not {conferences}"
        ));
    }
    if sizes.iter().any(|&n| n > MAX_PARTICIPANTS) {
        return Err(format!(
            "the simulator holds at most {MAX_PARTICIPANTS} participants in a conference"
        ));
    }
    let total: usize = sizes.iter().sum();
    if total > MAX_TOTAL_PARTICIPANTS {
        return Err(format!(
            "the simulator holds at most {MAX_TOTAL_PARTICIPANTS} participants in all, not {total} \
             ({conferences} conferences of {} on average): fewer conferences or participants",
            total / conferences.max(1)
        ));
    }
    Ok(())
}

/// The key as the sim serves it: trimmed, non-empty, visible ASCII (it
/// travels in a header), at most [`MAX_API_KEY_LEN`] bytes. The error says
/// what is wrong, never the key.
pub fn check_api_key(raw: &str) -> Result<&str, &'static str> {
    let key = raw.trim();
    if key.is_empty() {
        Err("the API key is empty")
    } else if key.len() > MAX_API_KEY_LEN {
        Err("the API key is longer than 2048 characters")
    } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
        Err("the API key holds characters that cannot be sent in a header")
    } else {
        Ok(key)
    }
}

/// The sim's shared state: the world, the knobs, the request counter.
/// Cheap to clone.
#[derive(Clone)]
pub struct SimState {
    pub(crate) inner: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) control: Mutex<Control>,
    pub(crate) requests: AtomicU64,
    /// `/v2` requests the rate limiter answered 429.
    pub(crate) rate_limited: AtomicU64,
    pub(crate) api_key: String,
    pub(crate) shutdown: watch::Sender<bool>,
    /// The longest a request's body may take to arrive once its head has
    /// ([`ConnLimits::header_timeout`]).
    pub(crate) body_timeout: Duration,
}

impl SimState {
    /// Seeds a world from `config` (no task is started).
    pub fn new(config: &SimConfig) -> Self {
        let (shutdown, _) = watch::channel(false);
        SimState {
            inner: Arc::new(Shared {
                world: Mutex::new(World::seed(config)),
                control: Mutex::new(Control::new(config, Instant::now())),
                requests: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
                api_key: config.api_key.trim().to_string(),
                shutdown,
                body_timeout: config.connections.header_timeout,
            }),
        }
    }
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves once the sim is shutting down.
    pub(crate) async fn stopping(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// A running sim.
pub struct SimHandle {
    base_url: String,
    addr: SocketAddr,
    state: SimState,
    server: Option<JoinHandle<std::io::Result<()>>>,
    churn: Option<JoinHandle<()>>,
}

/// Binds `addr` (tests pass `127.0.0.1:0`) and serves the sim in a tokio task.
/// Refuses (`InvalidInput`) a key [`check_api_key`] refuses and a world
/// [`check_size`] refuses.
pub async fn spawn(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimHandle> {
    if let Err(why) = check_api_key(&config.api_key) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    }
    if config.participants > MAX_PARTICIPANTS {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("at most {MAX_PARTICIPANTS} participants per conference"),
        ));
    }
    check_size(&config)
        .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidInput, why))?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = SimState::new(&config);
    let app = router(state.clone());
    let shared = state.inner.clone();
    let server = tokio::spawn(conn::serve(listener, app, config.connections, shared));
    let churn = (config.churn > 0.0 && config.churn.is_finite())
        .then(|| tokio::spawn(churn::run(state.inner.clone(), config.churn)));
    Ok(SimHandle {
        base_url: format!("http://{addr}/v2"),
        addr,
        state,
        server: Some(server),
        churn,
    })
}

impl SimHandle {
    /// `http://127.0.0.1:PORT/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn api_key(&self) -> &str {
        &self.state.inner.api_key
    }

    /// Conference ids in the order `GET /conferences` lists them.
    pub fn conference_ids(&self) -> Vec<String> {
        let world = self.state.inner.world();
        world.confs.iter().map(|c| c.data.id.clone()).collect()
    }

    /// The first in-progress conference (the first conference when none is).
    pub fn sample_conference(&self) -> String {
        self.state.inner.world().sample_conference()
    }

    /// Every participant of a conference, in list order.
    pub fn participants(&self, conference_id: &str) -> Vec<SimParticipant> {
        let world = self.state.inner.world();
        world
            .conf_index(conference_id)
            .map(|ci| world.confs[ci].participants.clone())
            .unwrap_or_default()
    }

    pub fn participant(&self, conference_id: &str, participant_id: &str) -> Option<SimParticipant> {
        let world = self.state.inner.world();
        let ci = world.conf_index(conference_id)?;
        let conf = &world.confs[ci];
        conf.index
            .get(participant_id)
            .map(|&pi| conf.participants[pi].clone())
    }

    /// Stops the churn: from now on only requests change the world (tests
    /// compare a client's view with a world that holds still).
    pub fn stop_churn(&mut self) {
        if let Some(churn) = self.churn.take() {
            churn.abort();
        }
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state.inner.control().faults = faults;
    }

    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.state
            .inner
            .control()
            .set_rate_limit(per_second, Instant::now());
    }

    /// `/v2` requests received so far.
    pub fn request_count(&self) -> u64 {
        self.state.inner.requests.load(Ordering::Relaxed)
    }

    /// `/v2` requests answered 429 by the rate limit so far.
    pub fn rate_limited_count(&self) -> u64 {
        self.state.inner.rate_limited.load(Ordering::Relaxed)
    }

    /// The participant leaves now (ending the conference when it has
    /// `end_conference_on_exit`). False when unknown, already gone, or the
    /// conference has ended.
    pub fn hang_up(&self, conference_id: &str, participant_id: &str) -> bool {
        let mut world = self.state.inner.world();
        let Some(ci) = world.conf_index(conference_id) else {
            return false;
        };
        let Some(&pi) = world.confs[ci].index.get(participant_id) else {
            return false;
        };
        if !world.confs[ci].active()
            || world.confs[ci].participants[pi].status == ParticipantStatus::Left
        {
            return false;
        }
        world.leave(ci, pi, Instant::now());
        true
    }

    /// Ends the conference as `POST .../actions/end` would. False when
    /// unknown or already ended.
    pub fn end_conference(&self, conference_id: &str) -> bool {
        let mut world = self.state.inner.world();
        match world.conf_index(conference_id) {
            Some(ci) if world.confs[ci].active() => {
                world.end_via_api(ci);
                true
            }
            _ => false,
        }
    }

    /// Stops serving (hanging requests are released) and waits for the tasks.
    pub async fn shutdown(mut self) {
        self.state.inner.shutdown.send_replace(true);
        if let Some(churn) = self.churn.take() {
            let _ = churn.await;
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.state.inner.shutdown.send_replace(true);
    }
}
