//! The Telnyx Conferences API client: one reqwest client, typed calls,
//! tolerant paging and the official SDKs' retry policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::error::{ApiError, ErrorKind};
use super::ids::{ConferenceId, ParticipantRef};
use super::models::{
    CommandResult, Conference, ConferenceParticipant, Participant, Resource, UpdateParticipant,
};
use super::pacing::RateLimit;
use super::pages::{ListItem, Pages};
use super::retry::{RetryHook, RetryNotice, RetryPolicy, retry_after};
use super::settings::{ClientConfig, ConfigError, is_loopback, parse_base_url};
use super::types::{
    CallControlIds, ConferenceFilter, HoldMusic, Listing, ListingLimits, ParticipantAction,
    ParticipantFilter,
};

/// The largest answer to a call read (a participant is about 600 bytes, an
/// error page a few KB): a larger success is refused, a larger error is
/// judged by its status and the beginning of its body. Pages of a listing
/// have their own bound, [`MAX_PAGE_BODY`].
pub const MAX_BODY: usize = 1 << 20;
/// The largest page of a listing read: 30 times a full page of participants.
pub const MAX_PAGE_BODY: usize = 4 << 20;
/// The largest item of a listing read (a participant is about 500 bytes):
/// decoding one can cost many times its size, so a larger one is a note in
/// `rejected`, not an item.
pub const MAX_ITEM: usize = 256 << 10;

/// The API client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    timeout: Duration,
    policy: RetryPolicy,
    hook: Option<RetryHook>,
    observer: Option<Observer>,
    limits: ListingLimits,
    page_concurrency: usize,
}

/// The answer to a write: what the server said (`data`) and the 2xx status
/// it said it with (for the audit journal).
#[derive(Debug, Clone, PartialEq)]
pub struct Written<T> {
    pub status: u16,
    pub data: T,
}

/// One attempt of a request, as an [`Observer`] sees it: never the key.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    pub method: &'a Method,
    /// The path below the base URL, with its query.
    pub path: &'a str,
    /// 0 for the first attempt, 1 for the first retry, ...
    pub attempt: u32,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub latency: Duration,
    /// The answer's `x-ratelimit-*` headers, when it had them.
    pub rate: Option<RateLimit>,
    /// What the attempt failed with, if it did.
    pub error: Option<&'a ApiError>,
    pub request_body: Option<&'a [u8]>,
    /// At most [`MAX_BODY`] bytes ([`MAX_PAGE_BODY`] for a page of a listing).
    pub response_body: &'a [u8],
}

/// Called after every attempt of every request (for pacing, logs and the
/// console's activity pane).
pub type Observer = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("auth", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("policy", &self.policy)
            .finish()
    }
}

