//! Pacing a run of requests by what the server says of its rate limit.
//!
//! [`RateLimit`] reads `x-ratelimit-limit`, `-remaining` and `-reset`.
//! [`Pacer`] decides when the next request of a run may start. It models
//! the server's token bucket from those headers: the tokens the server had
//! when it answered the latest request (`remaining`, and the fraction of
//! the next one that `reset` reveals), less the requests started after that
//! one, which it had not counted yet, refilled at the rate the headers
//! imply (`(limit - remaining) / reset`), one token less for each request
//! started. A request starts when the model holds a token for it, so a run
//! goes freely while the server has tokens to spare, then at the server's
//! refill rate, and is (almost) never refused; a 429's `Retry-After` still
//! holds every start. The answer to a known request
//! ([`Pacer::observe_answer`]) sets the model afresh, so an error in it
//! (another client spending the same bucket, a rounding) lasts until the
//! next answer; an answer whose request is not known ([`Pacer::observe`])
//! may be older news, and only ever lowers it. It is pure: time is a `Duration`
//! since any origin the caller picks, so the console's `update` and the
//! commands share it.

use std::collections::BTreeSet;
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
}

/// When the next request of a run may start. See the module doc.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    concurrency: usize,
    /// The numbers of the requests in flight.
    in_flight: BTreeSet<u64>,
    /// Requests started so far: the number of the next one.
    started: u64,
    /// No request starts before this (a 429's `Retry-After`).
    hold_until: Duration,
    /// The server's bucket, once an answer has described it.
    bucket: Option<Bucket>,
}

/// The server's token bucket as the run models it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bucket {
    limit: u32,
    /// The tokens the run may still spend at `at`: the least that the
    /// answers since the model was last set say the server had, less the
    /// requests it may not have counted, refilled since.
    tokens: f64,
    at: Duration,
    rate: Option<Refill>,
    /// The first request sent after the answer the model was last set
    /// from arrived: the server took it after that answer for certain, so
    /// its answer is newer news and sets the model afresh. An answer to an
    /// earlier request was in flight with that one and may be older or
    /// newer: it only lowers the model.
    fresh_from: u64,
}

/// How fast the server's bucket refills, as its headers imply it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Refill {
    per_second: f64,
    /// Learnt from answers that left the bucket nearly empty, where
    /// `(limit - remaining) / reset` is closest to the true rate (and never
    /// below it, for a bucket that refills steadily): the lowest of those.
    /// Until one comes, the latest answer's `(limit - remaining - 1) /
    /// reset`, never above it (a bucket may refill more slowly than it
    /// looks early in a window: the run waits rather than guesses).
    settled: bool,
}

/// Answers that leave at most this many tokens teach the refill rate.
const LOW_WATER: u32 = 2;
/// A request starts when the model holds this much more than its token: a
/// margin against rounding that costs one start this much later, once,
/// never the pace.
const MARGIN: f64 = 0.1;
/// The wait after a 429 without `Retry-After`, and between starts while
/// the bucket is empty and its refill rate unknown.
pub(crate) const DEFAULT_PAUSE: Duration = Duration::from_secs(1);

impl Bucket {
    /// The tokens at `now`, refilled since `at` (never past the limit).
    fn tokens_at(&self, now: Duration) -> f64 {
        let refilled = match self.rate {
            Some(r) if now > self.at => (now - self.at).as_secs_f64() * r.per_second,
            _ => 0.0,
        };
        (self.tokens + refilled).min(f64::from(self.limit))
    }

    /// When the model holds a token for one more request (with the margin).
    fn ready_at(&self) -> Duration {
        let need = (1.0 + MARGIN).min(f64::from(self.limit));
        if self.tokens >= need {
            return self.at;
        }
        let wait = match self.rate {
            Some(r) => secs((need - self.tokens) / r.per_second),
            None => DEFAULT_PAUSE,
        };
        self.at.saturating_add(wait)
    }
}

/// `s` seconds, saturating (a rate the server implies can be tiny).
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}

