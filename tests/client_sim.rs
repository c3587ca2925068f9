//! `confmod::telnyx::Client` against the in-process sim (every call, every
//! error kind) and against tiny scripted servers (retries, paging).

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confmod::sim::{self, Faults, Scenario, ScenarioConference, SimConfig, SimHandle};
use confmod::telnyx::{
    ApiError, ApiKey, BeepEnabled, CallControlIds, Client, ClientConfig, ConferenceFilter,
    ConferenceId, ConferenceStatus, ErrorKind, Exchange, ListingLimit, ListingLimits,
    ParticipantAction, ParticipantFilter, ParticipantRef, RateLimit, RetryNotice, RetryPolicy,
    UpdateParticipant,
};
use serde_json::json;

/// The conference of the scripted servers.
const C1: &str = "00000000-0000-4000-8000-0000000000c1";

fn cid(s: &str) -> ConferenceId {
    s.parse().unwrap()
}

fn who(s: &str) -> ParticipantRef {
    ParticipantRef::parse(s).unwrap()
}

fn fast(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        jitter: 0.0,
        ..RetryPolicy::new(max_retries)
    }
}

fn client(base: &str, key: &str, max_retries: u32, timeout: Duration) -> Client {
    let mut config = ClientConfig::new(base, ApiKey::new(key).unwrap());
    config.timeout = timeout;
    Client::new(&config)
        .unwrap()
        .with_retry_policy(fast(max_retries))
}

async fn start(config: SimConfig) -> (SimHandle, Client) {
    let sim = sim::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let c = client(sim.base_url(), sim.api_key(), 0, Duration::from_secs(30));
    (sim, c)
}

fn small() -> SimConfig {
    SimConfig {
        conferences: 4,
        participants: 30,
        scenario: Some(Scenario {
            conferences: [
                "Weekly all hands",
                "Sales sync",
                "Board prep",
                "Yesterday's retro",
            ]
            .iter()
            .enumerate()
            .map(|(i, name)| ScenarioConference {
                name: name.to_string(),
                participants: None,
                completed: i == 3,
                init: false,
            })
            .collect(),
            labels: vec!["Ava / host".into(), "Dial-in +1 415 555 0134".into()],
        }),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn conferences_are_listed_filtered_and_read() {
    let (sim, c) = start(small()).await;
    let all = c
        .list_conferences(&ConferenceFilter::default())
        .await
        .unwrap();
    assert!(all.rejected.is_empty());
    let listed: Vec<String> = all.items.iter().map(|c| c.id.clone()).collect();
    assert_eq!(listed, sim.conference_ids());

    let completed = ConferenceFilter {
        status: Some(ConferenceStatus::Completed),
        name: None,
    };
    let done = c.list_conferences(&completed).await.unwrap().items;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].name, "Yesterday's retro");
    let live = ConferenceFilter {
        status: Some(ConferenceStatus::InProgress),
        name: None,
    };
    assert_eq!(c.list_conferences(&live).await.unwrap().items.len(), 3);
    let named = ConferenceFilter {
        status: None,
        name: Some("Sales sync".into()),
    };
    let found = c.list_conferences(&named).await.unwrap().items;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, sim.conference_ids()[1]);

    let conf = c
        .get_conference(&cid(&sim.sample_conference()))
        .await
        .unwrap();
    assert_eq!(conf.name, "Weekly all hands");
    assert_eq!(conf.status, Some(ConferenceStatus::InProgress));
}