impl Client {
    pub fn new(config: &ClientConfig) -> Result<Self, ConfigError> {
        let base = parse_base_url(&config.base_url)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| ConfigError::InvalidKey("the API key cannot be sent in a header"))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("confmod/", env!("CARGO_PKG_VERSION"))),
        );
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        // reqwest takes its TLS crypto from the process-wide rustls provider:
        // ring, installed once (a provider already installed is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(&base) {
            // a proxy from the environment must not capture loopback traffic
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| {
            ConfigError::InvalidBaseUrl(format!("cannot build the HTTP client: {e}"))
        })?;
        Ok(Client {
            http,
            base,
            auth,
            timeout: config.timeout,
            policy: RetryPolicy {
                max_retry_after: config.max_retry_after,
                ..RetryPolicy::new(config.max_retries)
            },
            hook: None,
            observer: None,
            limits: config.listing_limits,
            page_concurrency: config.page_concurrency.max(1),
        })
    }

    /// Calls `hook` before every retry (for logs and the console's activity line).
    pub fn with_retry_hook(mut self, hook: RetryHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Calls `observer` after every attempt of every request.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Replaces the retry policy (tests use short delays).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The host of the base URL, for display.
    pub fn host(&self) -> String {
        let host = self.base.host_str().unwrap_or("?");
        match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    // ---- calls -------------------------------------------------------------

    /// `GET /conferences`, every page.
    pub async fn list_conferences(
        &self,
        filter: &ConferenceFilter,
    ) -> Result<Listing<Conference>, ApiError> {
        self.conference_pages(filter)?.collect().await
    }

    /// `GET /conferences`, page by page (see [`Pages`]).
    pub fn conference_pages<T: ListItem>(
        &self,
        filter: &ConferenceFilter,
    ) -> Result<Pages<T>, ApiError> {
        self.pages(&["conferences"], conference_query(filter))
    }

    /// `GET /conferences/{id}`.
    pub async fn get_conference(&self, id: &ConferenceId) -> Result<Conference, ApiError> {
        let id = id.to_string();
        let r: Resource<Conference> = self
            .call(Method::GET, &["conferences", &id], &[], None::<&()>)
            .await?;
        Ok(r.data)
    }

    /// `GET /conferences/{id}/participants`, every page, as the API returned
    /// the items (unknown fields kept).
    pub async fn list_participants_raw(
        &self,
        conference: &ConferenceId,
        filter: &ParticipantFilter,
    ) -> Result<Listing<Box<RawValue>>, ApiError> {
        self.participant_pages(conference, filter)?.collect().await
    }

    /// `GET /conferences/{id}/participants`, every page, decoded (page by
    /// page: the raw items are not kept).
    pub async fn list_participants(
        &self,
        conference: &ConferenceId,
        filter: &ParticipantFilter,
    ) -> Result<Listing<Participant>, ApiError> {
        self.participant_pages(conference, filter)?.collect().await
    }

    /// `GET /conferences/{id}/participants`, page by page (see [`Pages`]).
    pub fn participant_pages<T: ListItem>(
        &self,
        conference: &ConferenceId,
        filter: &ParticipantFilter,
    ) -> Result<Pages<T>, ApiError> {
        let id = conference.to_string();
        self.pages(
            &["conferences", &id, "participants"],
            participant_query(filter),
        )
    }

    /// `GET /conferences/{id}/participants/{participant_id}`, by id or label
    /// (the API reads no participant by its call_control_id).
    pub async fn get_participant(
        &self,
        conference: &ConferenceId,
        who: &ParticipantRef,
    ) -> Result<ConferenceParticipant, ApiError> {
        let segment = match who {
            ParticipantRef::Id(s) | ParticipantRef::Label(s) => s,
            ParticipantRef::CallControlId(_) => {
                return Err(ApiError::invalid_request(&format!(
                    "{}: a participant is read by its id or label, not by a call_control_id",
                    who.describe()
                )));
            }
        };
        let id = conference.to_string();
        let r: Resource<ConferenceParticipant> = self
            .call(
                Method::GET,
                &["conferences", &id, "participants", segment],
                &[],
                None::<&()>,
            )
            .await?;
        Ok(r.data)
    }

    /// `PATCH /conferences/{id}/participants/{participant_id}` with only the
    /// fields set in `update`. `participant_id` is the participant's id, as
    /// the API gave it.
    pub async fn update_participant(
        &self,
        conference: &ConferenceId,
        participant_id: &str,
        update: &UpdateParticipant,
    ) -> Result<Written<ConferenceParticipant>, ApiError> {
        let id = conference.to_string();
        self.write(
            Method::PATCH,
            &["conferences", &id, "participants", participant_id],
            update,
        )
        .await
    }

    /// `POST /conferences/{id}/actions/{mute,unmute,hold,unhold}` for the
    /// given calls (a hold may play `music`); the answer is the server's
    /// `result`.
    pub async fn participant_action(
        &self,
        conference: &ConferenceId,
        action: ParticipantAction,
        ids: &CallControlIds,
        music: Option<&HoldMusic>,
    ) -> Result<Written<CommandResult>, ApiError> {
        #[derive(Serialize)]
        struct Body<'a> {
            call_control_ids: &'a CallControlIds,
            #[serde(skip_serializing_if = "Option::is_none")]
            audio_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            media_name: Option<&'a str>,
        }
        let music = music.filter(|_| action == ParticipantAction::Hold);
        let body = Body {
            call_control_ids: ids,
            audio_url: match music {
                Some(HoldMusic::AudioUrl(url)) => Some(url),
                _ => None,
            },
            media_name: match music {
                Some(HoldMusic::MediaName(name)) => Some(name),
                _ => None,
            },
        };
        let id = conference.to_string();
        self.write(
            Method::POST,
            &["conferences", &id, "actions", action.as_str()],
            &body,
        )
        .await
    }

    /// `POST /conferences/{id}/actions/end`: ends the conference for everyone;
    /// the answer is the server's `result`.
    pub async fn end_conference(
        &self,
        conference: &ConferenceId,
    ) -> Result<Written<CommandResult>, ApiError> {
        let id = conference.to_string();
        self.write(
            Method::POST,
            &["conferences", &id, "actions", "end"],
            &serde_json::json!({}),
        )
        .await
    }

    // ---- plumbing ----------------------------------------------------------

    /// The URL of a path below the base. An id or label that is empty, `.`
    /// or `..` is refused: URL normalisation would turn it into another
    /// endpoint (`/participants/..` is the conference).
    fn url(&self, segments: &[&str], query: &[(String, String)]) -> Result<Url, ApiError> {
        if let Some(bad) = segments
            .iter()
            .find(|s| matches!(s.trim(), "" | "." | ".."))
        {
            return Err(ApiError::invalid_request(&format!(
                "'{bad}' is not a valid id or label"
            )));
        }
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// The path below the base, with the query (never carries the key).
    fn display_path(&self, url: &Url) -> String {
        let base = self.base.path().trim_end_matches('/');
        let path = url.path();
        let path = path.strip_prefix(base).unwrap_or(path);
        match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        }
    }

    /// The pages of the listing at `segments` with `query` (the paging
    /// parameters are added per page).
    fn pages<T: ListItem>(
        &self,
        segments: &[&str],
        query: Vec<(String, String)>,
    ) -> Result<Pages<T>, ApiError> {
        let what = self.display_path(&self.url(segments, &[])?);
        Ok(Pages::new(self.clone(), segments, query, what))
    }

    /// How much one listing may read and hold.
    pub(super) fn listing_limits(&self) -> ListingLimits {
        self.limits
    }

    /// Pages of one listing requested at once.
    pub(super) fn page_concurrency(&self) -> usize {
        self.page_concurrency
    }

    /// A write: one call whose `data` and status are the answer.
    async fn write<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<Written<T>, ApiError> {
        let (r, status) = self
            .call_limited::<Resource<T>, B>(method, segments, &[], Some(body), MAX_BODY)
            .await?;
        Ok(Written {
            status,
            data: r.data,
        })
    }

    /// One call with retries; decodes a 2xx body into `T`.
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(String, String)],
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        self.call_limited(method, segments, query, body, MAX_BODY)
            .await
            .map(|(value, _)| value)
    }

    /// [`call`](Self::call), reading at most `max_body` bytes of an answer;
    /// with the value, the 2xx status the server answered.
    async fn call_limited<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(String, String)],
        body: Option<&B>,
        max_body: usize,
    ) -> Result<(T, u16), ApiError> {
        self.request(method, segments, query, body, max_body)
            .await
            .map(|a| (a.value, a.status))
    }

    /// One call with retries, reading at most `max_body` bytes of an
    /// answer: the 2xx answer decoded into `T`, with its status, its
    /// rate-limit headers and whether an attempt before it was answered 429.
    pub(super) async fn request<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(String, String)],
        body: Option<&B>,
        max_body: usize,
    ) -> Result<Answer<T>, ApiError> {
        let url = self.url(segments, query)?;
        let body =
            match body {
                Some(b) => Some(serde_json::to_vec(b).map_err(|e| {
                    ApiError::connection(&format!("cannot encode the request: {e}"))
                })?),
                None => None,
            };
        let path = self.display_path(&url);
        let mut retry = 0;
        let mut rate_limited = false;
        loop {
            let started = std::time::Instant::now();
            let attempt = self.once(&method, &url, body.as_deref(), max_body).await;
            let outcome = match attempt.failure {
                None => serde_json::from_slice::<T>(&attempt.bytes).map_err(|e| Failure {
                    error: ApiError::decode(
                        attempt.status.unwrap_or(200),
                        &attempt.bytes,
                        &e.to_string(),
                    ),
                    should_retry: Some(false),
                }),
                Some(f) => Err(f),
            };
            if let Some(observer) = &self.observer {
                observer(&Exchange {
                    method: &method,
                    path: &path,
                    attempt: retry,
                    status: attempt.status,
                    latency: started.elapsed(),
                    rate: attempt.rate,
                    error: outcome.as_ref().err().map(|f| &f.error),
                    request_body: body.as_deref(),
                    response_body: &attempt.bytes,
                });
            }
            let failure = match outcome {
                Ok(value) => {
                    return Ok(Answer {
                        value,
                        status: attempt.status.unwrap_or(200),
                        rate: attempt.rate,
                        rate_limited,
                    });
                }
                Err(f) => f,
            };
            rate_limited |= failure.error.kind == ErrorKind::RateLimited;
            let wanted = failure
                .should_retry
                .unwrap_or_else(|| failure.error.is_transient());
            if !wanted || retry >= self.policy.max_retries {
                return Err(failure.error);
            }
            retry += 1;
            let delay = self.policy.delay(retry, failure.error.retry_after);
            let notice = RetryNotice {
                method: method.clone(),
                path: path.clone(),
                retry,
                max_retries: self.policy.max_retries,
                delay,
                error: failure.error,
            };
            tracing::info!(%notice, "retrying");
            if let Some(hook) = &self.hook {
                hook(&notice);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: the status, the rate-limit headers and at most
    /// `max_body` bytes of the answer, and why it failed if it did.
    async fn once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        max_body: usize,
    ) -> Attempt {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, self.auth.clone());
        if let Some(body) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let mut attempt = Attempt::default();
        let mut resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => return attempt.failed(self.transport(e)),
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        attempt.status = Some(status);
        attempt.rate = RateLimit::from_headers(&headers);
        // read at most max_body: a broken or hostile server cannot exhaust
        // memory. An error answer is judged by its status and the beginning
        // of its body; a success must be read whole.
        let success = (200..300).contains(&status);
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return attempt.failed(self.transport(e)),
            };
            if attempt.bytes.len() + chunk.len() > max_body && !success {
                let room = max_body - attempt.bytes.len();
                attempt.bytes.extend_from_slice(&chunk[..room]);
                break;
            }
            if attempt.bytes.len() + chunk.len() > max_body {
                let error = ApiError::decode(
                    status,
                    &attempt.bytes,
                    &format!("the answer is larger than {} MiB", max_body >> 20),
                );
                return attempt.failed(Failure {
                    error,
                    should_retry: Some(false),
                });
            }
            attempt.bytes.extend_from_slice(&chunk);
        }
        if success {
            return attempt;
        }
        let should_retry = headers
            .get("x-should-retry")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| match v.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            });
        let error = ApiError::from_response(status, &attempt.bytes, retry_after(&headers));
        attempt.failed(Failure {
            error,
            should_retry,
        })
    }

    fn transport(&self, e: reqwest::Error) -> Failure {
        let error = if e.is_timeout() {
            ApiError::timeout(self.timeout)
        } else {
            ApiError::connection(&error_chain(&e.without_url()))
        };
        Failure {
            error,
            should_retry: None,
        }
    }
}

