//! The Telnyx Conferences API client: one reqwest client, typed calls,
//! tolerant paging and the official SDKs' retry policy.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, ErrorKind};
use super::models::{
    CommandResult, Conference, ConferenceParticipant, ConferenceStatus, ListResponse, Participant,
    Resource, UpdateParticipant,
};
use super::retry::{RetryPolicy, retry_after};
use crate::sanitize::sanitize_line;

/// The default base URL of the Telnyx API.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com/v2";
/// The page size used when listing everything (the API's maximum).
pub const PAGE_SIZE: u32 = 250;
/// A hard bound on pages fetched for one listing (250 x 2,000 = 500,000 items),
/// so that no server, however broken its paging, can keep a listing going forever.
pub const MAX_PAGES: u64 = 2_000;

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Accepts a key that can travel in an HTTP header (visible ASCII, no spaces).
    pub fn new(raw: &str) -> Result<Self, ConfigError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(ConfigError::InvalidKey("the API key is empty"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidKey(
                "the API key holds characters that cannot be sent in a header",
            ));
        }
        Ok(ApiKey(key.to_string()))
    }

    /// The key itself, for the Authorization header (and the sim's check).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    InvalidBaseUrl(String),
    InsecureBaseUrl(String),
    InvalidKey(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidBaseUrl(why) => write!(f, "invalid base URL: {why}"),
            ConfigError::InsecureBaseUrl(url) => write!(
                f,
                "refusing to send the API key over plain http to {url}: use https (plain http is allowed only to a loopback host such as 127.0.0.1)"
            ),
            ConfigError::InvalidKey(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Everything a [`Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub api_key: ApiKey,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_retries: u32,
}

impl ClientConfig {
    pub fn new(base_url: &str, api_key: ApiKey) -> Self {
        ClientConfig {
            base_url: base_url.to_string(),
            api_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_retries: 2,
        }
    }
}

/// A retry the client is about to make, reported before it sleeps.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryNotice {
    pub method: Method,
    /// The path below the base URL, e.g. `/conferences/{id}/participants`.
    pub path: String,
    /// 1 for the first retry.
    pub retry: u32,
    pub max_retries: u32,
    pub delay: Duration,
    pub error: ApiError,
}

impl fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed ({}); retry {}/{} in {:.1}s",
            self.method,
            self.path,
            self.error.summary(),
            self.retry,
            self.max_retries,
            self.delay.as_secs_f64()
        )
    }
}

pub type RetryHook = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

/// Filters of `GET /conferences`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConferenceFilter {
    pub status: Option<ConferenceStatus>,
    pub name: Option<String>,
}

/// Filters of `GET /conferences/{id}/participants`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParticipantFilter {
    pub muted: Option<bool>,
    pub on_hold: Option<bool>,
}

/// The participant actions that address calls by `call_control_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantAction {
    Mute,
    Unmute,
    Hold,
    Unhold,
}

impl ParticipantAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantAction::Mute => "mute",
            ParticipantAction::Unmute => "unmute",
            ParticipantAction::Hold => "hold",
            ParticipantAction::Unhold => "unhold",
        }
    }
}

/// A non-empty list of `call_control_id`s. The API reads an empty list as
/// "every participant", so this type cannot hold one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallControlIds(Vec<String>);

impl CallControlIds {
    /// `None` when the list is empty or holds an empty id.
    pub fn new(ids: Vec<String>) -> Option<Self> {
        if ids.is_empty() || ids.iter().any(|id| id.trim().is_empty()) {
            None
        } else {
            Some(CallControlIds(ids))
        }
    }