impl Pacer {
    /// At most `concurrency` requests in flight (at least one).
    pub fn new(concurrency: usize) -> Self {
        Pacer {
            concurrency: concurrency.max(1),
            in_flight: BTreeSet::new(),
            started: 0,
            hold_until: Duration::ZERO,
            bucket: None,
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// When the next request may start: `now` or later; `None` while
    /// `concurrency` requests are in flight (wait for an answer).
    pub fn next_start(&self, now: Duration) -> Option<Duration> {
        if self.in_flight.len() >= self.concurrency {
            return None;
        }
        let at = now.max(self.hold_until);
        Some(match &self.bucket {
            Some(b) => at.max(b.ready_at()),
            None => at,
        })
    }

    /// Whether a request may start at `now`.
    pub fn ready(&self, now: Duration) -> bool {
        self.next_start(now).is_some_and(|at| at <= now)
    }

    /// A request started at `now`: it spends a token of the model. Its
    /// number, for [`observe_answer`](Self::observe_answer).
    pub fn started(&mut self, now: Duration) -> u64 {
        let number = self.started;
        self.started += 1;
        self.in_flight.insert(number);
        if let Some(b) = &mut self.bucket {
            b.tokens = b.tokens_at(now) - 1.0;
            b.at = b.at.max(now);
        }
        number
    }

    /// A request of the run was answered (or failed), which one not said:
    /// taken as the oldest in flight.
    pub fn finished(&mut self) {
        self.in_flight.pop_first();
    }

    /// Request `number` ([`started`](Self::started)) was answered (or failed).
    pub fn finished_request(&mut self, number: u64) {
        if !self.in_flight.remove(&number) {
            self.in_flight.pop_first();
        }
    }

    /// What an answer said of the rate limit at `now`, when which request
    /// it answers is not known (any answer: the bucket is the API key's,
    /// shared with every other request). Called before
    /// [`finished`](Self::finished) for an answer of the run, so that the
    /// other requests in flight, which the server may not have counted yet,
    /// are taken off what it says. Such an answer may be older news than
    /// the model (answers can arrive out of order): it only ever lowers it.
    pub fn observe(&mut self, now: Duration, rate: RateLimit) {
        if rate.limit == 0 {
            return;
        }
        let same = self.bucket.filter(|b| b.limit == rate.limit);
        let refill = learn(same.and_then(|b| b.rate), &rate);
        let others = self.in_flight.len().saturating_sub(1) as f64;
        let told = server_tokens(&rate, refill) - others;
        self.bucket = Some(match same {
            Some(b) if b.tokens_at(now) <= told => Bucket { rate: refill, ..b },
            _ => self.afresh(now, same, rate.limit, told, refill),
        });
    }

    /// What the answer to request `number` ([`started`](Self::started))
    /// said of the rate limit at `now`, before it is
    /// [`finished_request`](Self::finished_request): the server's tokens
    /// less the requests it may not have counted yet (those started after
    /// that one, and those started before it and still in flight). It sets
    /// the model afresh when the request was sent after the answer the
    /// model was last set from arrived (newer news for certain); otherwise
    /// it only lowers it (see [`Bucket::fresh_from`]).
    pub fn observe_answer(&mut self, now: Duration, number: u64, rate: RateLimit) {
        if rate.limit == 0 {
            return;
        }
        let same = self.bucket.filter(|b| b.limit == rate.limit);
        let refill = learn(same.and_then(|b| b.rate), &rate);
        let later = self.started.saturating_sub(number.saturating_add(1));
        let earlier = self.in_flight.range(..number).count() as u64;
        let told = server_tokens(&rate, refill) - (later + earlier) as f64;
        self.bucket = Some(match same {
            Some(b) if number < b.fresh_from => Bucket {
                tokens: b.tokens_at(now).min(told),
                at: b.at.max(now),
                rate: refill,
                ..b
            },
            _ => self.afresh(now, same, rate.limit, told, refill),
        });
    }

    /// The model set from an answer: `tokens` at `now`, and newer news
    /// than it only from the requests started from now on.
    fn afresh(
        &self,
        now: Duration,
        same: Option<Bucket>,
        limit: u32,
        tokens: f64,
        rate: Option<Refill>,
    ) -> Bucket {
        Bucket {
            limit,
            tokens,
            at: same.map_or(now, |b| b.at.max(now)),
            rate,
            fresh_from: self.started,
        }
    }

    /// A 429: nothing starts before the server's `Retry-After` (or a
    /// second). True when that holds the starts longer than they were.
    pub fn refused(&mut self, now: Duration, retry_after: Option<Duration>) -> bool {
        let until = now.saturating_add(retry_after.unwrap_or(DEFAULT_PAUSE));
        let longer = until > self.hold_until;
        self.hold_until = self.hold_until.max(until);
        longer
    }
}

/// The refill rate after an answer: see [`Refill::settled`].
fn learn(known: Option<Refill>, rate: &RateLimit) -> Option<Refill> {
    let low = rate.remaining <= LOW_WATER;
    if known.is_some_and(|k| k.settled && !low) {
        return known;
    }
    // the bucket holds `remaining` whole tokens and less than one more:
    // the tokens used are at most `limit - remaining`, at least one fewer
    let used = f64::from(rate.limit.saturating_sub(rate.remaining));
    let per_second =
        |used: f64| Some(used / rate.reset.as_secs_f64()).filter(|r| r.is_finite() && *r > 0.0);
    match (known, low) {
        (Some(k), true) if k.settled => Some(Refill {
            per_second: per_second(used).map_or(k.per_second, |r| r.min(k.per_second)),
            settled: true,
        }),
        (_, true) => per_second(used)
            .map(|per_second| Refill {
                per_second,
                settled: true,
            })
            .or(known),
        (_, false) => per_second(used - 1.0)
            .map(|per_second| Refill {
                per_second,
                settled: false,
            })
            .or(known),
    }
}

/// The tokens the server had: `remaining` and the fraction of the next
/// one that `reset` reveals at a settled rate (`limit - reset * rate`,
/// which is never above the truth when the rate is not below it).
fn server_tokens(rate: &RateLimit, refill: Option<Refill>) -> f64 {
    let remaining = f64::from(rate.remaining);
    let Some(r) = refill.filter(|r| r.settled) else {
        return remaining;
    };
    let t = f64::from(rate.limit) - rate.reset.as_secs_f64() * r.per_second;
    if t >= remaining && t < remaining + 1.0 {
        t
    } else {
        remaining
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

    /// `a` and `b` within a microsecond (the model computes in seconds).
    fn close(a: Option<Duration>, b: Duration) -> bool {
        a.is_some_and(|a| a.abs_diff(b) <= Duration::from_micros(1))
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
        p.observe(now, rate(100, 80, 200));
        p.finished();
        assert!(p.ready(now), "plenty of tokens: no spacing");
    }

    #[test]
    fn a_server_running_low_spaces_requests_at_its_refill_rate() {
        let mut p = Pacer::new(8);
        // 100 a second, none left and full again in 1 s
        p.observe(ms(0), rate(100, 0, 1000));
        // the next one waits for 1.1 tokens, 11 ms
        assert!(close(p.next_start(ms(0)), ms(11)));
        assert!(!p.ready(ms(10)));
        p.started(ms(11));
        // then one every 10 ms, the server's refill
        assert!(close(p.next_start(ms(11)), ms(21)));
        p.started(ms(23));
        assert!(
            close(p.next_start(ms(23)), ms(31)),
            "a late start is not lost"
        );
    }

    #[test]
    fn requests_in_flight_are_taken_off_what_the_server_says() {
        let mut p = Pacer::new(8);
        for _ in 0..4 {
            p.started(ms(0));
        }
        // an answer to one of four: 2 left (and 0.98 s to be full at 100 a
        // second); the other three may not have reached the server yet:
        // 2.1 tokens to wait for
        p.observe(ms(5), rate(100, 2, 980));
        p.finished();
        assert!(close(p.next_start(ms(5)), ms(26)));
        // an answer saying more than the model holds may be older news
        p.observe(ms(6), rate(100, 50, 500));
        assert!(close(p.next_start(ms(6)), ms(26)));
        // one saying less lowers it (another client spends the same bucket)
        p.observe(ms(6), rate(100, 0, 1000));
        assert!(close(p.next_start(ms(6)), ms(6 + 11 + 20)));
    }

    #[test]
    fn an_answer_sets_the_model_when_it_is_newer_news_for_certain() {
        let tokens = |p: &Pacer| p.bucket.map(|b| b.tokens).unwrap();
        let mut p = Pacer::new(8);
        let n: Vec<u64> = (0..4).map(|_| p.started(ms(0))).collect();
        // the answer to the last one sent: 96 left; the three sent before
        // it are in flight, and the server may have taken them after it
        p.observe_answer(ms(5), n[3], rate(100, 96, 40));
        p.finished_request(n[3]);
        assert!((tokens(&p) - 93.0).abs() < 1e-9);
        // the answer to the first, in flight with it, saying more: older news
        p.observe_answer(ms(5), n[0], rate(100, 99, 10));
        p.finished_request(n[0]);
        assert!((tokens(&p) - 93.0).abs() < 1e-9);
        // the second's, saying less (90, less the two sent after it): the
        // server may have taken it later
        p.observe_answer(ms(5), n[1], rate(100, 90, 100));
        p.finished_request(n[1]);
        assert!((tokens(&p) - 88.0).abs() < 1e-9);
        p.finished_request(n[2]);
        // sent after that: another client spent 80 tokens, the model
        // follows the server down
        let m = p.started(ms(7));
        p.observe_answer(ms(8), m, rate(100, 5, 950));
        p.finished_request(m);
        assert!((tokens(&p) - 5.0).abs() < 1e-9);
        // and up: 60 left when it answered k, one request sent after k
        let k = p.started(ms(9));
        p.started(ms(9));
        p.observe_answer(ms(10), k, rate(100, 60, 400));
        assert!((tokens(&p) - 59.0).abs() < 1e-9);
    }

    #[test]
    fn the_refill_rate_is_learnt_from_answers_that_leave_the_bucket_nearly_empty() {
        let mut p = Pacer::new(1);
        // early in a window: 99 of 100 left, 0.999 s to go ("1 a second")
        p.observe(ms(0), rate(100, 99, 999));
        assert!(p.ready(ms(0)));
        // nearly empty: 100 used, back in 0.5 s: 200 a second
        p.observe(ms(10), rate(100, 0, 500));
        assert!(close(p.next_start(ms(10)), Duration::from_micros(15_500)));
        // the lowest nearly-empty rate stands (each is at least the truth)
        p.observe(ms(20), rate(100, 1, 396));
        assert!(close(p.next_start(ms(20)), Duration::from_micros(20_500)));
        // another limit is another bucket
        p.observe(ms(30), rate(10, 5, 500));
        assert!(p.ready(ms(30)));
    }

    #[test]
    fn an_empty_bucket_or_a_429_holds_every_start() {
        let mut p = Pacer::new(8);
        p.observe(ms(0), rate(10, 0, 1000));
        assert!(close(p.next_start(ms(0)), ms(110)));
        assert!(p.refused(ms(0), Some(Duration::from_secs(2))));
        assert_eq!(p.next_start(ms(50)), Some(ms(2000)));
        // a later, shorter wait does not shorten the hold
        assert!(!p.refused(ms(100), Some(ms(10))));
        assert_eq!(p.next_start(ms(100)), Some(ms(2000)));
        let mut q = Pacer::new(1);
        q.refused(ms(0), None);
        assert_eq!(q.next_start(ms(0)), Some(ms(1000)));
    }

    #[test]
    fn headers_that_say_nothing_or_too_much_never_stall_or_overflow() {
        let mut p = Pacer::new(2);
        p.observe(ms(0), rate(0, 0, 0));
        assert!(p.ready(ms(0)), "a zero limit says nothing");
        // empty, no reset: no rate to wait for; a second between starts
        p.observe(ms(0), rate(100, 0, 0));
        assert_eq!(p.next_start(ms(0)), Some(ms(1000)));
        // empty for an hour: 100 an hour
        p.observe(ms(0), rate(100, 0, 3_600_000));
        let at = p.next_start(ms(0)).unwrap();
        assert!(
            at > Duration::from_secs(39) && at < Duration::from_secs(40),
            "{at:?}"
        );
        let mut q = Pacer::new(1);
        q.refused(Duration::MAX, Some(Duration::MAX));
        assert_eq!(q.next_start(ms(0)), Some(Duration::MAX));
    }

    /// A server's token bucket as the sim keeps it: `rate` a second, at
    /// most `limit`; `reset` and `Retry-After` rounded up to the millisecond.
    struct Server {
        limit: u32,
        rate: f64,
        tokens: f64,
        last: Duration,
    }

    impl Server {
        fn new(limit: u32, rate: f64) -> Self {
            Server {
                limit,
                rate,
                tokens: f64::from(limit),
                last: Duration::ZERO,
            }
        }

        /// A request reaches the server at `now`: its headers, and the wait
        /// when it is refused.
        fn take(&mut self, now: Duration) -> (RateLimit, Option<Duration>) {
            let up_ms = |s: f64| ms((s * 1000.0).ceil() as u64);
            self.tokens = (self.tokens + (now - self.last).as_secs_f64() * self.rate)
                .min(f64::from(self.limit));
            self.last = now;
            let refused = self.tokens < 1.0;
            if !refused {
                self.tokens -= 1.0;
            }
            let headers = RateLimit {
                limit: self.limit,
                remaining: self.tokens.floor() as u32,
                reset: up_ms((f64::from(self.limit) - self.tokens) / self.rate),
            };
            (
                headers,
                refused.then(|| up_ms((1.0 - self.tokens) / self.rate)),
            )
        }
    }

    /// `n` requests, `concurrency` at a time, paced against `server`: each
    /// reaches it `up` after it starts, plus up to `jitter` (so the server
    /// can take them in another order), and is answered `down` after that
    /// (those answered at the same time, last sent first); a refused one
    /// goes again. `numbered`: the pacer is told which request each answer
    /// is for. When the last answer came, and how many were refused.
    fn paced_run(
        n: usize,
        concurrency: usize,
        mut server: Server,
        (up, down, jitter): (Duration, Duration, u64),
        numbered: bool,
    ) -> (Duration, usize) {
        let mut p = Pacer::new(concurrency);
        let (mut now, mut left, mut refused) = (Duration::ZERO, n, 0);
        // (when, request)
        let mut arrivals: Vec<(Duration, u64)> = Vec::new();
        // (when, request, headers, Retry-After)
        let mut answers: Vec<(Duration, u64, RateLimit, Option<Duration>)> = Vec::new();
        for _ in 0..100 * n {
            let start = p.next_start(now).filter(|_| left > 0);
            let arrival = (0..arrivals.len()).min_by_key(|&i| arrivals[i]);
            let answer =
                (0..answers.len()).min_by_key(|&i| (answers[i].0, u64::MAX - answers[i].1));
            let arrival_at = arrival.map(|i| arrivals[i].0);
            let answer_at = answer.map(|i| answers[i].0);
            let first = [arrival_at, answer_at].into_iter().flatten().min();
            if let Some(at) = start.filter(|at| first.is_none_or(|first| *at < first)) {
                now = at;
                let number = p.started(now);
                left -= 1;
                let late = ms(number.wrapping_mul(7919) % (jitter + 1));
                arrivals.push((now + up + late, number));
            } else if let Some(i) = arrival.filter(|_| arrival_at == first) {
                let (at, number) = arrivals.swap_remove(i);
                now = at;
                let (headers, wait) = server.take(at);
                answers.push((at + down, number, headers, wait));
            } else if let Some(i) = answer {
                let (at, number, headers, wait) = answers.swap_remove(i);
                now = at;
                if numbered {
                    p.observe_answer(now, number, headers);
                    p.finished_request(number);
                } else {
                    p.observe(now, headers);
                    p.finished();
                }
                if wait.is_some() {
                    refused += 1;
                    left += 1;
                    p.refused(now, wait);
                }
            } else {
                return (now, refused);
            }
        }
        panic!("the run did not end");
    }

    #[test]
    fn a_run_goes_at_the_servers_rate_and_is_almost_never_refused() {
        // 1,000 requests, 100 a second with a burst of 100: the server can
        // answer the last one 9 s after the first reaches it
        let floor = Duration::from_secs(9);
        for numbered in [true, false] {
            for (latency, concurrency) in [
                ((ms(0), ms(0), 0), 8),
                ((ms(1), ms(1), 0), 8),
                ((ms(1), ms(1), 3), 8),
                ((ms(20), ms(0), 0), 8),
                ((ms(25), ms(25), 0), 8),
                ((ms(25), ms(25), 9), 8),
                ((ms(5), ms(5), 30), 8),
                ((ms(40), ms(40), 0), 16),
                ((ms(3), ms(7), 2), 4),
            ] {
                let server = Server::new(100, 100.0);
                let (took, refused) = paced_run(1000, concurrency, server, latency, numbered);
                let (up, down, jitter) = latency;
                let over = took.saturating_sub(floor + up + down + ms(jitter));
                // an answer that may be older news costs a few tokens, once
                let slack = if numbered { ms(100) } else { ms(400) };
                assert!(
                    over < slack && refused == 0,
                    "{latency:?} x{concurrency} {numbered}: {took:?}, {refused} refused"
                );
            }
        }
    }
}
