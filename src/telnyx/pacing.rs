//! Pacing a run of requests by what the server says of its rate limit.
//!
//! [`RateLimit`] reads `x-ratelimit-limit`, `-remaining` and `-reset`.
//! [`Pacer`] decides when the next request of a run may start: freely while
//! the server has tokens to spare, spaced at the server's refill rate when it
//! runs low, not at all until the bucket refills when it is empty or after a
//! 429's `Retry-After`. It is pure: time is a `Duration` since any origin
//! the caller picks, so the console's `update` and the commands share it.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// The `x-ratelimit-*` headers of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in the window.
    pub remaining: u32,
    /// Until the window is full again.
    pub reset: Duration,
}

impl RateLimit {
    /// The three headers, when the server sent all of them as numbers.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| {
            headers
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let limit = number("x-ratelimit-limit")?;
        let remaining = number("x-ratelimit-remaining")?;
        let reset = number("x-ratelimit-reset")?;
        Some(RateLimit {
            limit: limit.min(f64::from(u32::MAX)) as u32,
            remaining: remaining.min(limit).min(f64::from(u32::MAX)) as u32,
            // a reset beyond an hour is not believed
            reset: Duration::from_secs_f64(reset.min(3600.0)),
        })
    }

    /// The interval between two requests at the rate the server refills,
    /// `reset / (limit - remaining)`; `None` when it cannot tell.
    fn refill_interval(&self) -> Option<Duration> {
        let used = self.limit.checked_sub(self.remaining).filter(|u| *u > 0)?;
        Some(self.reset / used).filter(|d| !d.is_zero())
    }
}

/// When the next request of a run may start. See the module doc.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    concurrency: usize,
    in_flight: usize,
    /// No request starts before this (an empty bucket, a 429).
    hold_until: Duration,
    /// The earliest start of the next request when requests are spaced.
    next_start: Duration,
    /// The spacing while the server runs low; zero while it has tokens.
    interval: Duration,
}

/// Below this many tokens left (beyond the requests in flight), requests
/// are spaced at the server's refill rate.
const LOW_WATER: u32 = 2;
/// The wait after a 429 without `Retry-After`.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

impl Pacer {
    /// At most `concurrency` requests in flight (at least one).
    pub fn new(concurrency: usize) -> Self {
        Pacer {
            concurrency: concurrency.max(1),
            in_flight: 0,
            hold_until: Duration::ZERO,
            next_start: Duration::ZERO,
            interval: Duration::ZERO,
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// When the next request may start: `now` or later; `None` while
    /// `concurrency` requests are in flight (wait for an answer).
    pub fn next_start(&self, now: Duration) -> Option<Duration> {
        if self.in_flight >= self.concurrency {
            return None;
        }
        Some(now.max(self.hold_until).max(self.next_start))
    }

    /// Whether a request may start at `now`.
    pub fn ready(&self, now: Duration) -> bool {
        self.next_start(now).is_some_and(|at| at <= now)
    }

    /// A request started at `now`.
    pub fn started(&mut self, now: Duration) {
        self.in_flight += 1;
        self.next_start = now + self.interval;
    }

    /// A request of the run was answered (or failed) at `now`.
    pub fn finished(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// What an answer said of the rate limit (any answer: the bucket is the
    /// API key's, shared with every other request).
    pub fn observe(&mut self, now: Duration, rate: RateLimit) {
        let spare = rate.remaining.saturating_sub(self.in_flight as u32);
        if rate.remaining == 0 {
            // empty: nothing until a token is back
            let wait = rate.refill_interval().unwrap_or(DEFAULT_PAUSE);
            self.hold_until = self.hold_until.max(now + wait);
            self.interval = wait;
        } else if spare < LOW_WATER {
            self.interval = rate.refill_interval().unwrap_or(Duration::ZERO);
        } else {
            self.interval = Duration::ZERO;
        }
    }

    /// A 429: nothing starts before the server's `Retry-After` (or a second).
    pub fn refused(&mut self, now: Duration, retry_after: Option<Duration>) {
        let wait = retry_after.unwrap_or(DEFAULT_PAUSE);
        self.hold_until = self.hold_until.max(now + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn rate(limit: u32, remaining: u32, reset_ms: u64) -> RateLimit {
        RateLimit {
            limit,
            remaining,
            reset: ms(reset_ms),
        }
    }

    #[test]
    fn headers_are_read_when_all_three_are_numbers() {
        let mut h = HeaderMap::new();
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-limit", HeaderValue::from_static("100"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("7"));
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-reset", HeaderValue::from_static("0.93"));
        assert_eq!(RateLimit::from_headers(&h), Some(rate(100, 7, 930)));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("-3"));
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("900"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1e9"));
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!((r.remaining, r.reset), (100, Duration::from_secs(3600)));
    }

    #[test]
    fn requests_start_freely_up_to_the_concurrency() {
        let mut p = Pacer::new(3);
        let now = ms(0);
        for _ in 0..3 {
            assert!(p.ready(now));
            p.started(now);
        }
        assert_eq!(p.next_start(now), None, "three in flight");
        p.finished();
        assert!(p.ready(now));
        p.observe(now, rate(100, 80, 200));
        assert!(p.ready(now), "plenty of tokens: no spacing");
    }

    #[test]
    fn a_server_running_low_spaces_requests_at_its_refill_rate() {
        let mut p = Pacer::new(8);
        // 100 a second, 1 left: the bucket refills one token every 10 ms
        p.observe(ms(0), rate(100, 1, 990));
        p.started(ms(0));
        assert_eq!(p.next_start(ms(0)), Some(ms(10)));
        assert!(!p.ready(ms(5)));
        assert!(p.ready(ms(10)));
        // tokens to spare again: no spacing
        p.observe(ms(10), rate(100, 60, 400));
        p.started(ms(10));
        assert!(p.ready(ms(10)));
    }

    #[test]
    fn an_empty_bucket_or_a_429_holds_every_start() {
        let mut p = Pacer::new(8);
        p.observe(ms(0), rate(10, 0, 1000));
        assert_eq!(p.next_start(ms(0)), Some(ms(100)));
        p.refused(ms(0), Some(Duration::from_secs(2)));
        assert_eq!(p.next_start(ms(50)), Some(ms(2000)));
        // a later, shorter wait does not shorten the hold
        p.refused(ms(100), Some(ms(10)));
        assert_eq!(p.next_start(ms(100)), Some(ms(2000)));
        let mut q = Pacer::new(1);
        q.refused(ms(0), None);
        assert_eq!(q.next_start(ms(0)), Some(ms(1000)));
    }
}