/// The query of `GET /conferences`.
fn conference_query(filter: &ConferenceFilter) -> Vec<(String, String)> {
    let mut query = Vec::new();
    if let Some(status) = &filter.status {
        query.push(("filter[status]".to_string(), status.as_str().to_string()));
    }
    if let Some(name) = &filter.name {
        query.push(("filter[name]".to_string(), name.clone()));
    }
    query
}

/// The query of `GET /conferences/{id}/participants`.
fn participant_query(filter: &ParticipantFilter) -> Vec<(String, String)> {
    let mut query = Vec::new();
    if let Some(muted) = filter.muted {
        query.push(("filter[muted]".to_string(), muted.to_string()));
    }
    if let Some(on_hold) = filter.on_hold {
        query.push(("filter[on_hold]".to_string(), on_hold.to_string()));
    }
    query
}

/// The `id` of an item, when it is an object with a string `id`.
pub(crate) fn item_id(item: &RawValue) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id<'a> {
        #[serde(borrow, default)]
        id: Option<&'a RawValue>,
    }
    let id: Id<'_> = serde_json::from_str(item.get()).ok()?;
    serde_json::from_str(id.id?.get()).ok()
}

/// A 2xx answer of [`Client::request`].
pub(super) struct Answer<T> {
    pub(super) value: T,
    pub(super) status: u16,
    /// The answer's `x-ratelimit-*` headers, when it had them.
    pub(super) rate: Option<RateLimit>,
    /// An attempt before this answer was answered 429.
    pub(super) rate_limited: bool,
}

