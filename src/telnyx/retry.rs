//! The retry policy of the official Telnyx SDKs: retry connection errors,
//! timeouts, 408, 409, 429 and 5xx; back off 0.5 s doubling to 8 s with up to
//! 25 % jitter; honour `retry-after-ms`, then `retry-after` (seconds or an HTTP
//! date) when it is at most 60 s; `x-should-retry` overrides the decision.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::HeaderMap;

use super::error::ApiError;

/// A server-sent delay above this is ignored in favour of the backoff (the
/// default of [`RetryPolicy::max_retry_after`]).
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

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

impl RetryNotice {
    /// A short form for a status line: `502 Bad Gateway · retry 1/2 in 0.5s`.
    pub fn short(&self) -> String {
        format!(
            "{} · retry {}/{} in {:.1}s",
            self.error.summary(),
            self.retry,
            self.max_retries,
            self.delay.as_secs_f64()
        )
    }
}

pub type RetryHook = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// The longest server-requested delay honoured; a longer one is
    /// ignored in favour of the backoff.
    pub max_retry_after: Duration,
    pub initial: Duration,
    pub max: Duration,
    /// The largest fraction taken off a backoff delay at random.
    pub jitter: f64,
}

impl RetryPolicy {
    pub fn new(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            max_retry_after: MAX_RETRY_AFTER,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
            jitter: 0.25,
        }
    }

    /// The delay before retry number `retry` (1-based), given the server's
    /// `retry-after` when it sent one.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(d) = retry_after.filter(|d| !d.is_zero() && *d <= self.max_retry_after) {
            return d;
        }
        self.backoff(retry, fastrand::f64())
    }

    /// `min(initial * 2^(retry-1), max)` minus `jitter * unit` of it
    /// (`unit` in 0..1, random in production).
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(16);
        let base = self.initial.saturating_mul(1 << exp).min(self.max);
        base.mul_f64(1.0 - self.jitter * unit.clamp(0.0, 1.0))
    }
}

/// The server's requested delay: `retry-after-ms`, then `retry-after` as
/// seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return sane(ms / 1000.0);
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return sane(secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    let wait = when
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    (wait <= MAX_SERVER_DELAY).then_some(wait)
}

/// The longest server-requested delay taken at its word; anything longer
/// (or negative, or not a number) is treated as absent.
pub(crate) const MAX_SERVER_DELAY: Duration = Duration::from_secs(3600);

fn sane(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| *d <= MAX_SERVER_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_from_half_a_second_to_eight() {
        let p = RetryPolicy::new(5);
        let secs: Vec<f64> = (1..=7).map(|n| p.backoff(n, 0.0).as_secs_f64()).collect();
        assert_eq!(secs, vec![0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]);
        // full jitter takes a quarter off
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(375));
    }

    #[test]
    fn server_delay_wins_when_sane() {
        let p = RetryPolicy::new(2);
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        // absurd or zero delays fall back to the backoff
        assert!(p.delay(1, Some(Duration::from_secs(3600))) <= Duration::from_millis(500));
        assert!(p.delay(1, Some(Duration::ZERO)) <= Duration::from_millis(500));
        // and so do delays past the policy's own bound
        let capped = RetryPolicy {
            max_retry_after: Duration::from_secs(2),
            ..p
        };
        assert!(capped.delay(1, Some(Duration::from_secs(3))) <= Duration::from_millis(500));
    }

    #[test]
    fn retry_after_headers_in_their_order() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("150"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));

        let mut h = HeaderMap::new();
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        h.insert("retry-after", HeaderValue::from_str(&later).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );

        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn absurd_server_delays_are_ignored_not_trusted() {
        for (name, value) in [
            ("retry-after-ms", "1e30"),
            ("retry-after-ms", "-5"),
            ("retry-after-ms", "NaN"),
            ("retry-after", "1e20"),
            ("retry-after", "inf"),
            ("retry-after", "86400"),
            ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ] {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_static(value));
            assert_eq!(retry_after(&h), None, "{name}: {value}");
        }
    }
}
