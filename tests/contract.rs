//! The contract: both sides against the spec (`tests/spec/conferences.openapi.yml`).
//!
//! - The client's models and the sim's wire shapes each round-trip the spec's
//!   own examples: a field misspelt on either side drops or renames a value
//!   (or, for the sim, fails to decode), and the round trip differs.
//! - Both sides know exactly the spec's enum values.
//! - The sim's real answers, for every operation it serves and each kind of
//!   error, fit the schema the spec gives for that operation and status, and
//!   the status is one the spec lists (or one of the documented exceptions).
//!   Schemas are checked closed: an object schema that lists its properties
//!   takes no other, so an answer with a field the spec does not name fails.

mod common;

use std::collections::HashMap;
use std::sync::OnceLock;

use confmod::sim::{self, Faults, SimConfig, SimHandle, wire};
use confmod::telnyx;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ---- the spec --------------------------------------------------------------------

/// The spec, parsed once.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/spec/conferences.openapi.yml"
        );
        let text = std::fs::read_to_string(path).expect("the vendored spec");
        serde_yaml_ng::from_str(&text).expect("the spec is YAML")
    })
}

/// `#/a/b` style lookup into the spec (RFC 6901, without the `#`).
fn at(pointer: &str) -> &'static Value {
    spec()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer} is not in the spec"))
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A copy of the spec whose object schemas that list their properties take
/// no other (`additionalProperties: false`), with `$ref` at its root to the
/// schema to check: the spec's own `$ref`s resolve against the document.
fn validator(schema_pointer: &str) -> jsonschema::Validator {
    fn close(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let listed = map.get("type") == Some(&json!("object"))
                    && map.get("properties").is_some_and(Value::is_object);
                if listed && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), json!(false));
                }
                map.values_mut().for_each(close);
            }
            Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    let mut root = spec().clone();
    close(&mut root);
    // a URI fragment: the braces of path templates are percent-encoded
    let fragment = schema_pointer.replace('{', "%7B").replace('}', "%7D");
    root["$ref"] = json!(format!("#{fragment}"));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{schema_pointer}: {e}"))
}

/// Validators by schema pointer (building one reads the whole spec).
struct Schemas(HashMap<String, jsonschema::Validator>);

impl Schemas {
    fn new() -> Self {
        Schemas(HashMap::new())
    }

    fn check(&mut self, schema_pointer: &str, instance: &Value, what: &str) {
        let v = self
            .0
            .entry(schema_pointer.to_string())
            .or_insert_with(|| validator(schema_pointer));
        let errors: Vec<String> = v
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} does not fit {schema_pointer}:\n{}\n{instance:#}",
            errors.join("\n")
        );
    }
}

const ERRORS_SCHEMA: &str = "/components/schemas/call-control_Errors";

/// The statuses the spec lists for an operation, and the pointer to each
/// one's JSON schema (a response `$ref` followed).
fn responses(template: &str, method: &str) -> HashMap<u16, String> {
    let op = format!("/paths/{}/{method}/responses", escape(template));
    at(&op)
        .as_object()
        .unwrap()
        .iter()
        .map(|(status, response)| {
            let base = match response["$ref"].as_str() {
                Some(r) => r.trim_start_matches('#').to_string(),
                None => format!("{op}/{status}"),
            };
            let schema = format!("{base}/content/application~1json/schema");
            at(&schema);
            (status.parse().unwrap(), schema)
        })
        .collect()
}

// ---- fixtures: the spec's examples ---------------------------------------------------

fn conference_example() -> Value {
    at("/components/schemas/Conference/example").clone()
}

fn participant_example() -> Value {
    at("/components/schemas/Participant/example").clone()
}

/// `PaginationMeta` has no example of its own: its properties' examples.
fn pagination_meta_example() -> Value {
    let properties = at("/components/schemas/PaginationMeta/properties");
    let meta: serde_json::Map<String, Value> = properties
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, p)| (name.clone(), p["example"].clone()))
        .collect();
    assert_eq!(meta.len(), 4);
    Value::Object(meta)
}