#[tokio::test]
async fn participants_are_listed_across_pages_and_filtered() {
    let (sim, c) = start(SimConfig {
        conferences: 1,
        participants: 640,
        ..SimConfig::default()
    })
    .await;
    let conf = sim.sample_conference();
    let before = sim.request_count();
    let listing = c
        .list_participants(&cid(&conf), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(
        sim.request_count() - before,
        3,
        "640 at 250 a page is 3 pages"
    );
    assert!(listing.rejected.is_empty());
    let expected: Vec<String> = sim.participants(&conf).into_iter().map(|p| p.id).collect();
    let got: Vec<String> = listing.items.iter().map(|p| p.id.clone()).collect();
    assert_eq!(got, expected);
    assert!(
        listing
            .items
            .iter()
            .all(|p| p.conference.id == conf && p.record_type == "participant")
    );

    let muted = ParticipantFilter {
        muted: Some(true),
        on_hold: None,
    };
    let got = c
        .list_participants(&cid(&conf), &muted)
        .await
        .unwrap()
        .items;
    let expected = sim
        .participants(&conf)
        .into_iter()
        .filter(|p| p.muted)
        .count();
    assert!(expected > 0);
    assert_eq!(got.len(), expected);
    assert!(got.iter().all(|p| p.muted));
    let held = ParticipantFilter {
        muted: Some(false),
        on_hold: Some(true),
    };
    let got = c.list_participants(&cid(&conf), &held).await.unwrap().items;
    let expected = sim
        .participants(&conf)
        .into_iter()
        .filter(|p| p.on_hold && !p.muted)
        .count();
    assert!(expected > 0);
    assert_eq!(got.len(), expected);
}

#[tokio::test]
async fn participants_are_read_by_id_and_label_and_updated() {
    let (sim, c) = start(small()).await;
    let conf = sim.sample_conference();
    let first = sim.participants(&conf)[0].clone();
    let by_id = c
        .get_participant(&cid(&conf), &who(&first.id))
        .await
        .unwrap();
    assert_eq!(by_id.label.as_deref(), Some("Ava / host"));
    assert_eq!(by_id.conference_id.as_deref(), Some(conf.as_str()));
    let by_label = c
        .get_participant(&cid(&conf), &who("Ava / host"))
        .await
        .unwrap();
    assert_eq!(by_label.id.as_deref(), Some(first.id.as_str()));
    let dial_in = c
        .get_participant(&cid(&conf), &who("Dial-in +1 415 555 0134"))
        .await
        .unwrap();
    assert_eq!(dial_in.id, Some(sim.participants(&conf)[1].id.clone()));

    let update = UpdateParticipant {
        end_conference_on_exit: Some(true),
        beep_enabled: Some(BeepEnabled::Never),
        ..Default::default()
    };
    let updated = c
        .update_participant(&cid(&conf), &first.id, &update)
        .await
        .unwrap();
    // the sim answers a write with 200, as the spec says
    assert_eq!(updated.status, 200);
    let updated = updated.data;
    assert_eq!(updated.end_conference_on_exit, Some(true));
    assert_eq!(
        updated.soft_end_conference_on_exit,
        Some(first.soft_end_conference_on_exit)
    );
    let state = sim.participant(&conf, &first.id).unwrap();
    assert!(state.end_conference_on_exit);
    assert_eq!(state.beep_enabled, Some(sim::wire::BeepEnabled::Never));
    assert!(state.updated_at > first.updated_at);
}

#[tokio::test]
async fn actions_reach_the_sim() {
    let (sim, c) = start(small()).await;
    let conf = sim.sample_conference();
    let before = sim.participants(&conf);
    let p = before[2].clone();
    let one = CallControlIds::one(&p.call_control_id).unwrap();
    let state = || sim.participant(&conf, &p.id).unwrap();

    c.participant_action(&cid(&conf), ParticipantAction::Mute, &one, None)
        .await
        .unwrap();
    assert!(state().muted);
    c.participant_action(&cid(&conf), ParticipantAction::Unmute, &one, None)
        .await
        .unwrap();
    assert!(!state().muted);
    c.participant_action(&cid(&conf), ParticipantAction::Hold, &one, None)
        .await
        .unwrap();
    assert!(state().on_hold);
    c.participant_action(&cid(&conf), ParticipantAction::Unhold, &one, None)
        .await
        .unwrap();
    assert!(!state().on_hold);
    // only the one named was touched
    let after = sim.participants(&conf);
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        if b.id != p.id {
            assert_eq!(a, b);
        }
    }

    c.end_conference(&cid(&conf)).await.unwrap();
    assert_eq!(
        c.get_conference(&cid(&conf)).await.unwrap().status,
        Some(ConferenceStatus::Completed)
    );
    assert!(
        sim.participants(&conf)
            .iter()
            .all(|q| q.status == sim::wire::ParticipantStatus::Left)
    );
}

