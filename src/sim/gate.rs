//! What stands in front of the `/v2` handlers: injected faults, the rate
//! limit, authentication, and a guarantee that every error has a JSON body.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::{SimError, html_error};
use super::{Faults, Shared, SimConfig, SimState};

/// A token bucket: `limit` tokens a second, at most `limit` held.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    limit: u32,
    tokens: f64,
    last: Instant,
}

/// The verdict of the bucket on one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateState {
    pub limit: u32,
    pub remaining: u32,
    /// Until the bucket is full again, rounded up to the millisecond.
    pub reset: Duration,
    /// `Some` when the request is refused: until the next token, rounded up
    /// to the millisecond (at least one).
    pub retry_after: Option<Duration>,
}

/// `seconds`, rounded up to the millisecond.
fn up_to_ms(seconds: f64) -> Duration {
    // the tokens are f64: a hair of error must not add a millisecond
    let ms = (seconds * 1000.0 - 1e-6).ceil().max(0.0);
    Duration::from_millis(ms as u64)
}

impl Bucket {
    pub(super) fn new(limit: u32, now: Instant) -> Self {
        let limit = limit.max(1);
        Bucket {
            limit,
            tokens: f64::from(limit),
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        if now > self.last {
            let gained = now.duration_since(self.last).as_secs_f64() * f64::from(self.limit);
            self.tokens = (self.tokens + gained).min(f64::from(self.limit));
            self.last = now;
        }
    }

    /// Takes a token when there is one.
    pub(super) fn take(&mut self, now: Instant) -> RateState {
        self.refill(now);
        let rate = f64::from(self.limit);
        let retry_after = if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(up_to_ms((1.0 - self.tokens) / rate).max(Duration::from_millis(1)))
        };
        RateState {
            limit: self.limit,
            remaining: self.tokens.floor() as u32,
            reset: up_to_ms((rate - self.tokens) / rate),
            retry_after,
        }
    }
}

impl RateState {
    /// `x-ratelimit-reset`: seconds, to the millisecond (`0.99`, `0.013`, `1`).
    pub(crate) fn reset_header(&self) -> HeaderValue {
        // digits and a dot: always a valid header value
        HeaderValue::try_from(decimal_seconds(self.reset))
            .unwrap_or_else(|_| HeaderValue::from_static("0"))
    }
}

/// `d` in seconds with at most three decimals and no trailing zero.
fn decimal_seconds(d: Duration) -> String {
    let (secs, ms) = (d.as_secs(), d.subsec_millis());
    if ms == 0 {
        return secs.to_string();
    }
    let text = format!("{secs}.{ms:03}");
    text.trim_end_matches('0').to_string()
}

/// The knobs tests turn at run time.
pub(crate) struct Control {
    pub faults: Faults,
    bucket: Option<Bucket>,
    rng: fastrand::Rng,
}

/// What the dice said about one request.
#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    Hang,
    Fail { status: StatusCode, html: bool },
}

impl Control {
    pub(crate) fn new(config: &SimConfig, now: Instant) -> Self {
        Control {
            faults: config.faults,
            bucket: config.rate_limit.map(|n| Bucket::new(n, now)),
            rng: fastrand::Rng::with_seed(config.seed.wrapping_add(0x5151)),
        }
    }

    pub(crate) fn set_rate_limit(&mut self, per_second: Option<u32>, now: Instant) {
        self.bucket = per_second.map(|n| Bucket::new(n, now));
    }

    fn roll(&mut self) -> Fault {
        let (hang, fail, kind) = (self.rng.f64(), self.rng.f64(), self.rng.u8(..4));
        if hang < self.faults.hang_rate {
            Fault::Hang
        } else if fail < self.faults.fail_rate {
            let (status, html) = match kind {
                0 => (StatusCode::INTERNAL_SERVER_ERROR, false),
                1 => (StatusCode::BAD_GATEWAY, true),
                2 => (StatusCode::SERVICE_UNAVAILABLE, true),
                _ => (StatusCode::SERVICE_UNAVAILABLE, false),
            };
            Fault::Fail { status, html }
        } else {
            Fault::None
        }
    }
}

/// True when the request carries `Authorization: Bearer <the sim's key>`.
pub(crate) fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let key = parts.next().unwrap_or("").trim();
    scheme.eq_ignore_ascii_case("bearer") && !key.is_empty() && key == shared.api_key
}

/// The `/v2` middleware. Faults are decided before anything else runs, so a
/// failed request changed nothing.
pub(crate) async fn gate(State(state): State<SimState>, req: Request, next: Next) -> Response {
    let shared = &state.inner;
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = gated(shared, req, next).await;
    // the path and status only: never the headers (the key) or the query
    tracing::debug!(%method, %path, status = response.status().as_u16(), "sim");
    response
}

