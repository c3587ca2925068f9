//! The sim over raw HTTP: shapes, errors, paging, filters, state changes,
//! the spec's rules on requests, size limits, rate limiting, faults,
//! determinism and scale.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use confmod::sim::wire::{BeepEnabled, ParticipantStatus};
use confmod::sim::{self, Faults, Scenario, ScenarioConference, SimConfig, SimHandle};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an errors body with one entry of this status and code; returns the entry.
    fn error(&self, status: u16, code: &str, title: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        let body = self.json();
        let entry = body["errors"][0].clone();
        assert_eq!(entry["code"], code, "{}", self.text);
        assert_eq!(entry["title"], title, "{}", self.text);
        assert!(entry["detail"].is_string(), "{}", self.text);
        entry
    }
}

struct Api {
    sim: SimHandle,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: SimConfig) -> Api {
        let sim = sim::spawn(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let http = common::http_client();
        Api { sim, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    async fn request(
        &self,
        method: Method,
        url: &str,
        key: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut req = self.http.request(method, url);
        if let Some(key) = key {
            req = req.header("authorization", format!("Bearer {key}"));
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        Reply {
            status,
            headers,
            text,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        let key = self.sim.api_key().to_string();
        self.request(Method::GET, &self.url(path), Some(&key), None)
            .await
    }

    async fn send(&self, method: Method, path: &str, body: &str) -> Reply {
        let key = self.sim.api_key().to_string();
        self.request(method, &self.url(path), Some(&key), Some(body))
            .await
    }

    async fn patch(&self, conf: &str, pid: &str, body: Value) -> Reply {
        let path = format!("/conferences/{conf}/participants/{pid}");
        self.send(Method::PATCH, &path, &body.to_string()).await
    }

    async fn action(&self, conf: &str, action: &str, body: Value) -> Reply {
        let path = format!("/conferences/{conf}/actions/{action}");
        self.send(Method::POST, &path, &body.to_string()).await
    }

    /// A POST with no body at all.
    async fn post_without_body(&self, path: &str) -> Reply {
        let key = self.sim.api_key().to_string();
        self.request(Method::POST, &self.url(path), Some(&key), None)
            .await
    }

    /// The full participant as `/_sim` shows it.
    async fn inspect(&self, conf: &str, pid: &str) -> Value {
        let url = format!(
            "http://{}/_sim/conferences/{conf}/participants/{pid}",
            self.sim.addr()
        );
        let key = self.sim.api_key().to_string();
        let reply = self.request(Method::GET, &url, Some(&key), None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["data"].clone()
    }
}

fn small() -> SimConfig {
    SimConfig {
        conferences: 4,
        participants: 45,
        ..SimConfig::default()
    }
}

fn labelled(labels: &[&str]) -> SimConfig {
    SimConfig {
        conferences: 1,
        participants: 10,
        scenario: Some(Scenario {
            conferences: vec![ScenarioConference {
                name: "Demo bridge".into(),
                participants: None,
                completed: false,
                init: false,
            }],
            labels: labels.iter().map(|s| s.to_string()).collect(),
        }),
        ..SimConfig::default()
    }
}

const LIST_FIELDS: [&str; 13] = [
    "record_type",
    "id",
    "call_leg_id",
    "call_control_id",
    "conference",
    "whisper_call_control_ids",
    "created_at",
    "updated_at",
    "end_conference_on_exit",
    "soft_end_conference_on_exit",
    "status",
    "muted",
    "on_hold",
];

#[tokio::test]
async fn every_route_answers_the_spec_shape() {
    let api = Api::start(small()).await;
    let list = api.get("/conferences").await;
    assert_eq!(list.status, 200, "{}", list.text);
    let body = list.json();
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, api.sim.conference_ids());
    let expiries: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["expires_at"].as_str().unwrap())
        .collect();
    assert!(
        expiries.windows(2).all(|w| w[0] >= w[1]),
        "newest expiry first: {expiries:?}"
    );
    for c in body["data"].as_array().unwrap() {
        assert_eq!(c["record_type"], "conference");
        for field in ["id", "name", "created_at", "expires_at", "status"] {
            assert!(c[field].is_string(), "{field}: {c}");
        }
    }
    assert_eq!(body["data"][3]["status"], "completed");
    assert_eq!(body["data"][3]["end_reason"], "all_left");
    assert_eq!(
        body["meta"],
        json!({"page_number": 1, "page_size": 20, "total_pages": 1, "total_results": 4})
    );

    let conf = api.sim.sample_conference();
    assert_eq!(conf, ids[0]);
    let one = api.get(&format!("/conferences/{conf}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["data"]["id"], conf.as_str());
    assert_eq!(one.json()["data"]["status"], "in_progress");

    let parts = api
        .get(&format!("/conferences/{conf}/participants"))
        .await
        .json();
    let items = parts["data"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    for item in items {
        for field in LIST_FIELDS {
            assert!(item.get(field).is_some(), "{field} missing: {item}");
        }
        for absent in ["label", "conference_id", "beep_enabled"] {
            assert!(item.get(absent).is_none(), "{absent} present: {item}");
        }
        assert_eq!(item["record_type"], "participant");
        assert_eq!(item["conference"]["id"], conf.as_str());
        assert_eq!(item["conference"]["name"], body["data"][0]["name"]);
    }

    let first = api.sim.participants(&conf)[0].clone();
    let single = api
        .get(&format!("/conferences/{conf}/participants/{}", first.id))
        .await
        .json();
    let data = &single["data"];
    assert_eq!(data["label"], first.label.as_str());
    assert_eq!(data["conference_id"], conf.as_str());
    assert_eq!(data["call_control_id"], first.call_control_id.as_str());
    assert!(data.get("beep_enabled").is_none(), "{data}");

    let ok = api
        .action(
            &conf,
            "mute",
            json!({"call_control_ids": [first.call_control_id]}),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json(), json!({"data": {"result": "ok"}}));
}

#[tokio::test]
async fn errors_carry_status_code_title_and_source() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let pid = api.sim.participants(&conf)[1].id.clone();
    let unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    // authentication
    let url = api.url("/conferences");
    for key in [None, Some("KEYwrong")] {
        let r = api.request(Method::GET, &url, key, None).await;
        r.error(401, "10009", "Authentication failed");
    }
    let basic = api
        .http
        .get(&url)
        .header("authorization", format!("Basic {}", api.sim.api_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);

    // unknown conference, unknown participant
    api.get(&format!("/conferences/{unknown}"))
        .await
        .error(404, "90058", "Invalid conference_id");
    api.get(&format!("/conferences/{unknown}/participants"))
        .await
        .error(404, "90058", "Invalid conference_id");
    api.action("No such bridge", "mute", json!({})).await.error(
        404,
        "90058",
        "Invalid conference_id",
    );
    api.action(unknown, "end", json!({}))
        .await
        .error(404, "90058", "Invalid conference_id");
    api.get(&format!("/conferences/{conf}/participants/{unknown}"))
        .await
        .error(404, "10007", "Resource not found");
    api.patch(&conf, unknown, json!({}))
        .await
        .error(404, "10007", "Resource not found");

    // ids that are not UUIDs: a 422 where the spec says `format: uuid`,
    // else a lookup that finds nothing
    let e = api
        .get(&format!("/conferences/not-a-uuid/participants/{pid}"))
        .await
        .error(422, "10006", "Invalid ID");
    assert_eq!(e["source"]["parameter"], "id");
    api.patch("not-a-uuid", &pid, json!({}))
        .await
        .error(422, "10006", "Invalid ID");
    api.action("not-a-uuid", "end", json!({}))
        .await
        .error(422, "10006", "Invalid ID");
    for path in [
        "/conferences/not-a-uuid",
        "/conferences/not-a-uuid/participants",
    ] {
        api.get(path)
            .await
            .error(404, "90058", "Invalid conference_id");
    }

    // paging out of range, bad filters
    for (query, param) in [
        ("page[size]=0", "page[size]"),
        ("page[size]=251", "page[size]"),
        ("page%5Bsize%5D=1000", "page[size]"),
        ("page[number]=0", "page[number]"),
    ] {
        let e = api.get(&format!("/conferences?{query}")).await.error(
            422,
            "10033",
            "Value outside of range",
        );
        assert_eq!(e["source"]["parameter"], param, "{query}");
    }
    let e = api.get("/conferences?filter[status]=paused").await.error(
        422,
        "10032",
        "Invalid enumerated value",
    );
    assert_eq!(e["source"]["parameter"], "filter[status]");
    let e = api
        .get(&format!(
            "/conferences/{conf}/participants?filter[muted]=yes"
        ))
        .await
        .error(422, "10015", "Invalid value");
    assert_eq!(e["source"]["parameter"], "filter[muted]");

    // bodies
    let path = format!("/conferences/{conf}/participants/{pid}");
    api.send(Method::PATCH, &path, "{\"end_conference_on_exit\": tru")
        .await
        .error(400, "10015", "Bad Request");
    let e = api
        .send(Method::PATCH, &path, "[true]")
        .await
        .error(422, "10015", "Invalid value");
    assert_eq!(e["source"]["pointer"], "");
    let e = api
        .patch(&conf, &pid, json!({"end_conference_on_exit": "yes"}))
        .await
        .error(422, "10015", "Invalid value");
    assert_eq!(e["source"]["pointer"], "/end_conference_on_exit");
    let e = api
        .patch(&conf, &pid, json!({"beep_enabled": "loud"}))
        .await
        .error(422, "10032", "Invalid enumerated value");
    assert_eq!(e["source"]["pointer"], "/beep_enabled");
    assert_eq!(
        e["detail"],
        "The value must be one of: always, never, on_enter, on_exit."
    );
    let e = api
        .action(&conf, "mute", json!({"call_control_ids": "v3:abc"}))
        .await
        .error(422, "10015", "Invalid value");
    assert_eq!(e["source"]["pointer"], "/call_control_ids");

    // actions
    for body in [json!({}), json!({"call_control_ids": []})] {
        let e = api.action(&conf, "unhold", body).await.error(
            422,
            "10004",
            "Missing required parameter",
        );
        assert_eq!(e["source"]["pointer"], "/call_control_ids");
    }
    let e = api
        .action(&conf, "mute", json!({"call_control_ids": ["v3:nobody"]}))
        .await
        .error(422, "90015", "Invalid Call Control ID");
    assert_eq!(e["source"]["pointer"], "/call_control_ids");

    // routes that do not exist, methods that are not allowed
    api.get("/calls")
        .await
        .error(404, "10005", "Resource not found");
    api.action(&conf, "play", json!({}))
        .await
        .error(404, "10005", "Resource not found");
    let r = api
        .send(Method::DELETE, &format!("/conferences/{conf}"), "{}")
        .await;
    assert_eq!(r.status, 405);
    assert!(r.json()["errors"][0]["code"].is_string(), "{}", r.text);

    // nothing above changed the participant
    assert_eq!(
        api.sim.participant(&conf, &pid).unwrap(),
        api.sim.participants(&conf)[1]
    );
    assert_eq!(api.sim.participant(&conf, &pid).unwrap().beep_enabled, None);
}

#[tokio::test]
async fn pages_carry_meta_and_cover_the_list_once() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let mut seen = Vec::new();
    for (number, expected) in [(1, 20), (2, 20), (3, 5), (4, 0)] {
        let body = api
            .get(&format!(
                "/conferences/{conf}/participants?page[number]={number}&page[size]=20"
            ))
            .await
            .json();
        assert_eq!(
            body["data"].as_array().unwrap().len(),
            expected,
            "page {number}"
        );
        assert_eq!(
            body["meta"],
            json!({"page_number": number, "page_size": 20, "total_pages": 3, "total_results": 45})
        );
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
    }
    let expected: Vec<String> = api
        .sim
        .participants(&conf)
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(seen, expected);

    let conferences = api
        .get("/conferences?page[size]=3&page[number]=2")
        .await
        .json();
    assert_eq!(conferences["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        conferences["data"][0]["id"],
        api.sim.conference_ids()[3].as_str()
    );
    assert_eq!(conferences["meta"]["total_pages"], 2);

    let none = api.get("/conferences?filter[name]=Nobody").await.json();
    assert_eq!(none["data"], json!([]));
    assert_eq!(none["meta"]["total_results"], 0);
    assert_eq!(none["meta"]["total_pages"], 0);
}

#[tokio::test]
async fn filters_work_with_literal_and_percent_encoded_brackets() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let all = api.sim.participants(&conf);
    let ids = |body: Value| -> HashSet<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    type Pick = fn(&confmod::sim::SimParticipant) -> bool;
    let cases: [(&str, Pick); 5] = [
        ("muted]=true", |p| p.muted),
        ("muted]=false", |p| !p.muted),
        ("on_hold]=true", |p| p.on_hold),
        ("whispering]=true", |p| {
            !p.whisper_call_control_ids.is_empty()
        }),
        ("whispering]=false", |p| {
            p.whisper_call_control_ids.is_empty()
        }),
    ];
    for (filter, pick) in cases {
        let expected: HashSet<String> = all
            .iter()
            .filter(|p| pick(p))
            .map(|p| p.id.clone())
            .collect();
        assert!(!expected.is_empty(), "{filter}: the seed should have some");
        let literal = format!("/conferences/{conf}/participants?page[size]=250&filter[{filter}");
        let encoded = format!(
            "/conferences/{conf}/participants?page%5Bsize%5D=250&filter%5B{}",
            filter.replace(']', "%5D")
        );
        assert_eq!(ids(api.get(&literal).await.json()), expected, "{literal}");
        assert_eq!(ids(api.get(&encoded).await.json()), expected, "{encoded}");
    }

    let completed = api
        .get("/conferences?filter[status]=completed")
        .await
        .json();
    assert_eq!(completed["data"].as_array().unwrap().len(), 1);
    let in_progress = api
        .get("/conferences?filter%5Bstatus%5D=in_progress")
        .await
        .json();
    assert_eq!(in_progress["data"].as_array().unwrap().len(), 2);
    let init = api.get("/conferences?filter[status]=init").await.json();
    assert_eq!(init["data"].as_array().unwrap().len(), 1);
    assert_eq!(init["data"][0]["id"], api.sim.conference_ids()[2].as_str());
    let name = api
        .get("/conferences?filter[name]=All+hands+meeting")
        .await
        .json();
    assert_eq!(name["data"].as_array().unwrap().len(), 1);
    assert_eq!(name["data"][0]["id"], conf.as_str());
    let encoded = api
        .get("/conferences?filter%5Bname%5D=All%20hands%20meeting")
        .await
        .json();
    assert_eq!(encoded["data"][0]["id"], conf.as_str());
    let case = api
        .get("/conferences?filter[name]=all+hands+meeting")
        .await
        .json();
    assert_eq!(case["data"], json!([]), "name matching is case-sensitive");
}

#[tokio::test]
async fn a_participant_can_be_read_by_its_label() {
    let api = Api::start(labelled(&["Ava / host", "Dial-in +1 415 555 0134"])).await;
    let conf = api.sim.sample_conference();
    let all = api.sim.participants(&conf);
    let by_label = api
        .get(&format!(
            "/conferences/{conf}/participants/Ava%20%2F%20host"
        ))
        .await;
    assert_eq!(by_label.status, 200, "{}", by_label.text);
    assert_eq!(by_label.json()["data"]["id"], all[0].id.as_str());
    assert_eq!(by_label.json()["data"]["label"], "Ava / host");
    let dial_in = api
        .get(&format!(
            "/conferences/{conf}/participants/Dial-in%20%2B1%20415%20555%200134"
        ))
        .await;
    assert_eq!(dial_in.json()["data"]["id"], all[1].id.as_str());
    let sim_view = api.inspect(&conf, "Ava%20%2F%20host").await;
    assert_eq!(sim_view["id"], all[0].id.as_str());
}

#[tokio::test]
async fn patch_changes_only_what_it_sends_and_bumps_updated_at() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let before = api.sim.participants(&conf)[3].clone();

    let r = api.patch(&conf, &before.id, json!({"soft_end_conference_on_exit": !before.soft_end_conference_on_exit, "colour": "blue"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let data = r.json()["data"].clone();
    assert!(data.get("beep_enabled").is_none());
    assert_eq!(
        data["soft_end_conference_on_exit"],
        !before.soft_end_conference_on_exit
    );
    assert_eq!(
        data["end_conference_on_exit"],
        before.end_conference_on_exit
    );
    let stamp = data["updated_at"].as_str().unwrap().to_string();
    assert!(
        stamp > before.updated_at,
        "{stamp} should be after {}",
        before.updated_at
    );
    assert!(
        stamp.len() == 24 && stamp.ends_with('Z') && &stamp[19..20] == "." && &stamp[10..11] == "T",
        "{stamp}"
    );

    let after = api.sim.participant(&conf, &before.id).unwrap();
    assert_eq!(
        after.soft_end_conference_on_exit,
        !before.soft_end_conference_on_exit
    );
    assert_eq!(
        (
            after.muted,
            after.on_hold,
            after.end_conference_on_exit,
            after.beep_enabled,
            &after.label,
            &after.created_at
        ),
        (
            before.muted,
            before.on_hold,
            before.end_conference_on_exit,
            None,
            &before.label,
            &before.created_at
        )
    );

    let r = api
        .patch(&conf, &before.id, json!({"beep_enabled": "on_exit"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json()["data"].get("beep_enabled").is_none());
    assert!(r.json()["data"]["updated_at"].as_str().unwrap() > stamp.as_str());
    let single = api
        .get(&format!("/conferences/{conf}/participants/{}", before.id))
        .await
        .json();
    assert!(single["data"].get("beep_enabled").is_none());
    assert_eq!(
        api.inspect(&conf, &before.id).await["beep_enabled"],
        "on_exit"
    );
    let after = api.sim.participant(&conf, &before.id).unwrap();
    assert_eq!(after.beep_enabled, Some(BeepEnabled::OnExit));
    assert_eq!(
        after.soft_end_conference_on_exit,
        !before.soft_end_conference_on_exit
    );
    assert_eq!(after.end_conference_on_exit, before.end_conference_on_exit);
}

#[tokio::test]
async fn actions_change_the_participants_they_name_or_everyone() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let all = api.sim.participants(&conf);
    let (a, b) = (all[1].clone(), all[2].clone());
    let state = |p: &str| api.sim.participant(&conf, p).unwrap();

    assert_eq!(
        api.action(
            &conf,
            "mute",
            json!({"call_control_ids": [a.call_control_id, b.call_control_id]})
        )
        .await
        .status,
        200
    );
    assert!(state(&a.id).muted && state(&b.id).muted);
    assert_eq!(
        api.action(
            &conf,
            "unmute",
            json!({"call_control_ids": [a.call_control_id]})
        )
        .await
        .status,
        200
    );
    assert!(!state(&a.id).muted && state(&b.id).muted);
    let hold = json!({"call_control_ids": [a.call_control_id], "audio_url": "http://example.com/hold.wav"});
    assert_eq!(api.action(&conf, "hold", hold).await.status, 200);
    assert!(state(&a.id).on_hold);
    assert_eq!(
        api.action(
            &conf,
            "unhold",
            json!({"call_control_ids": [a.call_control_id]})
        )
        .await
        .status,
        200
    );
    assert!(!state(&a.id).on_hold);

    // by name, and an empty or missing list means everyone
    assert_eq!(
        api.action("All hands meeting", "mute", json!({"call_control_ids": []}))
            .await
            .status,
        200
    );
    assert!(api.sim.participants(&conf).iter().all(|p| p.muted));
    assert_eq!(api.action(&conf, "unmute", json!({})).await.status, 200);
    assert!(api.sim.participants(&conf).iter().all(|p| !p.muted));
    assert_eq!(api.action(&conf, "hold", json!({})).await.status, 200);
    assert!(api.sim.participants(&conf).iter().all(|p| p.on_hold));
    // another conference was not touched
    let other = &api.sim.conference_ids()[1];
    assert!(api.sim.participants(other).iter().any(|p| !p.on_hold));
}

#[tokio::test]
async fn an_ended_conference_refuses_commands_but_still_lists() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let p = api.sim.participants(&conf)[1].clone();
    let r = api.action(&conf, "end", json!({}));
    assert_eq!(r.await.json(), json!({"data": {"result": "ok"}}));

    let data = api.get(&format!("/conferences/{conf}")).await.json()["data"].clone();
    assert_eq!(data["status"], "completed");
    assert_eq!(data["end_reason"], "ended_via_api");
    assert!(
        data["ended_by"]["call_control_id"].is_string()
            && data["ended_by"]["call_session_id"].is_string()
    );
    assert!(
        api.sim
            .participants(&conf)
            .iter()
            .all(|p| p.status == ParticipantStatus::Left)
    );

    api.patch(&conf, &p.id, json!({"beep_enabled": "never"}))
        .await
        .error(422, "90019", "Conference has already ended");
    for action in ["mute", "unmute", "hold", "unhold", "end"] {
        let body = json!({"call_control_ids": [p.call_control_id]});
        api.action(&conf, action, body)
            .await
            .error(422, "90019", "Conference has already ended");
    }
    let list = api.get(&format!("/conferences/{conf}/participants")).await;
    assert_eq!(list.status, 200);
    assert!(
        list.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "left")
    );
    assert!(!api.sim.end_conference(&conf), "already ended");
}

#[tokio::test]
async fn a_participant_who_hung_up_is_a_call_that_ended() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let p = api.sim.participants(&conf)[4].clone();
    assert!(api.sim.hang_up(&conf, &p.id));
    assert!(!api.sim.hang_up(&conf, &p.id), "cannot leave twice");
    let single = api
        .get(&format!("/conferences/{conf}/participants/{}", p.id))
        .await
        .json();
    assert_eq!(single["data"]["status"], "left");
    api.patch(&conf, &p.id, json!({"end_conference_on_exit": true}))
        .await
        .error(422, "90018", "Call has already ended");
    api.action(
        &conf,
        "mute",
        json!({"call_control_ids": [p.call_control_id]}),
    )
    .await
    .error(422, "90018", "Call has already ended");
    // the conference goes on
    assert_eq!(
        api.get(&format!("/conferences/{conf}")).await.json()["data"]["status"],
        "in_progress"
    );
}

#[tokio::test]
async fn leaving_with_end_on_exit_ends_the_conference_and_soft_end_does_not() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let all = api.sim.participants(&conf);
    // the host of the first conference soft-ends it: it goes on
    assert!(all[0].soft_end_conference_on_exit && !all[0].end_conference_on_exit);
    assert!(api.sim.hang_up(&conf, &all[0].id));
    assert_eq!(
        api.get(&format!("/conferences/{conf}")).await.json()["data"]["status"],
        "in_progress"
    );

    let host = all[5].clone();
    assert_eq!(
        api.patch(&conf, &host.id, json!({"end_conference_on_exit": true}))
            .await
            .status,
        200
    );
    assert!(api.sim.hang_up(&conf, &host.id));
    let data = api.get(&format!("/conferences/{conf}")).await.json()["data"].clone();
    assert_eq!(data["status"], "completed");
    assert_eq!(data["end_reason"], "host_left");
    assert_eq!(
        data["ended_by"]["call_control_id"],
        host.call_control_id.as_str()
    );
    assert!(
        api.sim
            .participants(&conf)
            .iter()
            .all(|p| p.status == ParticipantStatus::Left)
    );
    api.action(&conf, "mute", json!({}))
        .await
        .error(422, "90019", "Conference has already ended");
}

#[tokio::test]
async fn the_rate_limit_shows_in_headers_and_answers_429() {
    let api = Api::start(SimConfig {
        rate_limit: Some(3),
        ..small()
    })
    .await;
    let mut limited = None;
    for _ in 0..50 {
        let r = api.get("/conferences").await;
        assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
        let remaining: u32 = r.header("x-ratelimit-remaining").unwrap().parse().unwrap();
        assert!(remaining <= 3);
        let reset: f64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        // full again once the tokens spent are back, at 3 a second: the
        // whole tokens left say it within one token
        let (spent, rate) = (f64::from(3 - remaining), 3.0);
        assert!(
            reset > (spent - 1.0) / rate && reset <= spent / rate + 0.001,
            "{remaining} left, full in {reset}"
        );
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200);
        assert!(r.header("retry-after").is_none());
    }
    let r = limited.expect("50 requests at once must exceed 3 a second");
    r.error(429, "10011", "Too many requests");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
    let whole: u64 = r.header("retry-after").unwrap().parse().unwrap();
    let reset: f64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    // less than a token, at 3 a second; Retry-After is the same, in whole seconds
    assert!((1..=334).contains(&ms), "{ms}");
    assert_eq!(whole, ms.div_ceil(1000));
    // the bucket holds what both say: 3 - 3 * reset = 1 - 3 * wait
    let (by_reset, by_wait) = (3.0 - 3.0 * reset, 1.0 - 3.0 * ms as f64 / 1000.0);
    assert!((by_reset - by_wait).abs() < 0.007, "{reset} and {ms} ms");

    api.sim.set_rate_limit(None);
    for _ in 0..10 {
        let r = api.get("/conferences").await;
        assert_eq!(r.status, 200);
        assert!(r.header("x-ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn the_sim_counts_what_it_answered_429_and_says_so_outside_v2() {
    let api = Api::start(SimConfig {
        rate_limit: Some(2),
        ..small()
    })
    .await;
    let mut refused = 0;
    for _ in 0..10 {
        if api.get("/conferences").await.status == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0);
    assert_eq!(api.sim.rate_limited_count(), refused);
    let stats = format!("http://{}/_sim/stats", api.sim.addr());
    let http = reqwest::Client::new();
    let r = http.get(&stats).send().await.unwrap();
    assert_eq!(r.status(), 401, "the key, as every route");
    let r = http
        .get(&stats)
        .bearer_auth(api.sim.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("x-ratelimit-limit").is_none(),
        "not rate limited"
    );
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"requests": 10, "rate_limited": refused})
    );
}

#[tokio::test]
async fn faults_answer_5xx_some_in_html_and_change_nothing() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let p = api.sim.participants(&conf)[1].clone();
    api.sim.set_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    });
    let (mut html, mut json_bodies) = (0, 0);
    for i in 0..30 {
        let r = if i % 2 == 0 {
            api.action(
                &conf,
                "hold",
                json!({"call_control_ids": [p.call_control_id]}),
            )
            .await
        } else {
            api.patch(&conf, &p.id, json!({"beep_enabled": "always"}))
                .await
        };
        assert!([500, 502, 503].contains(&r.status), "{}", r.status);
        if r.text.contains("<html>") {
            assert!(r.header("content-type").unwrap().starts_with("text/html"));
            html += 1;
        } else {
            assert!(r.json()["errors"][0]["code"].is_string());
            json_bodies += 1;
        }
    }
    assert!(
        html > 0 && json_bodies > 0,
        "{html} html, {json_bodies} json"
    );
    // the inspection route is not subject to faults; nothing happened
    assert_eq!(api.inspect(&conf, &p.id).await["beep_enabled"], Value::Null);
    assert_eq!(api.sim.participant(&conf, &p.id).unwrap(), p);

    api.sim.set_faults(Faults {
        latency: Duration::from_millis(20),
        ..Faults::default()
    });
    assert_eq!(api.get("/conferences").await.status, 200);
}