fn kind_of<T: std::fmt::Debug>(r: Result<T, ApiError>) -> ApiError {
    r.expect_err("the call should fail")
}

#[tokio::test]
async fn every_api_error_has_its_kind() {
    let (sim, c) = start(small()).await;
    let conf = sim.sample_conference();
    let unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let p = sim.participants(&conf)[3].clone();

    let wrong_key = client(sim.base_url(), "KEYwrong", 0, Duration::from_secs(30));
    let e = kind_of(wrong_key.get_conference(&cid(&conf)).await);
    assert_eq!(
        (e.kind, e.status, e.code()),
        (ErrorKind::Auth, Some(401), Some("10009"))
    );

    let e = kind_of(c.get_conference(&cid(unknown)).await);
    assert_eq!(
        (e.kind, e.code()),
        (ErrorKind::ConferenceNotFound, Some("90058"))
    );
    let e = kind_of(c.get_participant(&cid(&conf), &who(unknown)).await);
    assert_eq!((e.kind, e.code()), (ErrorKind::NotFound, Some("10007")));

    let e = kind_of(
        c.participant_action(
            &cid(&conf),
            ParticipantAction::Mute,
            &CallControlIds::one("v3:nobody").unwrap(),
            None,
        )
        .await,
    );
    assert_eq!(
        (e.kind, e.code()),
        (ErrorKind::Unprocessable, Some("90015"))
    );
    assert_eq!(e.errors[0].source_name(), Some("/call_control_ids"));

    // the typed client cannot send a bad enum value: send it raw
    let raw = common::http_client();
    let resp = raw
        .patch(format!(
            "{}/conferences/{conf}/participants/{}",
            sim.base_url(),
            p.id
        ))
        .bearer_auth(sim.api_key())
        .json(&json!({"beep_enabled": "loud"}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let e = ApiError::from_response(status, &resp.bytes().await.unwrap(), None);
    assert_eq!(
        (e.kind, e.code()),
        (ErrorKind::Unprocessable, Some("10032"))
    );
    assert_eq!(e.errors[0].source_name(), Some("/beep_enabled"));

    assert!(sim.hang_up(&conf, &p.id));
    let e = kind_of(
        c.update_participant(&cid(&conf), &p.id, &UpdateParticipant::default())
            .await,
    );
    assert_eq!((e.kind, e.code()), (ErrorKind::CallEnded, Some("90018")));

    c.end_conference(&cid(&conf)).await.unwrap();
    let e = kind_of(c.end_conference(&cid(&conf)).await);
    assert_eq!(
        (e.kind, e.code()),
        (ErrorKind::ConferenceEnded, Some("90019"))
    );
    let e = kind_of(
        c.participant_action(
            &cid(&conf),
            ParticipantAction::Unmute,
            &CallControlIds::one(&p.call_control_id).unwrap(),
            None,
        )
        .await,
    );
    assert_eq!(e.kind, ErrorKind::ConferenceEnded);
}

#[tokio::test]
async fn rate_limits_server_errors_and_hangs_have_their_kinds() {
    let (sim, c) = start(small()).await;
    sim.set_rate_limit(Some(1));
    let mut limited = None;
    for _ in 0..20 {
        if let Err(e) = c.get_conference(&cid(&sim.sample_conference())).await {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("20 requests at once must exceed 1 a second");
    assert_eq!(
        (e.kind, e.status, e.code()),
        (ErrorKind::RateLimited, Some(429), Some("10011"))
    );
    // the sim's retry-after-ms: until its next token, at most a second
    assert!(
        e.retry_after
            .is_some_and(|d| !d.is_zero() && d <= Duration::from_secs(1)),
        "{e:?}"
    );
    sim.set_rate_limit(None);

    sim.set_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    });
    let e = kind_of(c.list_conferences(&ConferenceFilter::default()).await);
    assert_eq!(e.kind, ErrorKind::Server);

    sim.set_faults(Faults {
        hang_rate: 1.0,
        ..Faults::default()
    });
    let notices = Arc::new(Mutex::new(Vec::<RetryNotice>::new()));
    let hook_notices = notices.clone();
    let impatient = client(sim.base_url(), sim.api_key(), 1, Duration::from_millis(300))
        .with_retry_hook(Arc::new(move |n: &RetryNotice| {
            hook_notices.lock().unwrap().push(n.clone())
        }));
    let e = kind_of(
        impatient
            .get_conference(&cid(&sim.sample_conference()))
            .await,
    );
    assert_eq!((e.kind, e.status), (ErrorKind::Timeout, None));
    let kinds: Vec<ErrorKind> = notices
        .lock()
        .unwrap()
        .iter()
        .map(|n| n.error.kind)
        .collect();
    assert_eq!(
        kinds,
        [ErrorKind::Timeout],
        "one retry after the first timeout"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_and_decode_failures_have_their_kinds() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let nobody = client(
        &format!("http://127.0.0.1:{port}/v2"),
        "KEYx",
        0,
        Duration::from_secs(5),
    );
    let e = kind_of(nobody.get_conference(&cid(C1)).await);
    assert_eq!((e.kind, e.status), (ErrorKind::Connection, None));

    let garbage = Scripted::start(vec![Canned::new(200, "<<<not json>>>")]).await;
    let e = kind_of(garbage.client(0).get_conference(&cid(C1)).await);
    assert_eq!((e.kind, e.status), (ErrorKind::Decode, Some(200)));
    assert!(e.note.unwrap().contains("not json"));
}

// ---- scripted servers ------------------------------------------------------

#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
}

impl Canned {
    fn new(status: u16, body: &str) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// Answers the script in order, then repeats its last answer; counts requests.
struct Script {
    replies: Mutex<VecDeque<Canned>>,
    last: Mutex<Option<Canned>>,
    count: AtomicUsize,
}

struct Scripted {
    base: String,
    script: Arc<Script>,
}

async fn play(State(script): State<Arc<Script>>) -> Response {
    script.count.fetch_add(1, Ordering::SeqCst);
    let next = script.replies.lock().unwrap().pop_front();
    let canned = match next {
        Some(c) => {
            *script.last.lock().unwrap() = Some(c.clone());
            c
        }
        None => script
            .last
            .lock()
            .unwrap()
            .clone()
            .expect("an empty script"),
    };
    let mut resp = (StatusCode::from_u16(canned.status).unwrap(), canned.body).into_response();
    resp.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    for (name, value) in canned.headers {
        resp.headers_mut().insert(name, value.parse().unwrap());
    }
    resp
}

impl Scripted {
    async fn start(replies: Vec<Canned>) -> Scripted {
        let script = Arc::new(Script {
            replies: Mutex::new(replies.into()),
            last: Mutex::new(None),
            count: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(play).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v2", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Scripted { base, script }
    }

    fn client(&self, max_retries: u32) -> Client {
        client(
            &self.base,
            "KEYscripted",
            max_retries,
            Duration::from_secs(5),
        )
    }

    fn requests(&self) -> usize {
        self.script.count.load(Ordering::SeqCst)
    }
}

fn conference_body() -> String {
    json!({"data": {"id": "c1", "name": "n", "record_type": "conference", "created_at": "", "expires_at": ""}}).to_string()
}

fn errors_body(code: &str, title: &str) -> String {
    json!({"errors": [{"code": code, "title": title}]}).to_string()
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let server = Scripted::start(vec![
        Canned::new(429, &errors_body("10011", "Too many requests")).header("retry-after", "1"),
        Canned::new(200, &conference_body()),
    ])
    .await;
    let notices = Arc::new(Mutex::new(Vec::<RetryNotice>::new()));
    let hook_notices = notices.clone();
    let c = server
        .client(2)
        .with_retry_hook(Arc::new(move |n: &RetryNotice| {
            hook_notices.lock().unwrap().push(n.clone())
        }));
    let conf = c.get_conference(&cid(C1)).await.unwrap();
    assert_eq!(conf.id, "c1");
    assert_eq!(server.requests(), 2);
    let notices = notices.lock().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].error.kind, ErrorKind::RateLimited);
    assert_eq!(notices[0].error.status, Some(429));
    assert_eq!(notices[0].error.retry_after, Some(Duration::from_secs(1)));
    assert_eq!(notices[0].delay, Duration::from_secs(1));
    assert_eq!(notices[0].retry, 1);
}

/// What an observer saw of one attempt.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    path: String,
    attempt: u32,
    status: Option<u16>,
    rate: Option<RateLimit>,
    error: Option<ErrorKind>,
    body: usize,
}

fn observing(c: Client) -> (Client, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let c = c.with_observer(Arc::new(move |x: &Exchange<'_>| {
        sink.lock().unwrap().push(Seen {
            path: x.path.to_string(),
            attempt: x.attempt,
            status: x.status,
            rate: x.rate,
            error: x.error.map(|e| e.kind),
            body: x.response_body.len(),
        })
    }));
    (c, seen)
}

#[tokio::test]
async fn the_observer_sees_every_attempt_with_its_rate_limit() {
    let server = Scripted::start(vec![
        Canned::new(429, &errors_body("10011", "Too many requests"))
            .header("retry-after", "0.01")
            .header("x-ratelimit-limit", "10")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "0.5"),
        Canned::new(200, &conference_body()).header("x-ratelimit-limit", "10"),
    ])
    .await;
    let (c, seen) = observing(server.client(2));
    c.get_conference(&cid(C1)).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].path, format!("/conferences/{C1}"));
    assert_eq!(
        (seen[0].attempt, seen[0].status, seen[0].error),
        (0, Some(429), Some(ErrorKind::RateLimited))
    );
    assert_eq!(
        seen[0].rate,
        Some(RateLimit {
            limit: 10,
            remaining: 0,
            reset: Duration::from_millis(500)
        })
    );
    // the second answer lacks two of the three headers: no rate read
    assert_eq!(
        (seen[1].attempt, seen[1].status, seen[1].error, seen[1].rate),
        (1, Some(200), None, None)
    );
    assert_eq!(seen[1].body, conference_body().len());
}

