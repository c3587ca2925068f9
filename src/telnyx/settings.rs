//! What a client needs before it can call: the base URL (checked), the key
//! (never shown), timeouts and retries.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::types::ListingLimits;
use crate::sanitize::sanitize_line;

/// The default base URL of the Telnyx API.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com/v2";

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// The longest API key accepted, in bytes (Telnyx keys are under 100; a
/// gateway's token may be longer; a file read by mistake is not a key).
pub const MAX_KEY_LEN: usize = 2048;

impl ApiKey {
    /// Accepts a key that can travel in an HTTP header (visible ASCII, no
    /// spaces) and is at most [`MAX_KEY_LEN`] bytes long.
    pub fn new(raw: &str) -> Result<Self, ConfigError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(ConfigError::InvalidKey("the API key is empty"));
        }
        if key.len() > MAX_KEY_LEN {
            return Err(ConfigError::InvalidKey(
                "the API key is longer than 2048 characters",
            ));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidKey(
                "the API key holds characters that cannot be sent in a header",
            ));
        }
        Ok(ApiKey(key.to_string()))
    }

    /// The key itself, for the Authorization header.
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

/// Pages of one listing requested at once, by default: 50,000 participants
/// (200 pages) in 13 rounds, under a second at 50 ms a request; fewer when
/// the server's `x-ratelimit-remaining` says so.
pub const DEFAULT_PAGE_CONCURRENCY: usize = 16;

/// Everything a [`Client`](super::Client) needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub api_key: ApiKey,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_retries: u32,
    /// How much one listing may hold.
    pub listing_limits: ListingLimits,
    /// The longest `Retry-After` a retry waits for.
    pub max_retry_after: Duration,
    /// Pages of one listing requested at once, once the first page has
    /// told how many there are.
    pub page_concurrency: usize,
}

impl ClientConfig {
    pub fn new(base_url: &str, api_key: ApiKey) -> Self {
        ClientConfig {
            base_url: base_url.to_string(),
            api_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_retries: 2,
            listing_limits: ListingLimits::default(),
            max_retry_after: super::retry::MAX_RETRY_AFTER,
            page_concurrency: DEFAULT_PAGE_CONCURRENCY,
        }
    }
}

/// The longest base URL accepted (every request's URL starts with it).
const MAX_BASE_URL: usize = 2048;

/// Parses and checks a base URL: http(s) only, plain http only to loopback.
pub(crate) fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    if raw.trim().len() > MAX_BASE_URL {
        return Err(ConfigError::InvalidBaseUrl(format!(
            "longer than {MAX_BASE_URL} characters"
        )));
    }
    let url = Url::parse(raw.trim()).map_err(|e| ConfigError::InvalidBaseUrl(format!("{e}")))?;
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(ConfigError::InvalidBaseUrl(
            "it is not an http(s) URL".into(),
        ));
    }
    // credentials in the URL would travel beside the key (and show in errors)
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::InvalidBaseUrl(
            "the base URL must not carry a user name or password".into(),
        ));
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

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let long = format!("https://api.example.com/{}", "v".repeat(2048));
        assert!(parse_base_url(&long).is_err());
        let err = parse_base_url("https://op:hunter2@api.example.com/v2").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn keys_with_unsendable_characters_are_refused() {
        assert!(ApiKey::new("  ").is_err());
        assert!(ApiKey::new("a b").is_err());
        assert!(ApiKey::new("kéy").is_err());
        assert_eq!(ApiKey::new(" KEY123\n").unwrap().expose(), "KEY123");
        assert!(ApiKey::new(&"K".repeat(MAX_KEY_LEN)).is_ok());
        let err = ApiKey::new(&"K".repeat(MAX_KEY_LEN + 1)).unwrap_err();
        assert!(err.to_string().contains("longer than 2048"), "{err}");
    }
}