#[tokio::test]
async fn a_hanging_request_never_answers_and_shutdown_releases_it() {
    let api = Api::start(SimConfig {
        faults: Faults {
            hang_rate: 1.0,
            ..Faults::default()
        },
        ..small()
    })
    .await;
    let err = api
        .http
        .get(api.url("/conferences"))
        .bearer_auth(api.sim.api_key())
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    // a request still hanging when the sim stops does not keep it alive
    let pending = tokio::spawn({
        let http = api.http.clone();
        let url = api.url("/conferences");
        let key = api.sim.api_key().to_string();
        async move {
            http.get(url)
                .bearer_auth(key)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let counted = async {
        while api.sim.request_count() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), counted)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), api.sim.shutdown())
        .await
        .expect("shutdown must not hang");
    let answer = pending.await.unwrap();
    assert!(answer.as_ref().map_or(true, |s| *s == 503), "{answer:?}");
}

#[tokio::test]
async fn the_same_seed_makes_the_same_world() {
    let ids = |sim: &SimHandle| {
        sim.conference_ids()
            .iter()
            .flat_map(|c| sim.participants(c))
            .map(|p| (p.id, p.call_control_id, p.call_leg_id, p.label))
            .collect::<Vec<_>>()
    };
    let config = |seed| SimConfig { seed, ..small() };
    let a = Api::start(config(42)).await;
    let b = Api::start(config(42)).await;
    let c = Api::start(config(43)).await;
    assert_eq!(a.sim.conference_ids(), b.sim.conference_ids());
    assert_eq!(ids(&a.sim), ids(&b.sim));
    assert_ne!(a.sim.conference_ids(), c.sim.conference_ids());
    assert_ne!(ids(&a.sim), ids(&c.sim));
    // over the wire too
    let conf = a.sim.sample_conference();
    let url = format!("/conferences/{conf}/participants?page[size]=250");
    let (wire_a, wire_b) = (a.get(&url).await.json(), b.get(&url).await.json());
    let ccids = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["call_control_id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ccids(&wire_a), ccids(&wire_b));
    assert_eq!(ccids(&wire_a).len(), 45);
    assert!(
        ids(&a.sim)
            .iter()
            .all(|(_, ccid, _, _)| ccid.starts_with("v3:") && ccid.len() == 57)
    );
}

#[tokio::test]
async fn hostile_labels_appear_only_when_asked() {
    let hostile = Api::start(SimConfig {
        hostile_labels: true,
        ..small()
    })
    .await;
    let conf = hostile.sim.sample_conference();
    let labels: Vec<String> = hostile
        .sim
        .participants(&conf)
        .into_iter()
        .map(|p| p.label)
        .collect();
    let count = |f: &dyn Fn(&str) -> bool| labels.iter().filter(|l| f(l)).count();
    assert!(count(&|l| l.contains('\x1b')) >= 3, "{labels:?}");
    assert!(count(&|l| l.contains('\u{202E}')) >= 1);
    assert!(count(&|l| l.contains('\u{200B}')) >= 1);
    assert!(count(&|l| l.contains('\x07') || l.contains('\x08') || l.contains('\r')) >= 2);
    assert!(count(&|l| l.chars().count() == 300) == 1);
    assert!(
        count(&|l| l
            .chars()
            .any(|c| c.is_control() || c == '\u{202E}' || c == '\u{200B}'))
            >= 10
    );
    // they travel intact through the API
    let hostile_one = hostile
        .sim
        .participants(&conf)
        .into_iter()
        .find(|p| p.label.contains("\x1b[2J"))
        .unwrap();
    let single = hostile
        .get(&format!(
            "/conferences/{conf}/participants/{}",
            hostile_one.id
        ))
        .await
        .json();
    assert_eq!(single["data"]["label"], hostile_one.label.as_str());

    let tame = Api::start(small()).await;
    for conf in tame.sim.conference_ids() {
        assert!(
            tame.sim
                .participants(&conf)
                .iter()
                .all(|p| !p.label.chars().any(|c| c.is_control() || c == '\u{202E}'))
        );
    }
}

#[tokio::test]
async fn fifty_thousand_participants_page_completely() {
    let api = Api::start(SimConfig {
        conferences: 1,
        participants: 50_000,
        ..SimConfig::default()
    })
    .await;
    let conf = api.sim.sample_conference();
    let mut ids = HashSet::new();
    let mut count = 0;
    let mut page = 1;
    loop {
        let body = api
            .get(&format!(
                "/conferences/{conf}/participants?page[size]=250&page[number]={page}"
            ))
            .await
            .json();
        assert_eq!(body["meta"]["total_results"], 50_000);
        assert_eq!(body["meta"]["total_pages"], 200);
        for p in body["data"].as_array().unwrap() {
            ids.insert(p["id"].as_str().unwrap().to_string());
            count += 1;
        }
        if page >= body["meta"]["total_pages"].as_u64().unwrap() {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 200);
    assert_eq!(count, 50_000);
    assert_eq!(ids.len(), 50_000);
    let muted = api
        .sim
        .participants(&conf)
        .iter()
        .filter(|p| p.muted)
        .count() as u64;
    let body = api
        .get(&format!(
            "/conferences/{conf}/participants?filter[muted]=true&page[size]=1"
        ))
        .await
        .json();
    assert_eq!(body["meta"]["total_results"], muted);
    let last = api.sim.participants(&conf).pop().unwrap();
    let by_label = api
        .get(&format!(
            "/conferences/{conf}/participants/{}",
            urlencode(&last.label)
        ))
        .await
        .json();
    assert_eq!(by_label["data"]["label"], last.label.as_str());
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[tokio::test]
async fn churn_joins_leaves_and_flips() {
    let api = Api::start(SimConfig {
        conferences: 1,
        participants: 20,
        churn: 40.0,
        ..SimConfig::default()
    })
    .await;
    let conf = api.sim.sample_conference();
    let seeded: HashSet<String> = api
        .sim
        .participants(&conf)
        .into_iter()
        .map(|p| p.id)
        .collect();
    let seeded_muted: std::collections::HashMap<String, bool> = api
        .sim
        .participants(&conf)
        .into_iter()
        .map(|p| (p.id, p.muted))
        .collect();
    let mut saw_joining = HashSet::new();
    let (mut saw_left, mut saw_joined_newcomer, mut saw_flip) = (false, false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(saw_left && saw_joined_newcomer && saw_flip) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "churn did not show joins, leaves and mute flips"
        );
        let now = api.sim.participants(&conf);
        for p in &now {
            match p.status {
                ParticipantStatus::Joining => {
                    saw_joining.insert(p.id.clone());
                }
                ParticipantStatus::Joined if !seeded.contains(&p.id) => saw_joined_newcomer = true,
                ParticipantStatus::Left => saw_left = true,
                _ => {}
            }
        }
        saw_flip |= now
            .iter()
            .any(|p| seeded_muted.get(&p.id).is_some_and(|&m| m != p.muted));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!saw_joining.is_empty());
    api.sim.shutdown().await;
}

#[tokio::test]
async fn the_request_counter_counts_v2_requests_only() {
    let api = Api::start(small()).await;
    assert_eq!(api.sim.request_count(), 0);
    api.get("/conferences").await;
    api.get("/nope").await;
    let conf = api.sim.sample_conference();
    let pid = api.sim.participants(&conf)[0].id.clone();
    api.inspect(&conf, &pid).await;
    assert_eq!(api.sim.request_count(), 2);
    let url = format!(
        "http://{}/_sim/conferences/{conf}/participants/{pid}",
        api.sim.addr()
    );
    api.request(Method::GET, &url, None, None)
        .await
        .error(401, "10009", "Authentication failed");
}

#[tokio::test]
async fn more_than_fifty_thousand_participants_are_refused() {
    let err = sim::spawn(
        SimConfig {
            participants: 50_001,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    // nor more than 100,000 in all (the sim would seed them all at once)
    let err = sim::spawn(
        SimConfig {
            conferences: 3,
            participants: 50_000,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("100000 participants in all"),
        "{err}"
    );
}

// ---- the spec's rules on requests -----------------------------------------------

/// `(status, code, source)` of an errors body, `source` as `pointer:...` or
/// `parameter:...`.
fn refusal(r: &Reply) -> (u16, String, String) {
    let body = r.json();
    let entry = &body["errors"][0];
    let code = entry["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.text));
    assert!(
        entry["title"].is_string() && entry["detail"].is_string(),
        "{}",
        r.text
    );
    let source = match (&entry["source"]["pointer"], &entry["source"]["parameter"]) {
        (Value::String(p), Value::Null) => format!("pointer:{p}"),
        (Value::Null, Value::String(p)) => format!("parameter:{p}"),
        (Value::Null, Value::Null) => String::new(),
        other => panic!("source names one thing: {other:?}"),
    };
    (r.status, code.to_string(), source)
}

fn is(status: u16, code: &str, source: &str) -> (u16, String, String) {
    (status, code.to_string(), source.to_string())
}

#[tokio::test]
async fn participant_actions_need_a_body_whose_list_holds_strings() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let before = api.sim.participants(&conf);
    let ccid = before[1].call_control_id.clone();
    for action in ["mute", "unmute", "hold", "unhold"] {
        let path = format!("/conferences/{conf}/actions/{action}");
        let r = api.post_without_body(&path).await;
        assert_eq!(refusal(&r), is(422, "10004", "pointer:"), "{action}");
        let detail = r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(detail.contains("body is required"), "{detail}");
        for (body, pointer) in [
            (json!({"call_control_ids": null}), "/call_control_ids"),
            (json!({"call_control_ids": ccid}), "/call_control_ids"),
            (
                json!({"call_control_ids": {"0": ccid}}),
                "/call_control_ids",
            ),
            (
                json!({"call_control_ids": [ccid, 7]}),
                "/call_control_ids/1",
            ),
            (json!({"call_control_ids": [null]}), "/call_control_ids/0"),
        ] {
            let r = api.action(&conf, action, body.clone()).await;
            let expected = is(422, "10015", &format!("pointer:{pointer}"));
            assert_eq!(refusal(&r), expected, "{action} {body}");
        }
        let r = api.send(Method::POST, &path, "null").await;
        assert_eq!(refusal(&r), is(422, "10015", "pointer:"), "{action}");
    }
    assert_eq!(api.sim.participants(&conf), before, "nothing changed");
    // `{}` and an empty list still mean everyone (unhold needs its list)
    assert_eq!(api.action(&conf, "mute", json!({})).await.status, 200);
    assert!(api.sim.participants(&conf).iter().all(|p| p.muted));
    let empty = json!({"call_control_ids": []});
    assert_eq!(api.action(&conf, "hold", empty).await.status, 200);
    assert!(api.sim.participants(&conf).iter().all(|p| p.on_hold));
}

#[tokio::test]
async fn patch_schema_violations_are_422s_naming_the_field() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let p = api.sim.participants(&conf)[2].clone();
    let cases = [
        (
            json!({"end_conference_on_exit": null}),
            "10015",
            "/end_conference_on_exit",
        ),
        (
            json!({"end_conference_on_exit": "true"}),
            "10015",
            "/end_conference_on_exit",
        ),
        (
            json!({"end_conference_on_exit": 1}),
            "10015",
            "/end_conference_on_exit",
        ),
        (
            json!({"soft_end_conference_on_exit": null}),
            "10015",
            "/soft_end_conference_on_exit",
        ),
        (
            json!({"soft_end_conference_on_exit": [true]}),
            "10015",
            "/soft_end_conference_on_exit",
        ),
        (json!({"beep_enabled": null}), "10032", "/beep_enabled"),
        (json!({"beep_enabled": "ALWAYS"}), "10032", "/beep_enabled"),
        (json!({"beep_enabled": true}), "10032", "/beep_enabled"),
    ];
    for (body, code, pointer) in cases {
        let r = api.patch(&conf, &p.id, body.clone()).await;
        assert_eq!(
            refusal(&r),
            is(422, code, &format!("pointer:{pointer}")),
            "{body}"
        );
    }
    // a valid member beside a bad one changes nothing either
    let mixed = json!({"beep_enabled": "never", "end_conference_on_exit": "yes"});
    assert_eq!(api.patch(&conf, &p.id, mixed).await.status, 422);
    assert_eq!(api.sim.participant(&conf, &p.id).unwrap(), p);
    // unknown members are ignored; an empty body is no change
    let path = format!("/conferences/{conf}/participants/{}", p.id);
    assert_eq!(
        api.patch(&conf, &p.id, json!({"colour": null}))
            .await
            .status,
        200
    );
    assert_eq!(api.send(Method::PATCH, &path, "").await.status, 200);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_the_only_400() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let pid = api.sim.participants(&conf)[1].id.clone();
    let patch = format!("/conferences/{conf}/participants/{pid}");
    let mute = format!("/conferences/{conf}/actions/mute");
    let end = format!("/conferences/{conf}/actions/end");
    for path in [&patch, &mute, &end] {
        let method = if path == &patch {
            Method::PATCH
        } else {
            Method::POST
        };
        let r = api
            .send(method.clone(), path, "{\"call_control_ids\": [")
            .await;
        assert_eq!(refusal(&r), is(400, "10015", ""), "{path}");
        assert_eq!(r.json()["errors"][0]["title"], "Bad Request");
        for not_an_object in ["[]", "\"x\"", "42", "true"] {
            let r = api.send(method.clone(), path, not_an_object).await;
            assert_eq!(
                refusal(&r),
                is(422, "10015", "pointer:"),
                "{path} {not_an_object}"
            );
        }
    }
    assert!(api.sim.participants(&conf).iter().any(|p| !p.muted));
    assert_eq!(
        api.get(&format!("/conferences/{conf}")).await.json()["data"]["status"],
        "in_progress"
    );
}

#[tokio::test]
async fn regions_outside_the_spec_are_refused_and_valid_ones_change_nothing() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let all = api.sim.participants(&conf);
    let p = all[1..].iter().find(|p| !p.muted).unwrap().clone();
    let mars = [
        ("/conferences?region=Mars".to_string(), 422),
        (format!("/conferences/{conf}/participants?region=Mars"), 422),
        // RetrieveConference answers 200 or 404 only
        (format!("/conferences/{conf}?region=Mars"), 404),
        (format!("/conferences/{conf}?region=us"), 404),
    ];
    for (path, status) in mars {
        let r = api.get(&path).await;
        assert_eq!(
            refusal(&r),
            is(status, "10032", "parameter:region"),
            "{path}"
        );
    }
    let body = json!({"call_control_ids": [p.call_control_id], "region": "Mars"});
    let r = api.action(&conf, "mute", body).await;
    assert_eq!(refusal(&r), is(422, "10032", "pointer:/region"));
    assert!(!api.sim.participant(&conf, &p.id).unwrap().muted);

    // one region: a valid one is accepted and changes nothing
    for path in [
        "/conferences".to_string(),
        format!("/conferences/{conf}/participants"),
        format!("/conferences/{conf}"),
    ] {
        let plain = api.get(&path).await.json();
        for region in ["Australia", "Europe", "Middle%20East", "US"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let with = api.get(&format!("{path}{sep}region={region}")).await;
            assert_eq!(with.status, 200, "{path} {region}: {}", with.text);
            assert_eq!(with.json(), plain, "{path} {region}");
        }
    }
    let body = json!({"call_control_ids": [p.call_control_id], "region": "Middle East"});
    assert_eq!(api.action(&conf, "mute", body).await.status, 200);
    assert!(api.sim.participant(&conf, &p.id).unwrap().muted);
}

#[tokio::test]
async fn hold_takes_audio_url_or_media_name_not_both() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let p = api.sim.participants(&conf)[1].clone();
    let ids = json!([p.call_control_id]);
    let cases = [
        (
            json!({"call_control_ids": ids, "audio_url": "http://example.com/a.wav", "media_name": "hold"}),
            "/media_name",
        ),
        (
            json!({"call_control_ids": ids, "audio_url": 5}),
            "/audio_url",
        ),
        (
            json!({"call_control_ids": ids, "audio_url": null}),
            "/audio_url",
        ),
        (
            json!({"call_control_ids": ids, "media_name": ["hold"]}),
            "/media_name",
        ),
    ];
    for (body, pointer) in cases {
        let r = api.action(&conf, "hold", body.clone()).await;
        assert_eq!(
            refusal(&r),
            is(422, "10015", &format!("pointer:{pointer}")),
            "{body}"
        );
    }
    assert!(!api.sim.participant(&conf, &p.id).unwrap().on_hold);
    for extra in [
        json!({"audio_url": "http://example.com/a.wav"}),
        json!({"media_name": "hold"}),
    ] {
        let mut body = extra;
        body["call_control_ids"] = ids.clone();
        assert_eq!(api.action(&conf, "hold", body).await.status, 200);
        assert!(api.sim.participant(&conf, &p.id).unwrap().on_hold);
        let off = json!({"call_control_ids": ids});
        assert_eq!(api.action(&conf, "unhold", off).await.status, 200);
    }
}

#[tokio::test]
async fn end_takes_no_body_or_an_object_with_a_string_command_id() {
    let api = Api::start(small()).await;
    let ids = api.sim.conference_ids();
    let status = |r: Reply| r.json()["data"]["status"].clone();
    for (body, pointer) in [
        (json!({"command_id": null}), "/command_id"),
        (json!({"command_id": 7}), "/command_id"),
        (json!([]), ""),
    ] {
        let r = api.action(&ids[0], "end", body.clone()).await;
        assert_eq!(
            refusal(&r),
            is(422, "10015", &format!("pointer:{pointer}")),
            "{body}"
        );
    }
    let conference = |i: usize| format!("/conferences/{}", ids[i]);
    assert_eq!(status(api.get(&conference(0)).await), "in_progress");
    // no body, `{}`, a command_id: each ends its conference (an init one too)
    let r = api
        .post_without_body(&format!("{}/actions/end", conference(0)))
        .await;
    assert_eq!(r.json(), json!({"data": {"result": "ok"}}));
    let r = api.action(
        &ids[1],
        "end",
        json!({"command_id": "891510ac-f3e4-11e8-af5b-de00688a4901"}),
    );
    assert_eq!(r.await.status, 200);
    assert_eq!(status(api.get(&conference(2)).await), "init");
    assert_eq!(api.action(&ids[2], "end", json!({})).await.status, 200);
    for i in 0..3 {
        assert_eq!(status(api.get(&conference(i)).await), "completed", "{i}");
    }
}

#[tokio::test]
async fn query_errors_are_422s_naming_the_parameter() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    // an integer above 2^63 is an integer, outside the range
    for huge in ["9223372036854775808", "99999999999999999999999"] {
        let r = api.get(&format!("/conferences?page[number]={huge}")).await;
        assert_eq!(refusal(&r), is(422, "10033", "parameter:page[number]"));
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "The value is outside of allowed range 1 to 9223372036854775807"
        );
    }
    let last = api
        .get("/conferences?page[number]=9223372036854775807")
        .await;
    assert_eq!(last.status, 200, "{}", last.text);
    assert_eq!(last.json()["data"], json!([]));

    let conferences = [
        ("page[number]=0", "10033", "page[number]"),
        ("page[number]=1.0", "10015", "page[number]"),
        ("page[size]=abc", "10015", "page[size]"),
        ("page[size]=251", "10033", "page[size]"),
        ("page[limit]=0", "10033", "page[limit]"),
        ("page[limit]=x", "10015", "page[limit]"),
        ("page=2", "10015", "page"),
        ("filter[status]=paused", "10032", "filter[status]"),
        ("filter[status][eq]=init", "10015", "filter[status]"),
        ("filter[product]=sms", "10032", "filter[product]"),
        ("filter[type]=event", "10032", "filter[type]"),
        ("filter[failed]=maybe", "10015", "filter[failed]"),
        ("filter[leg_id]=123", "10015", "filter[leg_id]"),
        (
            "filter[application_session_id]=x",
            "10015",
            "filter[application_session_id]",
        ),
        (
            "filter[occurred_at]=2019-03-29",
            "10015",
            "filter[occurred_at]",
        ),
        (
            "filter[occurred_at][since]=2019",
            "10015",
            "filter[occurred_at][since]",
        ),
        (
            "filter[application_name][starts]=abc",
            "10015",
            "filter[application_name][starts]",
        ),
        ("filter=all", "10015", "filter"),
        ("region=mars", "10032", "region"),
    ];
    for (query, code, parameter) in conferences {
        let r = api.get(&format!("/conferences?{query}")).await;
        assert_eq!(
            refusal(&r),
            is(422, code, &format!("parameter:{parameter}")),
            "{query}"
        );
    }
    let participants = [
        ("filter[muted]=1", "10015", "filter[muted]"),
        ("filter[on_hold]=TRUE", "10015", "filter[on_hold]"),
        ("filter[whispering]=no", "10015", "filter[whispering]"),
        ("page[size]=251", "10033", "page[size]"),
        ("page%5Bnumber%5D=-3", "10033", "page[number]"),
    ];
    for (query, code, parameter) in participants {
        let r = api
            .get(&format!("/conferences/{conf}/participants?{query}"))
            .await;
        assert_eq!(
            refusal(&r),
            is(422, code, &format!("parameter:{parameter}")),
            "{query}"
        );
    }
}