/// `ConferenceParticipant` has no example in the spec: this one is the
/// `Participant` example's values, without `record_type` and `conference`,
/// plus a `label` and the `conference_id` of its conference. It is checked
/// against the `ConferenceParticipant` schema (closed) below.
fn conference_participant_example() -> Value {
    let mut p = participant_example();
    let map = p.as_object_mut().unwrap();
    map.remove("record_type");
    let conference = map.remove("conference").unwrap();
    map.insert("conference_id".into(), conference["id"].clone());
    map.insert("label".into(), json!("Ava Thompson (host)"));
    p
}

/// Every errors body the spec gives as an example, by name.
fn error_examples() -> Vec<(String, Value)> {
    let mut all = vec![(
        "UnauthorizedResponse".to_string(),
        at("/components/responses/UnauthorizedResponse/content/application~1json/example").clone(),
    )];
    for response in ["NotFoundResponse", "UnprocessableEntityResponse"] {
        let examples = at(&format!(
            "/components/responses/{response}/content/application~1json/examples"
        ));
        for (name, example) in examples.as_object().unwrap() {
            all.push((name.clone(), example["value"].clone()));
        }
    }
    assert!(all.len() > 20, "{}", all.len());
    all
}

fn error_example(name: &str) -> Value {
    error_examples()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no example {name}"))
        .1
}

/// Decodes `fixture` as `T` and encodes it again.
fn round_trip<T: DeserializeOwned + Serialize>(fixture: &Value) -> Value {
    let decoded: T =
        serde_json::from_value(fixture.clone()).unwrap_or_else(|e| panic!("{e}: {fixture:#}"));
    serde_json::to_value(decoded).unwrap()
}

#[test]
fn the_fixtures_fit_the_spec_schemas() {
    let mut schemas = Schemas::new();
    let s = "/components/schemas";
    schemas.check(
        &format!("{s}/Conference"),
        &conference_example(),
        "the Conference example",
    );
    schemas.check(
        &format!("{s}/Participant"),
        &participant_example(),
        "the Participant example",
    );
    schemas.check(
        &format!("{s}/PaginationMeta"),
        &pagination_meta_example(),
        "the meta",
    );
    schemas.check(
        &format!("{s}/ConferenceParticipant"),
        &conference_participant_example(),
        "the ConferenceParticipant fixture",
    );
    schemas.check(
        &format!("{s}/ConferenceCommandResult"),
        at(&format!("{s}/ConferenceCommandResult/example")),
        "the command result",
    );
    for (name, body) in error_examples() {
        schemas.check(ERRORS_SCHEMA, &body, &name);
    }
    // and the closed check bites: a field the spec does not name fails
    let mut extra = conference_participant_example();
    extra["beep_enabled"] = json!("always");
    let v = validator(&format!("{s}/ConferenceParticipant"));
    assert!(!v.is_valid(&extra));
}

#[test]
fn the_client_models_round_trip_the_spec_examples() {
    for (fixture, back) in [
        (
            conference_example(),
            round_trip::<telnyx::Conference>(&conference_example()),
        ),
        (
            participant_example(),
            round_trip::<telnyx::Participant>(&participant_example()),
        ),
        (
            conference_participant_example(),
            round_trip::<telnyx::ConferenceParticipant>(&conference_participant_example()),
        ),
        (
            pagination_meta_example(),
            round_trip::<telnyx::PaginationMeta>(&pagination_meta_example()),
        ),
    ] {
        assert_eq!(back, fixture);
    }
    for (name, body) in error_examples() {
        assert_eq!(round_trip::<telnyx::ErrorsBody>(&body), body, "{name}");
    }
}

