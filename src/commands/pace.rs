//! Pacing a one-shot command's run of requests: the console's [`Pacer`]
//! behind a lock, told every answer's `x-ratelimit-*` headers by the
//! client's observer, and a request's turn that a task awaits. A request
//! sent in its turn ([`Turn::send`]) is known by its number when its
//! answer is observed, so the pacer knows how fresh the news is.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::telnyx::{Pacer, RateLimit};

/// A run's pacer, shared by its tasks.
pub(super) struct Pace {
    pacer: Mutex<Pacer>,
    /// Told when the pacer changes in a way that may let a start come sooner.
    changed: Notify,
    /// Time zero of the pacer.
    origin: Instant,
}

tokio::task_local! {
    /// The number of the request the task is sending, in its turn.
    static REQUEST: u64;
}

/// A request's turn: started in the pacer, finished when dropped.
pub(super) struct Turn<'a> {
    pace: &'a Pace,
    number: u64,
}

impl Turn<'_> {
    /// Sends the request: the answers observed while `request` runs are
    /// known to be this request's.
    pub(super) async fn send<F: Future>(&self, request: F) -> F::Output {
        REQUEST.scope(self.number, request).await
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.pace.lock().finished_request(self.number);
        self.pace.changed.notify_waiters();
    }
}

/// What a request that wants to start does now.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Start,
    /// Its turn comes at this time of the pacer's clock.
    WaitUntil(Duration),
    /// `concurrency` requests are in flight: an answer frees a place.
    WaitForAnswer,
    /// Its turn would come after it has waited this long in all, more than
    /// it may.
    TooLong(Duration),
}

/// The step at `now` of a request that has waited `waited` on the rate
/// limit and may wait `budget` in all.
fn step(pacer: &Pacer, now: Duration, waited: Duration, budget: Duration) -> Step {
    match pacer.next_start(now) {
        None => Step::WaitForAnswer,
        Some(at) if at <= now => Step::Start,
        Some(at) => {
            let total = waited.saturating_add(at - now);
            if total > budget {
                Step::TooLong(total)
            } else {
                Step::WaitUntil(at)
            }
        }
    }
}

impl Pace {
    /// At most `concurrency` requests in flight.
    pub(super) fn new(concurrency: usize) -> Self {
        Pace {
            pacer: Mutex::new(Pacer::new(concurrency)),
            changed: Notify::new(),
            origin: Instant::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clock(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }

    /// An answer's `x-ratelimit-*` headers (any request's), as it arrives:
    /// within [`Turn::send`], the answer to that request.
    pub(super) fn observe(&self, rate: RateLimit) {
        let now = self.clock();
        match REQUEST.try_with(|n| *n) {
            Ok(number) => self.lock().observe_answer(now, number, rate),
            Err(_) => self.lock().observe(now, rate),
        }
        self.changed.notify_waiters();
    }

    /// A 429 that outlasted the client's retries: every start waits
    /// `retry_after` (a second without). True when that holds the starts
    /// longer than they were.
    pub(super) fn refused(&self, retry_after: Option<Duration>) -> bool {
        let now = self.clock();
        self.lock().refused(now, retry_after)
    }

    /// Waits for a request's turn and starts it; with the turn, how long it
    /// waited on the rate limit (not for a place among the requests in
    /// flight). `Err` with the wait in all when its turn would come after
    /// more than `budget` (nothing is started then).
    pub(super) async fn turn(&self, budget: Duration) -> Result<(Turn<'_>, Duration), Duration> {
        let mut waited = Duration::ZERO;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // registered before the pacer is read: no change is missed
            notified.as_mut().enable();
            let (step, number) = {
                let mut pacer = self.lock();
                let now = self.clock();
                let step = step(&pacer, now, waited, budget);
                let number = (step == Step::Start).then(|| pacer.started(now));
                (step, number)
            };
            if let Some(number) = number {
                return Ok((Turn { pace: self, number }, waited));
            }
            match step {
                // started above
                Step::Start => {}
                Step::TooLong(total) => return Err(total),
                Step::WaitForAnswer => notified.await,
                Step::WaitUntil(at) => {
                    let since = Instant::now();
                    match self.origin.checked_add(at) {
                        Some(at) => tokio::select! {
                            _ = tokio::time::sleep_until(at) => {}
                            _ = &mut notified => {}
                        },
                        None => notified.await,
                    }
                    waited += since.elapsed();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_request_starts_waits_or_gives_up_as_the_pacer_and_its_budget_say() {
        let mut p = Pacer::new(1);
        let budget = ms(1000);
        assert_eq!(step(&p, ms(0), ms(0), budget), Step::Start);
        p.started(ms(0));
        assert_eq!(step(&p, ms(0), ms(0), budget), Step::WaitForAnswer);
        p.finished();
        // a 429 holds every start for 600 ms
        p.refused(ms(0), Some(ms(600)));
        assert_eq!(step(&p, ms(100), ms(0), budget), Step::WaitUntil(ms(600)));
        // 500 ms more: within the budget after 300, past it after 600
        assert_eq!(step(&p, ms(100), ms(300), budget), Step::WaitUntil(ms(600)));
        assert_eq!(step(&p, ms(100), ms(600), budget), Step::TooLong(ms(1100)));
        assert_eq!(step(&p, ms(600), ms(600), budget), Step::Start);
        // waiting for a place costs nothing of the budget
        p.started(ms(600));
        assert_eq!(step(&p, ms(700), ms(1000), budget), Step::WaitForAnswer);
    }

    fn rate(limit: u32, remaining: u32, reset_ms: u64) -> RateLimit {
        RateLimit {
            limit,
            remaining,
            reset: ms(reset_ms),
        }
    }

    #[tokio::test]
    async fn an_answer_seen_while_a_turn_sends_is_known_to_be_its_requests() {
        // a bucket of 10 refilled 1 a second: no refill during the test
        let pace = Pace::new(4);
        let ready = |pace: &Pace| pace.lock().ready(pace.clock());
        pace.observe(rate(10, 3, 7000));
        let (first, _) = pace.turn(Duration::ZERO).await.unwrap();
        let (second, _) = pace.turn(Duration::ZERO).await.unwrap();
        assert!(!ready(&pace), "1 token left");
        // the answer to the second, sent after the first answer: newer
        // news, 8 left (less the first, which may not be counted)
        second.send(async { pace.observe(rate(10, 8, 2000)) }).await;
        assert!(ready(&pace));
        // an answer of unknown origin that says less is believed
        pace.observe(rate(10, 0, 10_000));
        assert!(!ready(&pace));
        drop((first, second));
        assert_eq!(pace.lock().in_flight(), 0);
    }
}