#[tokio::test]
async fn declared_query_parameters_are_applied_or_checked_and_ignored() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let ids = |r: Reply| -> Vec<String> {
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = api.sim.conference_ids();
    // page[limit] is the size when page[size] is absent
    let limited = api
        .get("/conferences?page[limit]=3&page[number]=2")
        .await
        .json();
    assert_eq!(limited["meta"]["page_size"], 3);
    assert_eq!(limited["data"][0]["id"], all[3].as_str());
    let sized = api
        .get("/conferences?page[limit]=3&page[size]=2")
        .await
        .json();
    assert_eq!(sized["meta"]["page_size"], 2);
    // filter[connection_id] filters
    let connection = api.get("/conferences").await.json()["data"][0]["connection_id"].clone();
    let connection = connection.as_str().unwrap();
    let path = format!("/conferences?filter[connection_id]={connection}");
    assert_eq!(ids(api.get(&path).await), all);
    assert_eq!(
        ids(api.get("/conferences?filter[connection_id]=1").await),
        Vec::<String>::new()
    );
    // the call-control-wide filters, cursors and unknown parameters are
    // checked (where declared) and ignored
    let ignored = [
        "filter[product]=texml&filter[type]=webhook&filter[failed]=true",
        "filter[from]=%2B12025550142&filter[to]=%2B12025550143",
        "filter[leg_id]=3FA85F64-5717-4562-B3FC-2C963F66AFA6",
        "filter[application_session_id]=428c31b6-abf3-3bc1-b7f4-5013ef9657c1",
        "filter[occurred_at][gte]=2019-03-29T11:10:00Z&filter[occurred_at][lt]=2030-01-01",
        "filter[application_name][contains]=abc",
        "filter[outbound.outbound_voice_profile_id]=1293384261075731499",
        "page[after]=abc&page[before]=def",
        "colour=blue&filter[colour]=red&page[colour]=1&filter[status",
    ];
    for query in ignored {
        assert_eq!(
            ids(api.get(&format!("/conferences?{query}")).await),
            all,
            "{query}"
        );
    }
    let everyone = api.sim.participants(&conf).len();
    let path = format!("/conferences/{conf}/participants?page[limit]=250&page[after]=x&sort=name");
    let listed = api.get(&path).await.json();
    assert_eq!(listed["data"].as_array().unwrap().len(), everyone);
    // operations without query parameters ignore any
    let pid = api.sim.participants(&conf)[0].id.clone();
    let path = format!("/conferences/{conf}/participants/{pid}?region=Mars&page[size]=0");
    assert_eq!(api.get(&path).await.status, 200);
}