#[tokio::test]
async fn the_sims_rate_limit_reaches_the_observer() {
    let (sim, c) = start(small()).await;
    sim.set_rate_limit(Some(50));
    let (c, seen) = observing(c);
    let conf = sim.sample_conference();
    c.list_participants(&cid(&conf), &ParticipantFilter::default())
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    let first = seen.first().expect("one attempt at least");
    assert!(first.path.contains("/participants?"), "{first:?}");
    let rate = first.rate.expect("the sim's x-ratelimit headers");
    assert_eq!(rate.limit, 50);
    assert!(rate.remaining < 50);
}

#[tokio::test]
async fn a_503_is_retried() {
    let server = Scripted::start(vec![
        Canned::new(
            503,
            "<html><body>503 Service Temporarily Unavailable</body></html>",
        ),
        Canned::new(200, &conference_body()),
    ])
    .await;
    assert_eq!(
        server.client(2).get_conference(&cid(C1)).await.unwrap().id,
        "c1"
    );
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let never = Scripted::start(vec![
        Canned::new(503, &errors_body("10002", "Service unavailable"))
            .header("x-should-retry", "false"),
        Canned::new(200, &conference_body()),
    ])
    .await;
    let e = kind_of(never.client(3).get_conference(&cid(C1)).await);
    assert_eq!(e.kind, ErrorKind::Server);
    assert_eq!(never.requests(), 1);

    let always = Scripted::start(vec![
        Canned::new(400, &errors_body("10015", "Bad Request")).header("x-should-retry", "true"),
        Canned::new(200, &conference_body()),
    ])
    .await;
    assert_eq!(
        always.client(3).get_conference(&cid(C1)).await.unwrap().id,
        "c1"
    );
    assert_eq!(always.requests(), 2);
}