struct Failure {
    error: ApiError,
    should_retry: Option<bool>,
}

/// What one attempt brought back.
#[derive(Default)]
struct Attempt {
    status: Option<u16>,
    rate: Option<RateLimit>,
    bytes: Vec<u8>,
    failure: Option<Failure>,
}

impl Attempt {
    fn failed(mut self, failure: Failure) -> Self {
        self.failure = Some(failure);
        self
    }
}

/// An error and its sources on one line, without the URL's query.
fn error_chain(e: &reqwest::Error) -> String {
    // the URL is known to the caller; the cause is what matters
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnyx::ErrorKind;
    use crate::telnyx::settings::ApiKey;

    #[test]
    fn key_is_redacted_in_debug_and_display() {
        let key = ApiKey::new("KEYsecret123").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
        assert!(!format!("{key}").contains("secret"));
        let client = Client::new(&ClientConfig::new("http://127.0.0.1:1/v2", key)).unwrap();
        assert!(!format!("{client:?}").contains("secret"));
    }

    #[test]
    fn paths_are_appended_to_the_base_as_given_and_segments_are_escaped() {
        let key = ApiKey::new("k").unwrap();
        let client = Client::new(&ClientConfig::new(
            "https://gw.example.com/proxy/telnyx/",
            key,
        ))
        .unwrap();
        let url = client
            .url(&["conferences", "c1", "participants", "Ava / host?"], &[])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://gw.example.com/proxy/telnyx/conferences/c1/participants/Ava%20%2F%20host%3F"
        );
        assert_eq!(
            client.display_path(&url),
            "/conferences/c1/participants/Ava%20%2F%20host%3F"
        );
    }

    #[test]
    fn dot_segments_and_empty_ids_are_refused_not_normalised() {
        let key = ApiKey::new("k").unwrap();
        let client = Client::new(&ClientConfig::new("https://api.example.com/v2", key)).unwrap();
        for bad in ["..", ".", "", " "] {
            let err = client
                .url(&["conferences", "c1", "participants", bad], &[])
                .unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidRequest, "{bad:?}");
        }
        // a label that merely contains dots is fine
        assert!(
            client
                .url(&["conferences", "c1", "participants", "a..b"], &[])
                .is_ok()
        );
    }
}