#[tokio::test]
async fn conference_ids_are_checked_as_the_spec_declares_them() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let p = api.sim.participants(&conf)[1].clone();
    // format: uuid -> 422 10006
    let uuid_routes = [
        api.get(&format!("/conferences/not-a-uuid/participants/{}", p.id))
            .await,
        api.patch("not-a-uuid", &p.id, json!({})).await,
        api.action("not-a-uuid", "end", json!({})).await,
        api.get(&format!("/conferences/%FF/participants/{}", p.id))
            .await,
    ];
    for r in &uuid_routes {
        assert_eq!(refusal(r), is(422, "10006", "parameter:id"));
    }
    // a plain string -> a lookup that finds nothing
    let mut plain = vec![
        api.get("/conferences/not-a-uuid").await,
        api.get("/conferences/not-a-uuid/participants").await,
        api.get("/conferences/%FF").await,
        api.get("/conferences/%FF/participants").await,
    ];
    for action in ["mute", "unmute", "hold", "unhold"] {
        let body = json!({"call_control_ids": [p.call_control_id]});
        plain.push(api.action("not-a-uuid", action, body.clone()).await);
        plain.push(api.action("%FF", action, body).await);
    }
    for r in &plain {
        assert_eq!(refusal(r), is(404, "90058", ""));
    }
    // a participant path that does not decode names no participant
    let r = api
        .get(&format!("/conferences/{conf}/participants/%FF"))
        .await;
    assert_eq!(refusal(&r), is(404, "10007", ""));
    // UUIDs in upper case are the same conference
    let upper = conf.to_uppercase();
    assert_eq!(api.get(&format!("/conferences/{upper}")).await.status, 200);
    let r = api
        .get(&format!("/conferences/{upper}/participants/{}", p.id))
        .await;
    assert_eq!(r.json()["data"]["conference_id"], conf.as_str());
    assert_eq!(api.sim.participant(&conf, &p.id).unwrap(), p);
}