#[tokio::test]
async fn paging_that_never_advances_ends_with_the_items_once() {
    let stuck = json!({
        "data": [{"id": "p1"}, {"id": "p2"}],
        "meta": {"page_number": 1, "page_size": 250, "total_pages": 1000, "total_results": 250000}
    });
    let server = Scripted::start(vec![Canned::new(200, &stuck.to_string())]).await;
    let listing = server
        .client(0)
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    let got: Vec<&str> = listing.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(got, ["p1", "p2"]);
    assert!(server.requests() <= 2, "{} requests", server.requests());
}

#[tokio::test]
async fn a_list_without_meta_is_a_single_page() {
    let server = Scripted::start(vec![Canned::new(
        200,
        &json!({"data": [{"id": "a"}, {"id": "b"}]}).to_string(),
    )])
    .await;
    let listing = server
        .client(0)
        .list_conferences(&ConferenceFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 2);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_list_without_meta_goes_on_while_pages_are_full() {
    let page = |from: usize, n: usize| {
        let items: Vec<_> = (from..from + n)
            .map(|i| json!({"id": format!("p{i}")}))
            .collect();
        Canned::new(200, &json!({ "data": items }).to_string())
    };
    let server = Scripted::start(vec![page(0, 250), page(250, 3)]).await;
    let listing = server
        .client(0)
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 253);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn an_oversized_answer_is_refused_not_read_whole() {
    let huge = format!(
        "{{\"data\": \"{}\"}}",
        "x".repeat(confmod::telnyx::MAX_BODY + 1)
    );
    let server = Scripted::start(vec![Canned::new(200, &huge)]).await;
    let e = kind_of(server.client(2).get_conference(&cid(C1)).await);
    assert_eq!((e.kind, e.status), (ErrorKind::Decode, Some(200)));
    assert!(e.note.unwrap().contains("larger than 1 MiB"));
    assert_eq!(server.requests(), 1, "not retried");
}

#[tokio::test]
async fn an_oversized_error_is_judged_by_its_status() {
    let page = format!("<html>{}</html>", "x".repeat(2 * confmod::telnyx::MAX_BODY));
    let server = Scripted::start(vec![Canned::new(503, &page)]).await;
    let e = kind_of(server.client(1).get_conference(&cid(C1)).await);
    assert_eq!((e.kind, e.status), (ErrorKind::Server, Some(503)));
    // read far enough to know it for a proxy's page, and said so
    assert_eq!(e.note.as_deref(), Some("HTML error page from a proxy"));
    assert_eq!(server.requests(), 2, "retried as any 503");
}

// ---- bounded listings ----------------------------------------------------------

/// A server whose participant list never ends: every page brings 250 fresh
/// items (each with `padding` bytes of filler) and claims more pages. The
/// counter counts its requests.
async fn endless(padding: usize) -> (Client, Arc<AtomicUsize>) {
    use axum::extract::RawQuery;
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let filler = "x".repeat(padding);
    let page = move |RawQuery(query): RawQuery| {
        counter.fetch_add(1, Ordering::SeqCst);
        let query = query.unwrap_or_default();
        let number = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "page[number]")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(1);
        let items: Vec<_> = (0..250)
            .map(|i| {
                json!({"id": format!("p{number}-{i}"), "record_type": "participant",
                       "status": "joined", "padding": filler})
            })
            .collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": i64::MAX, "total_results": i64::MAX});
        std::future::ready(axum::Json(json!({"data": items, "meta": meta})))
    };
    let app = Router::new().route(
        "/v2/conferences/{id}/participants",
        axum::routing::get(page),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v2", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (
        client(&base, "KEYscripted", 0, Duration::from_secs(30)),
        requests,
    )
}