#[test]
fn the_sim_wire_shapes_round_trip_the_spec_examples() {
    let conference = conference_example();
    assert_eq!(round_trip::<wire::Conference>(&conference), conference);
    let participant = participant_example();
    assert_eq!(round_trip::<wire::Participant>(&participant), participant);
    let single = conference_participant_example();
    assert_eq!(round_trip::<wire::ConferenceParticipant>(&single), single);
    let meta = pagination_meta_example();
    assert_eq!(round_trip::<wire::PaginationMeta>(&meta), meta);
    let result = at("/components/schemas/ConferenceCommandResult/example").clone();
    assert_eq!(round_trip::<wire::CommandResult>(&result), result);
    for (name, body) in error_examples() {
        assert_eq!(round_trip::<wire::ErrorsBody>(&body), body, "{name}");
    }
    // the envelopes
    let page = json!({"data": [participant], "meta": meta});
    assert_eq!(round_trip::<wire::Page<wire::Participant>>(&page), page);
    let one = json!({"data": single});
    assert_eq!(
        round_trip::<wire::Data<wire::ConferenceParticipant>>(&one),
        one
    );
    // a field the sim does not write, or a value it does not know, does not decode
    let mut extra = conference_participant_example();
    extra["beep_enabled"] = json!("always");
    assert!(serde_json::from_value::<wire::ConferenceParticipant>(extra).is_err());
    let mut unknown = conference_example();
    unknown["end_reason"] = json!("host_hung_up");
    assert!(serde_json::from_value::<wire::Conference>(unknown).is_err());
}