#[tokio::test]
async fn oversize_requests_get_413_414_or_431_with_an_errors_body() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    let code = |v: &Value| v["errors"][0]["code"].as_str().unwrap().to_string();

    let long = "x".repeat(sim::URI_LIMIT);
    let r = api.get(&format!("/conferences?filter[name]={long}")).await;
    assert_eq!(
        (r.status, code(&r.json())),
        (414, "10015".into()),
        "{}",
        r.text
    );
    let fits = "x".repeat(sim::URI_LIMIT - 100);
    assert_eq!(
        api.get(&format!("/conferences?filter[name]={fits}"))
            .await
            .status,
        200
    );

    let r = api
        .http
        .get(api.url("/conferences"))
        .bearer_auth(api.sim.api_key())
        .header("x-padding", "p".repeat(sim::HEADERS_LIMIT))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
    assert_eq!(code(&r.json().await.unwrap()), "10015");

    // declared too large: refused before the body is read
    let key = api.sim.api_key();
    let head = |framing: &str| {
        format!(
            "POST /v2/conferences/{conf}/actions/mute HTTP/1.1\r\nHost: sim\r\n\
             Authorization: Bearer {key}\r\nContent-Type: application/json\r\n\
             {framing}\r\nConnection: close\r\n\r\n"
        )
    };
    let declared = format!("Content-Length: {}", sim::BODY_LIMIT + 1);
    let (status, body) = common::raw_http(api.sim.addr(), &head(&declared), b"").await;
    assert_eq!((status, code(&body)), (413, "10015".into()), "{body}");
    // chunked past the limit: cut while reading
    let chunk = format!("{:x}\r\n", sim::BODY_LIMIT + 1);
    let mut body = chunk.into_bytes();
    body.extend(std::iter::repeat_n(b' ', sim::BODY_LIMIT + 1));
    let (status, answer) =
        common::raw_http(api.sim.addr(), &head("Transfer-Encoding: chunked"), &body).await;
    assert_eq!((status, code(&answer)), (413, "10015".into()), "{answer}");
    assert!(api.sim.participants(&conf).iter().any(|p| !p.muted));
}