async fn gated(shared: &Shared, req: Request, next: Next) -> Response {
    let (faults, fault) = {
        let mut control = shared.control();
        (control.faults, control.roll())
    };
    if !faults.latency.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(faults.latency) => {}
            _ = shared.stopping() => return SimError::server(StatusCode::SERVICE_UNAVAILABLE).into_response(),
        }
    }
    match fault {
        Fault::Hang => {
            // never answers until the sim stops
            shared.stopping().await;
            return SimError::server(StatusCode::SERVICE_UNAVAILABLE).into_response();
        }
        Fault::Fail { status, html: true } => return html_error(status),
        Fault::Fail {
            status,
            html: false,
        } => return SimError::server(status).into_response(),
        Fault::None => {}
    }
    let rate = shared
        .control()
        .bucket
        .as_mut()
        .map(|b| b.take(Instant::now()));
    let mut response = match rate.and_then(|r| r.retry_after) {
        Some(wait) => {
            shared.rate_limited.fetch_add(1, Ordering::Relaxed);
            let mut resp = SimError::too_many_requests().into_response();
            let headers = resp.headers_mut();
            // HTTP's Retry-After is whole seconds: rounded up; the
            // milliseconds go in retry-after-ms, which the SDKs read first
            let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(whole));
            headers.insert("retry-after-ms", HeaderValue::from(wait.as_millis() as u64));
            resp
        }
        None if !authorized(shared, req.headers()) => SimError::unauthorized().into_response(),
        None => with_error_body(next.run(req).await),
    };
    if let Some(rate) = rate {
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
        headers.insert("x-ratelimit-reset", rate.reset_header());
    }
    response
}

/// Gives an error answer without a JSON body (a 405 from the router, a
/// rejected extractor) the API's errors body.
pub(crate) fn with_error_body(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut fixed = SimError::for_status(status).into_response();
    if let Some(allow) = allow {
        fixed.headers_mut().insert(header::ALLOW, allow);
    }
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn burst_then_refused_until_the_next_token() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(5, t0);
        for left in (0..5).rev() {
            let state = bucket.take(t0);
            assert_eq!(state.retry_after, None);
            assert_eq!(state.remaining, left);
            assert_eq!(state.limit, 5);
            // full again once the 5 - left tokens spent are back, at 5 a second
            assert_eq!(state.reset, ms(200 * u64::from(5 - left)));
        }
        let refused = bucket.take(t0);
        assert_eq!(
            refused.retry_after,
            Some(ms(200)),
            "one token, at 5 a second"
        );
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.reset, ms(1000));
        // 50 ms later, 0.25 of a token is back: 150 ms to the next one
        let later = bucket.take(t0 + ms(50));
        assert_eq!(later.retry_after, Some(ms(150)));
        assert_eq!(later.reset, ms(950));
    }

    #[test]
    fn the_headers_say_the_bucket_to_the_millisecond() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(100, t0);
        for _ in 0..100 {
            bucket.take(t0);
        }
        // 13.3 ms later 1.33 tokens are back: one is taken, 0.33 left
        let state = bucket.take(t0 + secs(0.0133));
        assert_eq!(state.retry_after, None);
        assert_eq!(state.remaining, 0);
        // 99.67 tokens to come back at 100 a second: 996.7 ms, rounded up
        assert_eq!(state.reset, ms(997));
        assert_eq!(state.reset_header(), "0.997");
        let refused = bucket.take(t0 + secs(0.0133));
        // 0.67 of a token: 6.7 ms, rounded up
        assert_eq!(refused.retry_after, Some(ms(7)));
        // between the two, what the headers say agrees with the bucket:
        // limit - reset * rate is what it holds, remaining is its floor
        let held = 100.0 - refused.reset.as_secs_f64() * 100.0;
        assert!(
            (held - 0.33).abs() < 0.1 && refused.remaining == 0,
            "{held}"
        );
        assert_eq!(decimal_seconds(ms(1000)), "1");
        assert_eq!(decimal_seconds(ms(1500)), "1.5");
        assert_eq!(decimal_seconds(ms(13)), "0.013");
        assert_eq!(decimal_seconds(ms(0)), "0");
    }

    #[test]
    fn tokens_come_back_at_the_rate_and_stop_at_the_limit() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(10, t0);
        for _ in 0..10 {
            bucket.take(t0);
        }
        // half a second later: 5 tokens back
        let state = bucket.take(t0 + secs(0.5));
        assert_eq!(state.retry_after, None);
        assert_eq!(state.remaining, 4);
        assert_eq!(state.reset, ms(600));
        // a minute later the bucket holds 10 again, not 600
        let state = bucket.take(t0 + secs(60.0));
        assert_eq!(state.remaining, 9);
        assert_eq!(state.reset, ms(100));
    }

    #[test]
    fn a_one_a_second_bucket_refills_in_a_second() {
        let t0 = Instant::now();
        // 1 a second: empty after one request, then 1 s to wait
        let mut bucket = Bucket::new(1, t0);
        assert_eq!(bucket.take(t0).retry_after, None);
        assert_eq!(bucket.take(t0).retry_after, Some(ms(1000)));
        assert_eq!(bucket.take(t0 + secs(1.0)).retry_after, None);
        // a zero limit is treated as one a second, never as "never"
        let mut zero = Bucket::new(0, t0);
        assert_eq!(zero.take(t0).retry_after, None);
    }
}