/// The values of the enum at `pointer` in the spec.
fn spec_enum(pointer: &str) -> Vec<String> {
    at(pointer)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn names(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[test]
fn both_sides_know_exactly_the_spec_enums() {
    let s = "/components/schemas";
    let status = spec_enum(&format!("{s}/Conference/properties/status/enum"));
    assert_eq!(names(wire::ConferenceStatus::NAMES), status);
    let client: Vec<&str> = telnyx::ConferenceStatus::KNOWN
        .iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(names(&client), status);
    let filter = "/components/parameters/call-control_FilterConsolidated/schema/properties";
    assert_eq!(spec_enum(&format!("{filter}/status/enum")), status);

    let reason = spec_enum(&format!("{s}/Conference/properties/end_reason/enum"));
    assert_eq!(names(wire::EndReason::NAMES), reason);
    let client: Vec<&str> = telnyx::EndReason::KNOWN
        .iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(names(&client), reason);

    for schema in ["Participant", "ConferenceParticipant"] {
        let status = spec_enum(&format!("{s}/{schema}/properties/status/enum"));
        assert_eq!(names(wire::ParticipantStatus::NAMES), status, "{schema}");
        let client: Vec<&str> = telnyx::ParticipantStatus::KNOWN
            .iter()
            .map(|v| v.as_str())
            .collect();
        assert_eq!(names(&client), status, "{schema}");
    }

    let beep = spec_enum(&format!(
        "{s}/UpdateConferenceParticipantRequest/properties/beep_enabled/enum"
    ));
    assert_eq!(names(wire::BeepEnabled::NAMES), beep);
    let client: Vec<&str> = telnyx::BeepEnabled::ALL
        .iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(names(&client), beep);

    assert_eq!(
        names(wire::Region::NAMES),
        spec_enum(&format!("{s}/ConferenceRegion/enum"))
    );
    assert_eq!(
        names(wire::Region::NAMES),
        spec_enum("/components/parameters/ConferenceRegion/schema/enum")
    );
    assert_eq!(
        names(wire::ConferenceRecordType::NAMES),
        spec_enum(&format!("{s}/Conference/properties/record_type/enum"))
    );
    assert_eq!(
        names(wire::ParticipantRecordType::NAMES),
        spec_enum(&format!("{s}/Participant/properties/record_type/enum"))
    );
}

// ---- the sim's answers against the spec ----------------------------------------------

/// One request to the sim and the answer expected.
struct Case {
    /// The spec's path template and method (`None`: not an operation).
    op: Option<(&'static str, &'static str)>,
    method: Method,
    /// Below the base URL.
    path: String,
    body: Option<String>,
    key: bool,
    headers: Vec<(&'static str, String)>,
    status: u16,
}

fn case(op: (&'static str, &'static str), path: String, status: u16) -> Case {
    let method = match op.1 {
        "get" => Method::GET,
        "post" => Method::POST,
        "patch" => Method::PATCH,
        other => panic!("{other}"),
    };
    Case {
        op: Some(op),
        method,
        path,
        body: None,
        key: true,
        headers: Vec::new(),
        status,
    }
}

impl Case {
    fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn without_key(mut self) -> Self {
        self.key = false;
        self
    }
}

const LIST_CONFERENCES: (&str, &str) = ("/conferences", "get");
const RETRIEVE_CONFERENCE: (&str, &str) = ("/conferences/{id}", "get");
const LIST_PARTICIPANTS: (&str, &str) = ("/conferences/{conference_id}/participants", "get");
const RETRIEVE_PARTICIPANT: (&str, &str) =
    ("/conferences/{id}/participants/{participant_id}", "get");
const UPDATE_PARTICIPANT: (&str, &str) =
    ("/conferences/{id}/participants/{participant_id}", "patch");
const END: (&str, &str) = ("/conferences/{id}/actions/end", "post");

fn action_op(action: &str) -> (&'static str, &'static str) {
    let template = match action {
        "mute" => "/conferences/{id}/actions/mute",
        "unmute" => "/conferences/{id}/actions/unmute",
        "hold" => "/conferences/{id}/actions/hold",
        "unhold" => "/conferences/{id}/actions/unhold",
        other => panic!("{other}"),
    };
    (template, "post")
}

/// The statuses the sim may give beyond an operation's own: 401 on every
/// operation (global `security`; RetrieveConference omits it), 400 for a
/// body that is not JSON, 413/414/431 for oversize requests, 429 from the
/// rate limiter, and injected 5xx faults.
fn exception(status: u16, has_body: bool) -> bool {
    matches!(status, 401 | 413 | 414 | 431 | 429 | 500..=599) || (status == 400 && has_body)
}

struct Checked {
    status: u16,
    body: Value,
}

async fn send(http: &reqwest::Client, sim: &SimHandle, c: &Case) -> Checked {
    let mut req = http.request(c.method.clone(), format!("{}{}", sim.base_url(), c.path));
    if c.key {
        req = req.bearer_auth(sim.api_key());
    }
    for (name, value) in &c.headers {
        req = req.header(*name, value);
    }
    if let Some(body) = &c.body {
        req = req
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let json_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let text = resp.text().await.unwrap();
    assert!(json_type, "{} {}: not JSON: {text}", c.method, c.path);
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    Checked { status, body }
}

/// Sends `c`, checks its status against the expectation and the spec, and
/// its body against the schema for that operation and status.
async fn check(http: &reqwest::Client, sim: &SimHandle, schemas: &mut Schemas, c: &Case) {
    let what = format!("{} {}", c.method, c.path);
    let answer = send(http, sim, c).await;
    assert_eq!(answer.status, c.status, "{what}: {:#}", answer.body);
    let listed = c.op.map(|(template, method)| responses(template, method));
    let schema = match listed.as_ref().and_then(|l| l.get(&answer.status)) {
        Some(schema) => schema.clone(),
        None => {
            let operation = c.op.is_some();
            assert!(
                !operation || exception(answer.status, c.body.is_some()),
                "{what}: {} is not a status the spec lists for {:?}",
                answer.status,
                c.op
            );
            assert!(answer.status >= 400, "{what}");
            ERRORS_SCHEMA.to_string()
        }
    };
    schemas.check(&schema, &answer.body, &what);
}

async fn start(config: SimConfig) -> SimHandle {
    sim::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_answer_of_the_sim_fits_the_spec() {
    let sim = start(SimConfig {
        conferences: 4,
        participants: 30,
        ..SimConfig::default()
    })
    .await;
    let http = common::http_client();
    let mut schemas = Schemas::new();
    let ids = sim.conference_ids();
    // 0 and 1 in progress, 2 init, 3 completed
    let (live, other, init, done) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    let unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let people = sim.participants(live);
    let (a, gone) = (&people[1], &people[3]);
    assert!(sim.hang_up(live, &gone.id));
    let ccid =
        |p: &sim::SimParticipant| json!({"call_control_ids": [p.call_control_id]}).to_string();

    let mut cases = vec![
        // ListConferences
        case(LIST_CONFERENCES, "/conferences".into(), 200),
        case(
            LIST_CONFERENCES,
            "/conferences?filter[status]=completed".into(),
            200,
        ),
        case(
            LIST_CONFERENCES,
            "/conferences?filter[status]=init&page[size]=1".into(),
            200,
        ),
        case(LIST_CONFERENCES, "/conferences".into(), 401).without_key(),
        case(LIST_CONFERENCES, "/conferences?region=Mars".into(), 422),
        case(
            LIST_CONFERENCES,
            "/conferences?page[number]=9223372036854775808".into(),
            422,
        ),
        case(LIST_CONFERENCES, "/conferences?page[size]=x".into(), 422),
        case(
            LIST_CONFERENCES,
            "/conferences?filter[occurred_at][at]=1".into(),
            422,
        ),
        // RetrieveConference
        case(RETRIEVE_CONFERENCE, format!("/conferences/{live}"), 200),
        case(RETRIEVE_CONFERENCE, format!("/conferences/{init}"), 200),
        case(
            RETRIEVE_CONFERENCE,
            format!("/conferences/{done}?region=US"),
            200,
        ),
        case(RETRIEVE_CONFERENCE, format!("/conferences/{unknown}"), 404),
        case(RETRIEVE_CONFERENCE, "/conferences/not-a-uuid".into(), 404),
        case(
            RETRIEVE_CONFERENCE,
            format!("/conferences/{live}?region=Mars"),
            404,
        ),
        case(RETRIEVE_CONFERENCE, format!("/conferences/{live}"), 401).without_key(),
        // ListConferenceParticipants
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{live}/participants"),
            200,
        ),
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{live}/participants?filter[whispering]=true&page[limit]=5"),
            200,
        ),
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{init}/participants"),
            200,
        ),
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{done}/participants"),
            200,
        ),
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{unknown}/participants"),
            404,
        ),
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{live}/participants?filter[muted]=x"),
            422,
        ),
        case(
            LIST_PARTICIPANTS,
            format!("/conferences/{live}/participants"),
            401,
        )
        .without_key(),
        // RetrieveConferenceParticipant
        case(
            RETRIEVE_PARTICIPANT,
            format!("/conferences/{live}/participants/{}", a.id),
            200,
        ),
        case(
            RETRIEVE_PARTICIPANT,
            format!("/conferences/{live}/participants/{}", gone.id),
            200,
        ),
        case(
            RETRIEVE_PARTICIPANT,
            format!("/conferences/{live}/participants/{unknown}"),
            404,
        ),
        case(
            RETRIEVE_PARTICIPANT,
            format!("/conferences/{unknown}/participants/{}", a.id),
            404,
        ),
        case(
            RETRIEVE_PARTICIPANT,
            format!("/conferences/x/participants/{}", a.id),
            422,
        ),
        case(
            RETRIEVE_PARTICIPANT,
            format!("/conferences/{live}/participants/{}", a.id),
            401,
        )
        .without_key(),
    ];
    let patch = |conf: &str, pid: &str, body: &str, status| {
        case(
            UPDATE_PARTICIPANT,
            format!("/conferences/{conf}/participants/{pid}"),
            status,
        )
        .body(body)
    };
    cases.extend([
        patch(
            live,
            &a.id,
            r#"{"beep_enabled": "on_exit", "soft_end_conference_on_exit": true}"#,
            200,
        ),
        patch(live, &a.id, "", 200),
        patch(live, unknown, "{}", 404),
        patch(unknown, &a.id, "{}", 404),
        patch("x", &a.id, "{}", 422),
        patch(live, &a.id, r#"{"beep_enabled": "loud"}"#, 422),
        patch(live, &a.id, r#"{"end_conference_on_exit": null}"#, 422),
        patch(live, &a.id, "[]", 422),
        patch(live, &gone.id, r#"{"end_conference_on_exit": true}"#, 422),
        patch(done, &sim.participants(done)[1].id, "{}", 422),
        patch(live, &a.id, "{", 400),
        patch(live, &a.id, "{}", 401).without_key(),
    ]);
    for action in ["mute", "unmute", "hold", "unhold"] {
        let op = action_op(action);
        let path = |conf: &str| format!("/conferences/{conf}/actions/{action}");
        cases.extend([
            case(op, path(live), 200).body(ccid(a)),
            case(op, path(unknown), 404).body(ccid(a)),
            case(op, path("No such bridge"), 404).body(ccid(a)),
            case(op, path(live), 422),
            case(op, path(live), 422).body(r#"{"call_control_ids": null}"#),
            case(op, path(live), 422).body(r#"{"call_control_ids": ["v3:nobody"]}"#),
            case(op, path(live), 422).body(ccid(gone)),
            case(op, path(done), 422).body(ccid(a)),
            case(op, path(live), 400).body("call_control_ids"),
            case(op, path(live), 401).without_key().body(ccid(a)),
        ]);
    }
    cases.push(
        case(
            action_op("hold"),
            format!("/conferences/{live}/actions/hold"),
            422,
        )
        .body(r#"{"audio_url": "http://example.com/a.wav", "media_name": "m"}"#),
    );
    cases.push(
        case(
            action_op("mute"),
            format!("/conferences/{live}/actions/mute"),
            200,
        )
        .body("{}"),
    );
    cases.extend([
        case(END, format!("/conferences/{other}/actions/end"), 422).body(r#"{"command_id": null}"#),
        case(END, "/conferences/x/actions/end".into(), 422).body("{}"),
        case(END, format!("/conferences/{done}/actions/end"), 422).body("{}"),
        case(END, format!("/conferences/{unknown}/actions/end"), 404).body("{}"),
        case(END, format!("/conferences/{other}/actions/end"), 400).body("}"),
        case(END, format!("/conferences/{other}/actions/end"), 401).without_key(),
        case(END, format!("/conferences/{other}/actions/end"), 200),
        case(END, format!("/conferences/{init}/actions/end"), 200).body("{}"),
        // ended via the API, and by its host
        case(RETRIEVE_CONFERENCE, format!("/conferences/{other}"), 200),
        case(
            LIST_CONFERENCES,
            "/conferences?filter[status]=completed".into(),
            200,
        ),
    ]);
    // outside the operations, and oversize requests
    let not_an_op = |method: Method, path: &str, status| Case {
        op: None,
        method,
        path: path.to_string(),
        body: None,
        key: true,
        headers: Vec::new(),
        status,
    };
    cases.extend([
        not_an_op(Method::DELETE, &format!("/conferences/{live}"), 405),
        not_an_op(Method::GET, "/calls", 404),
        not_an_op(
            Method::POST,
            &format!("/conferences/{live}/actions/play"),
            404,
        ),
    ]);
    let mut long = case(LIST_CONFERENCES, "/conferences?filter[name]=".into(), 414);
    long.path.push_str(&"n".repeat(sim::URI_LIMIT));
    let mut tall = case(LIST_CONFERENCES, "/conferences".into(), 431);
    tall.headers
        .push(("x-padding", "p".repeat(sim::HEADERS_LIMIT)));
    cases.extend([long, tall]);

    for c in &cases {
        check(&http, &sim, &mut schemas, c).await;
    }
    // every operation the sim serves, with each status the spec lists for it
    for (template, method) in [
        LIST_CONFERENCES,
        RETRIEVE_CONFERENCE,
        LIST_PARTICIPANTS,
        RETRIEVE_PARTICIPANT,
        UPDATE_PARTICIPANT,
        END,
        action_op("mute"),
        action_op("unmute"),
        action_op("hold"),
        action_op("unhold"),
    ] {
        for status in responses(template, method).keys() {
            let covered = cases
                .iter()
                .any(|c| c.op == Some((template, method)) && c.status == *status);
            assert!(covered, "{method} {template}: no case answers {status}");
        }
    }
}

#[tokio::test]
async fn the_sim_says_what_the_spec_examples_say() {
    let sim = start(SimConfig {
        conferences: 4,
        participants: 10,
        ..SimConfig::default()
    })
    .await;
    let http = common::http_client();
    let ids = sim.conference_ids();
    let unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let p = sim.participants(&ids[0])[1].clone();
    assert!(sim.hang_up(&ids[0], &p.id));
    let gone = json!({"call_control_ids": [p.call_control_id]}).to_string();
    let answers = [
        (
            "UnauthorizedResponse",
            case(LIST_CONFERENCES, "/conferences".into(), 401).without_key(),
        ),
        (
            "conference_not_found",
            case(RETRIEVE_CONFERENCE, format!("/conferences/{unknown}"), 404),
        ),
        (
            "resource_not_found",
            case(
                RETRIEVE_PARTICIPANT,
                format!("/conferences/{}/participants/{unknown}", ids[0]),
                404,
            ),
        ),
        (
            "conference_already_ended",
            case(
                action_op("mute"),
                format!("/conferences/{}/actions/mute", ids[3]),
                422,
            )
            .body("{}"),
        ),
        (
            "call_already_ended",
            case(
                UPDATE_PARTICIPANT,
                format!("/conferences/{}/participants/{}", ids[0], p.id),
                422,
            )
            .body("{}"),
        ),
    ];
    let call_gone = case(
        action_op("hold"),
        format!("/conferences/{}/actions/hold", ids[0]),
        422,
    )
    .body(gone);
    for (name, c) in answers
        .iter()
        .chain([("call_already_ended", call_gone)].iter())
    {
        let answer = send(&http, &sim, c).await;
        assert_eq!(answer.status, c.status, "{name}");
        let mut ours = answer.body["errors"][0].clone();
        let example = error_example(name)["errors"][0].clone();
        if example.get("meta").is_none() {
            ours.as_object_mut().unwrap().remove("meta");
        }
        if example.get("source").is_none() {
            ours.as_object_mut().unwrap().remove("source");
        }
        assert_eq!(ours, example, "{name}");
    }
    // the enum and range errors keep the examples' wording
    let r = send(
        &http,
        &sim,
        &case(LIST_CONFERENCES, "/conferences?page[size]=300".into(), 422),
    )
    .await;
    let detail = r.body["errors"][0]["detail"].as_str().unwrap();
    assert_eq!(detail, "The value is outside of allowed range 1 to 250");
    let title = &error_example("value_outside_range")["errors"][0]["title"];
    assert_eq!(&r.body["errors"][0]["title"], title);
    let path = format!(
        "/conferences/{}/participants/{}",
        ids[1],
        sim.participants(&ids[1])[1].id
    );
    let r = send(
        &http,
        &sim,
        &case(UPDATE_PARTICIPANT, path, 422).body(r#"{"beep_enabled": "x"}"#),
    )
    .await;
    let example = &error_example("invalid_enumerated_value")["errors"][0];
    assert_eq!(r.body["errors"][0]["title"], example["title"]);
    assert_eq!(r.body["errors"][0]["code"], example["code"]);
    assert!(
        r.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("The value must be one of: ")
    );
}

#[tokio::test]
async fn limits_rate_and_faults_answer_with_errors_bodies() {
    let mut schemas = Schemas::new();
    let http = common::http_client();

    // 413: a body declared too large
    let sim = start(SimConfig::default()).await;
    let head = format!(
        "POST /v2/conferences/{}/actions/mute HTTP/1.1\r\nHost: sim\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        sim.sample_conference(),
        sim.api_key(),
        sim::BODY_LIMIT + 1
    );
    let (status, body) = common::raw_http(sim.addr(), &head, b"").await;
    assert_eq!(status, 413);
    schemas.check(ERRORS_SCHEMA, &body, "413");

    // 429 from the rate limiter
    sim.set_rate_limit(Some(1));
    let list = case(LIST_CONFERENCES, "/conferences".into(), 429);
    let mut limited = None;
    for _ in 0..20 {
        let answer = send(&http, &sim, &list).await;
        if answer.status == 429 {
            limited = Some(answer.body);
            break;
        }
        assert_eq!(answer.status, 200);
    }
    let body = limited.expect("a 429 within 20 requests at one a second");
    schemas.check(ERRORS_SCHEMA, &body, "429");
    sim.set_rate_limit(None);

    // injected 5xx (the JSON ones; others are nginx's HTML page)
    sim.set_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    });
    let mut json_faults = 0;
    for _ in 0..40 {
        let resp = http
            .get(format!("{}/conferences", sim.base_url()))
            .bearer_auth(sim.api_key())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!(exception(status, false) && status >= 500, "{status}");
        let is_json = resp
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let text = resp.text().await.unwrap();
        if is_json {
            schemas.check(ERRORS_SCHEMA, &serde_json::from_str(&text).unwrap(), "5xx");
            json_faults += 1;
        }
    }
    assert!(json_faults > 0);
}