    pub fn one(id: &str) -> Option<Self> {
        Self::new(vec![id.to_string()])
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// Items of a listing that decoded, and a note for each that did not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// One sanitized reason per item that could not be read.
    pub rejected: Vec<String>,
}

/// Decodes the raw items of a listing one by one, so that one bad item does
/// not cost the whole page.
pub fn decode_items<T: DeserializeOwned>(raw: Vec<Value>) -> Listing<T> {
    let mut listing = Listing {
        items: Vec::with_capacity(raw.len()),
        rejected: Vec::new(),
    };
    for (i, item) in raw.into_iter().enumerate() {
        match serde_json::from_value::<T>(item) {
            Ok(v) => listing.items.push(v),
            Err(e) => listing
                .rejected
                .push(sanitize_line(&format!("item {i}: {e}"), 160)),
        }
    }
    listing
}

/// The API client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    timeout: Duration,
    policy: RetryPolicy,
    hook: Option<RetryHook>,
}

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

/// Parses and checks a base URL: http(s) only, plain http only to loopback.
pub fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| ConfigError::InvalidBaseUrl(format!("{e}")))?;
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(ConfigError::InvalidBaseUrl(format!(
            "{} is not an http(s) URL",
            sanitize_line(raw, 100)
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::InvalidBaseUrl(
            "the base URL must not carry a query or fragment".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureBaseUrl(url.to_string())),
        other => Err(ConfigError::InvalidBaseUrl(format!(
            "unsupported scheme '{}' (use https)",
            sanitize_line(other, 20)
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
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
            policy: RetryPolicy::new(config.max_retries),
            hook: None,
        })
    }

    /// Calls `hook` before every retry (for logs and the console's activity line).
    pub fn with_retry_hook(mut self, hook: RetryHook) -> Self {
        self.hook = Some(hook);
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
        Ok(decode_items(self.list_conferences_raw(filter).await?))
    }

    /// `GET /conferences`, every page, as the API returned the items.
    pub async fn list_conferences_raw(
        &self,
        filter: &ConferenceFilter,
    ) -> Result<Vec<Value>, ApiError> {
        let mut query = Vec::new();
        if let Some(status) = &filter.status {
            query.push(("filter[status]".to_string(), status.as_str().to_string()));
        }
        if let Some(name) = &filter.name {
            query.push(("filter[name]".to_string(), name.clone()));
        }
        self.collect_pages(&["conferences"], query).await
    }

    /// `GET /conferences/{id}`.
    pub async fn get_conference(&self, id: &str) -> Result<Conference, ApiError> {
        let r: Resource<Conference> = self
            .call(Method::GET, &["conferences", id], &[], None::<&()>)
            .await?;
        Ok(r.data)
    }

    /// `GET /conferences/{id}/participants`, every page, as the API returned
    /// the items (unknown fields kept).
    pub async fn list_participants_raw(
        &self,
        conference_id: &str,
        filter: &ParticipantFilter,
    ) -> Result<Vec<Value>, ApiError> {
        let mut query = Vec::new();
        if let Some(muted) = filter.muted {
            query.push(("filter[muted]".to_string(), muted.to_string()));
        }
        if let Some(on_hold) = filter.on_hold {
            query.push(("filter[on_hold]".to_string(), on_hold.to_string()));
        }
        self.collect_pages(&["conferences", conference_id, "participants"], query)
            .await
    }

    /// `GET /conferences/{id}/participants`, every page, decoded.
    pub async fn list_participants(
        &self,
        conference_id: &str,
        filter: &ParticipantFilter,
    ) -> Result<Listing<Participant>, ApiError> {
        let raw = self.list_participants_raw(conference_id, filter).await?;
        Ok(decode_items(raw))
    }

    /// `GET /conferences/{id}/participants/{participant_id}`: the id or the label.
    pub async fn get_participant(
        &self,
        conference_id: &str,
        id_or_label: &str,
    ) -> Result<ConferenceParticipant, ApiError> {
        let r: Resource<ConferenceParticipant> = self
            .call(
                Method::GET,
                &["conferences", conference_id, "participants", id_or_label],
                &[],
                None::<&()>,
            )
            .await?;
        Ok(r.data)
    }

    /// `PATCH /conferences/{id}/participants/{participant_id}` with only the
    /// fields set in `update`.
    pub async fn update_participant(
        &self,
        conference_id: &str,
        participant_id: &str,
        update: &UpdateParticipant,
    ) -> Result<ConferenceParticipant, ApiError> {
        let r: Resource<ConferenceParticipant> = self
            .call(
                Method::PATCH,
                &["conferences", conference_id, "participants", participant_id],
                &[],
                Some(update),
            )
            .await?;
        Ok(r.data)
    }

    /// `POST /conferences/{id}/actions/{mute,unmute,hold,unhold}` for the given calls.
    pub async fn participant_action(
        &self,
        conference_id: &str,
        action: ParticipantAction,
        ids: &CallControlIds,
    ) -> Result<(), ApiError> {
        #[derive(Serialize)]
        struct Body<'a> {
            call_control_ids: &'a CallControlIds,
        }
        let _: Resource<CommandResult> = self
            .call(
                Method::POST,
                &["conferences", conference_id, "actions", action.as_str()],
                &[],
                Some(&Body {
                    call_control_ids: ids,
                }),
            )
            .await?;
        Ok(())
    }

    pub async fn mute(&self, conference_id: &str, ids: &CallControlIds) -> Result<(), ApiError> {
        self.participant_action(conference_id, ParticipantAction::Mute, ids)
            .await
    }

    pub async fn unmute(&self, conference_id: &str, ids: &CallControlIds) -> Result<(), ApiError> {
        self.participant_action(conference_id, ParticipantAction::Unmute, ids)
            .await
    }

    pub async fn hold(&self, conference_id: &str, ids: &CallControlIds) -> Result<(), ApiError> {
        self.participant_action(conference_id, ParticipantAction::Hold, ids)
            .await
    }

    pub async fn unhold(&self, conference_id: &str, ids: &CallControlIds) -> Result<(), ApiError> {
        self.participant_action(conference_id, ParticipantAction::Unhold, ids)
            .await
    }

    /// `POST /conferences/{id}/actions/end`: ends the conference for everyone.
    pub async fn end_conference(&self, conference_id: &str) -> Result<(), ApiError> {
        let _: Resource<CommandResult> = self
            .call(
                Method::POST,
                &["conferences", conference_id, "actions", "end"],
                &[],
                Some(&serde_json::json!({})),
            )
            .await?;
        Ok(())
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

    fn display_path(&self, url: &Url) -> String {
        let base = self.base.path().trim_end_matches('/');
        let path = url.path();
        path.strip_prefix(base).unwrap_or(path).to_string()
    }

    /// Every page of a listing, with `page[size]=250`. Ends on the last page,
    /// an empty page, a page that brings nothing new, a server that does not
    /// advance, or after [`MAX_PAGES`].
    async fn collect_pages(
        &self,
        segments: &[&str],
        query: Vec<(String, String)>,
    ) -> Result<Vec<Value>, ApiError> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut page: u64 = 1;
        loop {
            let mut q = query.clone();
            q.push(("page[number]".into(), page.to_string()));
            q.push(("page[size]".into(), PAGE_SIZE.to_string()));
            let resp: ListResponse<Value> =
                self.call(Method::GET, segments, &q, None::<&()>).await?;
            let returned = resp.data.len();
            let mut fresh = 0;
            for item in resp.data {
                let is_new = match item.get("id").and_then(Value::as_str) {
                    Some(id) => seen.insert(id.to_string()),
                    None => true,
                };
                if is_new {
                    fresh += 1;
                    items.push(item);
                }
            }
            let meta = resp.meta.unwrap_or_default();
            let total_pages = meta.total_pages.unwrap_or(1);
            let advanced = meta.page_number.is_none_or(|n| n == page);
            let complete = meta
                .total_results
                .is_some_and(|total| items.len() as u64 >= total);
            if returned == 0
                || fresh == 0
                || !advanced
                || complete
                || page >= total_pages
                || page >= MAX_PAGES
            {
                if !advanced || fresh == 0 {
                    tracing::warn!(
                        path = segments.join("/"),
                        page,
                        "the server's paging did not advance; stopping"
                    );
                }
                return Ok(items);
            }
            page += 1;
        }
    }

    /// One call with retries; decodes a 2xx body into `T`.
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(String, String)],
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let url = self.url(segments, query)?;
        let body =
            match body {
                Some(b) => Some(serde_json::to_vec(b).map_err(|e| {
                    ApiError::connection(&format!("cannot encode the request: {e}"))
                })?),
                None => None,
            };
        let mut retry = 0;
        loop {
            let failure = match self.once(&method, &url, body.as_deref()).await {
                Ok((status, bytes)) => {
                    return serde_json::from_slice::<T>(&bytes)
                        .map_err(|e| ApiError::decode(status, &bytes, &e.to_string()));
                }
                Err(f) => f,
            };
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
                path: self.display_path(&url),
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

    async fn once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<(u16, bytes::Bytes), Failure> {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, self.auth.clone());
        if let Some(body) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| self.transport(e))?;
        if (200..300).contains(&status) {
            return Ok((status, bytes));
        }
        let should_retry = headers
            .get("x-should-retry")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| match v.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            });
        Err(Failure {
            error: ApiError::from_response(status, &bytes, retry_after(&headers)),
            should_retry,
        })
    }

    fn transport(&self, e: reqwest::Error) -> Failure {
        let error = if e.is_timeout() {
            ApiError::timeout(self.timeout)
        } else {
            ApiError::connection(&error_chain(&e))
        };
        Failure {
            error,
            should_retry: None,
        }
    }
}