#[tokio::test]
async fn answers_outside_the_operations_carry_an_errors_body() {
    let api = Api::start(small()).await;
    let conf = api.sim.sample_conference();
    for (method, path, allow) in [
        (Method::DELETE, format!("/conferences/{conf}"), "GET"),
        (Method::POST, "/conferences".to_string(), "GET"),
        (
            Method::GET,
            format!("/conferences/{conf}/actions/mute"),
            "POST",
        ),
    ] {
        let r = api.send(method.clone(), &path, "{}").await;
        assert_eq!(refusal(&r), is(405, "10015", ""), "{method} {path}");
        assert!(
            r.header("allow").unwrap().contains(allow),
            "{method} {path}"
        );
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
    }
    for path in ["/calls", "/conferences/x/y/z"] {
        assert_eq!(refusal(&api.get(path).await), is(404, "10005", ""));
    }
    let outside = format!("http://{}/v3/conferences", api.sim.addr());
    let r = api.request(Method::GET, &outside, None, None).await;
    assert_eq!(refusal(&r), is(404, "10005", ""));
}

#[tokio::test]
async fn init_conferences_and_whisperers_are_in_every_world() {
    let demo = sim::ScenarioFile::demo().unwrap();
    let worlds = [
        SimConfig::default(),
        SimConfig {
            scenario: Some(demo.scenario()),
            ..SimConfig::default()
        },
    ];
    for config in worlds {
        let api = Api::start(config).await;
        let listed = api.get("/conferences").await.json();
        let first = &listed["data"][0];
        assert_eq!(first["status"], "in_progress", "the demo opens the first");
        let init = api.get("/conferences?filter[status]=init").await.json();
        let init = init["data"].as_array().unwrap().clone();
        assert!(!init.is_empty(), "{listed}");
        for c in &init {
            let path = format!("/conferences/{}/participants", c["id"].as_str().unwrap());
            let ps = api.get(&path).await.json();
            let ps = ps["data"].as_array().unwrap();
            assert!(ps.iter().all(|p| p["status"] == "joining"), "{ps:?}");
        }
        for c in listed["data"].as_array().unwrap() {
            let path = format!(
                "/conferences/{}/participants?filter[whispering]=true",
                c["id"].as_str().unwrap()
            );
            let whisperers = api.get(&path).await.json();
            let first = &whisperers["data"][0];
            let host = api.sim.participants(c["id"].as_str().unwrap())[0]
                .call_control_id
                .clone();
            assert_eq!(
                first["whisper_call_control_ids"],
                json!([host]),
                "{}",
                c["name"]
            );
        }
    }
}