fn with_limits(c: Client, limits: ListingLimits) -> Client {
    // the same client, rebuilt with other listing limits
    let mut config = ClientConfig::new(c.base_url().as_str(), ApiKey::new("KEYscripted").unwrap());
    config.listing_limits = limits;
    Client::new(&config).unwrap().with_retry_policy(fast(0))
}

fn json_size(items: &[Box<serde_json::value::RawValue>]) -> usize {
    items.iter().map(|i| i.get().len()).sum()
}

#[tokio::test]
async fn an_endless_listing_stops_at_the_item_limit_and_says_so() {
    let (c, requests) = endless(0).await;
    let limits = ListingLimits {
        max_items: 1000,
        ..ListingLimits::default()
    };
    let listing = with_limits(c, limits)
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.truncated, Some(ListingLimit::Items(1000)));
    assert_eq!(listing.items.len(), 1000);
    assert_eq!(listing.items[999].id, "p4-249");
    // the console marks a listing with warnings as incomplete
    assert!(
        listing.warnings[0].contains("the limit of 1000 items"),
        "{:?}",
        listing.warnings
    );
    // four full pages, and the fifth where the limit was met
    assert_eq!(requests.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn an_endless_listing_of_large_items_stops_at_the_byte_limit() {
    let (c, requests) = endless(10_000).await;
    let limits = ListingLimits {
        max_bytes: 1 << 20,
        ..ListingLimits::default()
    };
    let listing = with_limits(c, limits)
        .list_participants_raw(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.truncated, Some(ListingLimit::Bytes(1 << 20)));
    let held = json_size(&listing.items);
    assert!(held <= 1 << 20, "{held} bytes held");
    assert!(listing.items.len() > 50, "{} items", listing.items.len());
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert!(listing.warnings[0].contains("the limit of 1 MiB"));
}

#[tokio::test]
async fn the_default_limits_stop_an_endless_listing_well_within_memory() {
    let (c, _) = endless(0).await;
    let listing = c
        .list_participants_raw(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    let defaults = ListingLimits::default();
    assert!(listing.truncated.is_some());
    assert!(listing.items.len() <= defaults.max_items);
    assert!(json_size(&listing.items) <= defaults.max_bytes);

    let (c, _) = endless(2_000).await;
    let listing = c
        .list_participants_raw(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(
        listing.truncated,
        Some(ListingLimit::Bytes(defaults.max_bytes))
    );
    assert!(json_size(&listing.items) <= defaults.max_bytes);
    // each item holds at least its 2,000 bytes of filler
    assert!(listing.items.len() * 2_000 <= defaults.max_bytes);
}

#[tokio::test]
async fn a_page_larger_than_the_page_limit_is_refused_not_read_whole() {
    let filler = "x".repeat(confmod::telnyx::MAX_PAGE_BODY);
    let page = json!({"data": [{"id": "a", "padding": filler}]}).to_string();
    let server = Scripted::start(vec![Canned::new(200, &page)]).await;
    let e = kind_of(
        server
            .client(2)
            .list_participants(&cid(C1), &ParticipantFilter::default())
            .await,
    );
    assert_eq!((e.kind, e.status), (ErrorKind::Decode, Some(200)));
    assert!(e.note.unwrap().contains("larger than 4 MiB"));
    assert_eq!(server.requests(), 1, "not retried");
}