struct Failure {
    error: ApiError,
    should_retry: Option<bool>,
}

/// An error and its sources on one line, without the URL's query.
fn error_chain(e: &reqwest::Error) -> String {
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

impl ErrorKind {
    /// A human name for the kind, for status lines.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Auth => "authentication failed",
            ErrorKind::ConferenceNotFound => "conference not found",
            ErrorKind::NotFound => "not found",
            ErrorKind::ConferenceEnded => "conference has ended",
            ErrorKind::CallEnded => "call has ended",
            ErrorKind::Unprocessable => "rejected",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::OtherStatus => "request failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Connection => "unreachable",
            ErrorKind::Decode => "unreadable answer",
            ErrorKind::InvalidRequest => "invalid request",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_redacted_in_debug_and_display() {
        let key = ApiKey::new("KEYsecret123").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
        assert!(!format!("{key}").contains("secret"));
        let client = Client::new(&ClientConfig::new("http://127.0.0.1:1/v2", key)).unwrap();
        assert!(!format!("{client:?}").contains("secret"));
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        for ok in [
            "https://api.telnyx.com/v2",
            "http://127.0.0.1:8080/v2",
            "http://localhost:9/v2",
            "http://[::1]:9/v2",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            parse_base_url("http://api.telnyx.com/v2"),
            Err(ConfigError::InsecureBaseUrl(_))
        ));
        assert!(matches!(
            parse_base_url("ftp://x/v2"),
            Err(ConfigError::InvalidBaseUrl(_))
        ));
        assert!(parse_base_url("not a url").is_err());
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

    #[test]
    fn empty_call_control_id_lists_cannot_be_built() {
        assert!(CallControlIds::new(vec![]).is_none());
        assert!(CallControlIds::new(vec!["".into()]).is_none());
        assert!(CallControlIds::one("v3:abc").is_some());
    }

    #[test]
    fn keys_with_unsendable_characters_are_refused() {
        assert!(ApiKey::new("  ").is_err());
        assert!(ApiKey::new("a b").is_err());
        assert!(ApiKey::new("kéy").is_err());
        assert_eq!(ApiKey::new(" KEY123\n").unwrap().expose(), "KEY123");
    }

    #[test]
    fn one_bad_item_does_not_cost_the_page() {
        let raw = vec![
            serde_json::json!({"id": "a", "muted": true}),
            serde_json::json!({"id": "b", "muted": "loud"}),
            serde_json::json!("not an object"),
        ];
        let listing: Listing<Participant> = decode_items(raw);
        assert_eq!(listing.items.len(), 1);
        assert_eq!(listing.rejected.len(), 2);
    }
}