#[tokio::test]
async fn the_sim_serves_its_key_trimmed_and_refuses_a_bad_one() {
    let api = Api::start(SimConfig {
        api_key: "  KEYpadded00 \n".into(),
        ..small()
    })
    .await;
    assert_eq!(api.sim.api_key(), "KEYpadded00");
    assert_eq!(api.get("/conferences").await.status, 200);
    for bad in ["", "  ", "KEY with space", "KEY\u{7f}"] {
        let config = SimConfig {
            api_key: bad.into(),
            ..SimConfig::default()
        };
        let err = sim::spawn(config, "127.0.0.1:0".parse().unwrap())
            .await
            .err();
        assert_eq!(
            err.map(|e| e.kind()),
            Some(std::io::ErrorKind::InvalidInput),
            "{bad:?}"
        );
    }
}

// ---- connections -----------------------------------------------------------------

/// The sim with these connection limits.
async fn with_connections(connections: sim::ConnLimits) -> Api {
    Api::start(SimConfig {
        connections,
        ..small()
    })
    .await
}

/// Waits (at most 20 s) until the server has closed `stream`: true when it
/// has, false when the deadline passed with the connection still open.
async fn closed_by_the_server(stream: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // an answer (a 408, say) before the close: keep reading
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    use tokio::io::AsyncWriteExt;
    // the idle timeout is long: only the header timeout can close it
    let api = with_connections(sim::ConnLimits {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(600),
        max_connections: 64,
    })
    .await;
    let mut half = tokio::net::TcpStream::connect(api.sim.addr())
        .await
        .unwrap();
    half.write_all(b"GET /v2/conferences HTTP/1.1\r\nHost: sim\r\nX-Slow: ")
        .await
        .unwrap();
    assert!(closed_by_the_server(&mut half).await, "still open");
    // and the sim still answers
    assert_eq!(api.get("/conferences").await.status, 200);
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_408_after_the_header_timeout() {
    // the idle timeout is long: only the body's deadline can end it
    let api = with_connections(sim::ConnLimits {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(600),
        max_connections: 64,
    })
    .await;
    let conf = api.sim.sample_conference();
    let head = format!(
        "POST /v2/conferences/{conf}/actions/mute HTTP/1.1\r\nHost: sim\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\nConnection: close\r\n\r\n",
        api.sim.api_key()
    );
    // 10 of the 100 bytes, then nothing
    let (status, body) = common::raw_http(api.sim.addr(), &head, b"{\"call_con").await;
    assert_eq!(status, 408);
    assert_eq!(body["errors"][0]["code"], "10015", "{body}");
    // and the sim still answers
    assert_eq!(api.get("/conferences").await.status, 200);
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    // the header timeout is long: only the idle timeout can close them
    let api = with_connections(sim::ConnLimits {
        header_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_millis(300),
        max_connections: 64,
    })
    .await;
    // one that never sent anything, one kept alive after an answer
    let mut silent = tokio::net::TcpStream::connect(api.sim.addr())
        .await
        .unwrap();
    assert!(
        closed_by_the_server(&mut silent).await,
        "silent one still open"
    );
    let mut kept = tokio::net::TcpStream::connect(api.sim.addr())
        .await
        .unwrap();
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        kept.write_all(b"GET /nowhere HTTP/1.1\r\nHost: sim\r\n\r\n")
            .await
            .unwrap();
        let mut head = [0u8; 12];
        kept.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 404");
    }
    assert!(
        closed_by_the_server(&mut kept).await,
        "kept-alive one still open"
    );
}

