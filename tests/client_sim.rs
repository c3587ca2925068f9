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

// ---- pages fetched ahead ---------------------------------------------------------

/// A paged server's answer: a status, headers and a body.
type Reply = (u16, Vec<(&'static str, String)>, String);

/// What a paged server answers to page `number` (from 1) on its `attempt`
/// (from 0).
type PageAnswer = dyn Fn(u64, usize) -> Reply + Send + Sync;

/// When a paged server holds a request before answering it: from page
/// `from_page` on, until `in_flight` requests are in flight at once, every
/// one of the `pages` has been asked for, or `max_wait` has passed (then it
/// answers anyway and the test's assertions on the counts say what went
/// wrong). `in_flight: 0` holds nothing.
#[derive(Clone, Copy)]
struct Hold {
    from_page: u64,
    in_flight: usize,
    pages: u64,
    max_wait: Duration,
}

const NO_HOLD: Hold = Hold {
    from_page: u64::MAX,
    in_flight: 0,
    pages: 0,
    max_wait: Duration::ZERO,
};

/// What a paged server saw.
#[derive(Default)]
struct PageLog {
    in_flight: AtomicUsize,
    /// Every request's page number, in the order they came.
    requested: Mutex<Vec<u64>>,
    /// How many were in flight when each request came (itself included).
    starts: Mutex<Vec<(u64, usize)>>,
    changed: tokio::sync::Notify,
    distinct: std::sync::atomic::AtomicU64,
    /// How many times the held requests were let go.
    openings: AtomicUsize,
}

impl PageLog {
    fn requests(&self) -> Vec<u64> {
        self.requested.lock().unwrap().clone()
    }

    fn max_in_flight(&self) -> usize {
        let starts = self.starts.lock().unwrap();
        starts.iter().map(|(_, n)| *n).max().unwrap_or(0)
    }

    /// The most in flight when a request for one of `pages` came.
    fn max_in_flight_at(&self, pages: impl Fn(u64) -> bool) -> usize {
        let starts = self.starts.lock().unwrap();
        let at = starts.iter().filter(|(p, _)| pages(*p));
        at.map(|(_, n)| *n).max().unwrap_or(0)
    }

    /// How many pages were asked for (each counted once).
    fn distinct_requested(&self) -> u64 {
        self.distinct.load(Ordering::SeqCst)
    }
}

struct PagedState {
    answer: Box<PageAnswer>,
    hold: Hold,
    log: Arc<PageLog>,
}

async fn serve_page(
    State(s): State<Arc<PagedState>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let number = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "page[number]")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(1);
    let attempt = {
        let mut requested = s.log.requested.lock().unwrap();
        let attempt = requested.iter().filter(|n| **n == number).count();
        requested.push(number);
        if attempt == 0 {
            s.log.distinct.fetch_add(1, Ordering::SeqCst);
        }
        attempt
    };
    let now = s.log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.log.starts.lock().unwrap().push((number, now));
    let hold = s.hold;
    // this request opens the way for every one held: enough in flight, or
    // the last page asked for
    let opened = s.log.openings.load(Ordering::SeqCst);
    if now >= hold.in_flight || s.log.distinct_requested() >= hold.pages {
        s.log.openings.fetch_add(1, Ordering::SeqCst);
        s.log.changed.notify_waiters();
    } else if hold.in_flight > 0 && number >= hold.from_page {
        let deadline = tokio::time::Instant::now() + hold.max_wait;
        loop {
            let changed = s.log.changed.notified();
            if s.log.openings.load(Ordering::SeqCst) > opened {
                break;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                break;
            }
        }
    }
    let (status, headers, body) = (s.answer)(number, attempt);
    s.log.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut resp = (StatusCode::from_u16(status).unwrap(), body).into_response();
    resp.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    for (name, value) in headers {
        resp.headers_mut().insert(name, value.parse().unwrap());
    }
    resp
}

/// A server of participant pages; its base URL and what it saw.
async fn paged(
    hold: Hold,
    answer: impl Fn(u64, usize) -> Reply + Send + Sync + 'static,
) -> (String, Arc<PageLog>) {
    let log = Arc::new(PageLog::default());
    let state = Arc::new(PagedState {
        answer: Box::new(answer),
        hold,
        log: log.clone(),
    });
    let app = Router::new()
        .route(
            "/v2/conferences/{id}/participants",
            axum::routing::get(serve_page),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v2", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

fn paging_client(base: &str, page_concurrency: usize, limits: ListingLimits) -> Client {
    let mut config = ClientConfig::new(base, ApiKey::new("KEYscripted").unwrap());
    config.page_concurrency = page_concurrency;
    config.listing_limits = limits;
    config.timeout = Duration::from_secs(30);
    Client::new(&config).unwrap().with_retry_policy(fast(2))
}

fn person(id: &str) -> serde_json::Value {
    json!({"id": id, "record_type": "participant", "status": "joined"})
}

/// A page of `items` with its meta.
fn page_body(items: &[serde_json::Value], meta: serde_json::Value) -> String {
    json!({"data": items, "meta": meta}).to_string()
}

fn ok(body: String) -> Reply {
    (200, Vec::new(), body)
}

/// 5,190 participants over 21 pages of 250, served as a list that changes
/// while it is read: three people before the end of each page leave while
/// it is read, so each page starts three places before where the one
/// before it ended and repeats three of its items.
fn churning_list() -> (Vec<String>, impl Fn(u64, usize) -> Reply) {
    let ids: Vec<String> = (0..5_190)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let all = ids.clone();
    let answer = move |number: u64, _attempt: usize| {
        let start = (number as usize - 1) * 247;
        let end = (start + 250).min(all.len());
        let items: Vec<_> = all[start..end].iter().map(|id| person(id)).collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": 21, "total_results": 5_190});
        ok(page_body(&items, meta))
    };
    (ids, answer)
}

#[tokio::test]
async fn pages_are_fetched_several_at_a_time_and_delivered_in_order_once_each() {
    // every request after the first is held until one more than allowed is
    // in flight, which must not happen (or for a moment), so those held
    // show how many the client has in flight at once
    let concurrency = 4;
    let hold = Hold {
        from_page: 2,
        in_flight: concurrency + 1,
        pages: 21,
        max_wait: Duration::from_millis(100),
    };
    let (ids, answer) = churning_list();
    let (base, log) = paged(hold, answer).await;
    let c = paging_client(&base, concurrency, ListingLimits::default());
    let mut pages = c
        .participant_pages::<confmod::telnyx::Participant>(&cid(C1), &ParticipantFilter::default())
        .unwrap();
    let (mut numbers, mut got) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next().await.unwrap() {
        numbers.push(page.number);
        got.extend(page.items.into_iter().map(|p| p.id));
    }
    assert_eq!(numbers, (1..=21).collect::<Vec<u64>>(), "in page order");
    assert_eq!(got.len(), 5_190);
    assert_eq!(got, ids, "every participant once, in the server's order");
    let end = pages.end();
    assert!(
        end.warnings.is_empty() && end.rejected.is_empty(),
        "{end:?}"
    );
    assert_eq!((end.taken, end.truncated), (5_190, None));

    // each page asked for once, and several at a time, never more than asked
    let mut requested = log.requests();
    requested.sort_unstable();
    assert_eq!(requested, (1..=21).collect::<Vec<u64>>());
    assert_eq!(log.max_in_flight(), concurrency, "in flight at once");
    // the first page alone: nothing else is known before it
    assert_eq!(log.starts.lock().unwrap()[0], (1, 1));
}

#[tokio::test]
async fn the_buffered_listing_is_the_pages_and_the_same_one_at_a_time() {
    let (ids, answer) = churning_list();
    let (base, log) = paged(NO_HOLD, answer).await;
    let ahead = paging_client(&base, 8, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    let in_turn = paging_client(&base, 1, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(ahead, in_turn);
    let got: Vec<&str> = ahead.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(got, ids);
    // one at a time: never two in flight, each page once
    assert_eq!(log.requests().len(), 42);
    let raw = paging_client(&base, 3, ListingLimits::default())
        .list_participants_raw(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap()
        .decode::<confmod::telnyx::Participant>();
    assert_eq!(raw, ahead);
}

#[tokio::test]
async fn the_servers_remaining_tokens_bound_the_pages_in_flight() {
    // held until a third is in flight, which must not happen
    let hold = Hold {
        from_page: 2,
        in_flight: 3,
        pages: 9,
        max_wait: Duration::from_millis(100),
    };
    let (base, log) = paged(hold, |number, _| {
        let items: Vec<_> = (0..250)
            .map(|i| person(&format!("p{number}-{i}")))
            .collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": 9, "total_results": 2_250});
        let rate = vec![
            ("x-ratelimit-limit", "100".to_string()),
            ("x-ratelimit-remaining", "2".to_string()),
            ("x-ratelimit-reset", "1".to_string()),
        ];
        (200, rate, page_body(&items, meta))
    })
    .await;
    let listing = paging_client(&base, 8, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 2_250);
    assert_eq!(log.max_in_flight(), 2, "2 tokens left: 2 pages at a time");
}

#[tokio::test]
async fn a_page_answered_429_is_retried_after_its_retry_after_then_pages_come_one_at_a_time() {
    // page 2 is refused once; pages from 6 on are held a moment for a
    // second request in flight, which must not come
    let hold = Hold {
        from_page: 6,
        in_flight: 2,
        pages: 9,
        max_wait: Duration::from_millis(150),
    };
    let (base, log) = paged(hold, |number, attempt| {
        if number == 2 && attempt == 0 {
            let headers = vec![("retry-after", "0.05".to_string())];
            return (429, headers, errors_body("10011", "Too many requests"));
        }
        let items: Vec<_> = (0..250)
            .map(|i| person(&format!("p{number}-{i}")))
            .collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": 9, "total_results": 2_250});
        ok(page_body(&items, meta))
    })
    .await;
    let notices = Arc::new(Mutex::new(Vec::<RetryNotice>::new()));
    let sink = notices.clone();
    let c = paging_client(&base, 4, ListingLimits::default()).with_retry_hook(Arc::new(
        move |n: &RetryNotice| sink.lock().unwrap().push(n.clone()),
    ));
    let listing = c
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 2_250);
    assert_eq!(listing.items[250].id, "p2-0", "page 2 in its place");
    let notices = notices.lock().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        notices[0].delay,
        Duration::from_millis(50),
        "its Retry-After"
    );
    let requests = log.requests();
    assert_eq!(requests.iter().filter(|n| **n == 2).count(), 2);
    assert_eq!(requests.len(), 10, "{requests:?}");
    assert_eq!(
        log.max_in_flight_at(|p| p >= 6),
        1,
        "after a 429, one page at a time"
    );
}

/// Pages of 250 new participants each, as many as `pages` says, with a
/// meta that agrees with itself (so they are fetched ahead).
fn long_list(pages: i64, padding: usize) -> impl Fn(u64, usize) -> Reply {
    let filler = "x".repeat(padding);
    move |number, _| {
        let items: Vec<_> = (0..250)
            .map(|i| {
                json!({"id": format!("p{number}-{i}"), "record_type": "participant",
                       "status": "joined", "padding": filler})
            })
            .collect();
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": pages, "total_results": pages * 250});
        ok(page_body(&items, meta))
    }
}

#[tokio::test]
async fn a_limit_stops_pages_fetched_ahead_from_being_requested() {
    let (base, log) = paged(NO_HOLD, long_list(10_000, 0)).await;
    let limits = ListingLimits {
        max_items: 1000,
        ..ListingLimits::default()
    };
    let c = paging_client(&base, 8, limits);
    let listing = c
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.truncated, Some(ListingLimit::Items(1000)));
    assert_eq!(listing.items.len(), 1000);
    assert_eq!(listing.items[999].id, "p4-249");
    // four full pages and the fifth, where the limit was met: no more
    let mut requested = log.requests();
    requested.sort_unstable();
    assert_eq!(requested, [1, 2, 3, 4, 5]);

    // the byte limit: no page requested after the one that met it
    let (base, log) = paged(NO_HOLD, long_list(10_000, 1_000)).await;
    let limits = ListingLimits {
        max_bytes: 1 << 20,
        ..ListingLimits::default()
    };
    let mut pages = paging_client(&base, 8, limits)
        .participant_pages::<Box<serde_json::value::RawValue>>(
            &cid(C1),
            &ParticipantFilter::default(),
        )
        .unwrap();
    let mut last = 0;
    while let Some(page) = pages.next().await.unwrap() {
        last = page.number;
    }
    assert_eq!(pages.end().truncated, Some(ListingLimit::Bytes(1 << 20)));
    assert!(last > 1, "several pages of about 280 KB fit in 1 MiB");
    let requested = log.requests();
    assert!(
        requested.iter().all(|n| *n <= last),
        "{requested:?} after page {last}"
    );
}

#[tokio::test]
async fn the_page_limit_holds_when_pages_are_fetched_ahead() {
    // a server that pages by one, claiming 3,000 pages; each request is
    // held until another is in flight (the last one, a moment)
    let hold = Hold {
        from_page: 2,
        in_flight: 2,
        pages: 3_000,
        max_wait: Duration::from_millis(500),
    };
    let (base, log) = paged(hold, |number, _| {
        let meta = json!({"page_number": number, "page_size": 1,
                          "total_pages": 3_000, "total_results": 3_000});
        ok(page_body(&[person(&format!("p{number}"))], meta))
    })
    .await;
    let listing = paging_client(&base, 32, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.truncated, Some(ListingLimit::Pages(2_000)));
    assert_eq!(listing.items.len(), 2_000);
    let requests = log.requests();
    assert_eq!(requests.len(), 2_000);
    assert_eq!(requests.iter().max(), Some(&2_000));
    let most = log.max_in_flight();
    assert!(most > 1 && most <= 32, "{most} in flight at once");
}

#[tokio::test]
async fn paging_that_stops_advancing_midway_ends_with_a_warning_and_the_pages_before() {
    // page 3 is page 2 again; the pages fetched ahead after it are dropped
    let (base, log) = paged(NO_HOLD, |number, _| {
        let shown = if number == 3 { 2 } else { number };
        let items: Vec<_> = (0..250).map(|i| person(&format!("p{shown}-{i}"))).collect();
        let meta = json!({"page_number": shown, "page_size": 250,
                          "total_pages": 20, "total_results": 5_000});
        ok(page_body(&items, meta))
    })
    .await;
    let listing = paging_client(&base, 8, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 500);
    assert_eq!(listing.items[499].id, "p2-249");
    assert_eq!(listing.truncated, None);
    assert!(
        listing.warnings.len() == 1
            && listing.warnings[0].contains("paging did not advance: stopped after page 3"),
        "{:?}",
        listing.warnings
    );
    // at most one window fetched ahead of the page that stopped it
    assert!(log.requests().len() <= 3 + 8, "{:?}", log.requests());

    // a meta that turns to nonsense on page 4
    let (base, _) = paged(NO_HOLD, |number, _| {
        let items: Vec<_> = (0..250)
            .map(|i| person(&format!("p{number}-{i}")))
            .collect();
        let pages = if number == 4 { -1 } else { 20 };
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": pages, "total_results": 5_000});
        ok(page_body(&items, meta))
    })
    .await;
    let listing = paging_client(&base, 8, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 1_000);
    assert!(
        listing.warnings.len() == 1
            && listing.warnings[0]
                .contains("paging meta makes no sense (total_pages -1): stopped after page 4"),
        "{:?}",
        listing.warnings
    );
}

#[tokio::test]
async fn without_a_page_count_that_makes_sense_pages_come_one_at_a_time() {
    // each request is held a moment for a second one in flight, which must
    // not come: the next page is asked for once the last one was judged
    let hold = |pages| Hold {
        from_page: 1,
        in_flight: 2,
        pages,
        max_wait: Duration::from_millis(100),
    };
    let full = |number: u64| -> Vec<serde_json::Value> {
        (0..250)
            .map(|i| person(&format!("p{number}-{i}")))
            .collect()
    };
    // no meta: full pages go on
    let (base, log) = paged(hold(3), move |number, _| {
        let items = if number < 3 {
            full(number)
        } else {
            vec![person("last")]
        };
        ok(json!({ "data": items }).to_string())
    })
    .await;
    let listing = paging_client(&base, 8, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 501);
    assert_eq!(log.requests(), [1, 2, 3]);
    assert_eq!(log.max_in_flight(), 1);

    // a page count the result count contradicts
    let (base, log) = paged(hold(3), move |number, _| {
        let meta = json!({"page_number": number, "page_size": 250,
                          "total_pages": 3, "total_results": 100_000});
        ok(page_body(&full(number), meta))
    })
    .await;
    let listing = paging_client(&base, 8, ListingLimits::default())
        .list_participants(&cid(C1), &ParticipantFilter::default())
        .await
        .unwrap();
    assert_eq!(listing.items.len(), 750);
    assert_eq!(log.requests(), [1, 2, 3]);
    assert_eq!(log.max_in_flight(), 1);
}

#[tokio::test]
async fn a_page_that_fails_fails_the_listing_and_the_pages_after_it_are_not_delivered() {
    let (base, _) = paged(NO_HOLD, |number, _| {
        if number == 3 {
            return (422, Vec::new(), errors_body("10015", "Bad Request"));
        }
        long_list(20, 0)(number, 0)
    })
    .await;
    let mut pages = paging_client(&base, 8, ListingLimits::default())
        .participant_pages::<confmod::telnyx::Participant>(&cid(C1), &ParticipantFilter::default())
        .unwrap();
    assert_eq!(pages.next().await.unwrap().unwrap().number, 1);
    assert_eq!(pages.next().await.unwrap().unwrap().number, 2);
    let e = pages.next().await.unwrap_err();
    assert_eq!(e.status, Some(422));
    assert!(
        pages.next().await.unwrap().is_none(),
        "the listing has ended"
    );
}