#[tokio::test]
async fn idle_connections_past_the_limit_do_not_stop_the_sim() {
    const LIMIT: usize = 8;
    const IDLE: usize = 40;
    // timeouts far away: only the limit can make room
    let api = with_connections(sim::ConnLimits {
        header_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_secs(600),
        max_connections: LIMIT,
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        idle.push(
            tokio::net::TcpStream::connect(api.sim.addr())
                .await
                .unwrap(),
        );
    }
    // a real request behind all of them is answered
    let r = api.get("/conferences").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // and the sim holds at most LIMIT connections: the real one (kept alive)
    // and the newest idle ones; every other idle one was closed
    let expected = IDLE - (LIMIT - 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut closed = vec![false; IDLE];
    let mut buf = [0u8; 64];
    while closed.iter().filter(|c| **c).count() < expected {
        for (stream, closed) in idle.iter().zip(closed.iter_mut()) {
            if !*closed {
                *closed = match stream.try_read(&mut buf) {
                    Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
                    Ok(n) => n == 0,
                };
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {IDLE} idle connections closed, {expected} expected",
            closed.iter().filter(|c| **c).count()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        closed[..expected].iter().all(|c| *c),
        "the oldest are closed first: {closed:?}"
    );
}

#[tokio::test]
async fn hanging_requests_whose_clients_gave_up_free_their_connections() {
    let api = with_connections(sim::ConnLimits {
        max_connections: 4,
        ..sim::ConnLimits::default()
    })
    .await;
    api.sim.set_faults(Faults {
        hang_rate: 1.0,
        ..Faults::default()
    });
    // twice the limit of requests left hanging, each by a client that gave up
    for _ in 0..8 {
        let impatient = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let url = api.url("/conferences");
        let r = impatient
            .get(url)
            .bearer_auth(api.sim.api_key())
            .send()
            .await;
        assert!(r.is_err(), "answered: {r:?}");
    }
    api.sim.set_faults(Faults::default());
    assert_eq!(api.get("/conferences").await.status, 200);
}
