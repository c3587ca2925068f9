//! Loading in the background: how a load records its answer, when a failed
//! one tries again (backoff), and the participant list's poll.

use std::time::Duration;

use time::OffsetDateTime;

use super::model::{Load, MAX_BACKOFF, Model};
use super::msg::Effect;
use crate::telnyx::{ApiError, ErrorKind, RateLimit};

/// Participants on one page of a listing (the client asks for the API's
/// largest page).
const PAGE_SIZE: usize = 250;

impl Load {
    /// Backoff after `failures` consecutive failures: 1 s, 2 s, then 3 s (a
    /// server that comes back is seen within seconds; the client's own
    /// retries already spread each attempt).
    pub fn backoff(failures: u32) -> Duration {
        Duration::from_secs(u64::from(failures.max(1))).min(MAX_BACKOFF)
    }

    /// Marks a request as sent at `now`.
    pub(crate) fn start(&mut self, seq: u64, now: OffsetDateTime) {
        self.in_flight = Some(seq);
        self.started_at = Some(now);
    }

    /// How long the request just answered took (zero when unknown).
    pub(crate) fn cost(&self, now: OffsetDateTime) -> Duration {
        self.started_at
            .map(|at| (now - at).try_into().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Takes the answer to `seq` when it is the request in flight; `false`
    /// for a stale answer, which must change nothing.
    pub(crate) fn answered(&mut self, seq: u64) -> bool {
        if self.in_flight != Some(seq) {
            return false;
        }
        self.in_flight = None;
        true
    }

    /// A load succeeded: no failure, and the next one due at `next` (if any).
    pub(crate) fn succeeded(&mut self, now: OffsetDateTime, next: Option<OffsetDateTime>) {
        self.last_ok = Some(now);
        self.failure = None;
        self.failures = 0;
        self.next_at = next;
    }

    /// A load failed: when to try again. Never by itself for an
    /// authentication failure or a conference that does not exist (neither
    /// gets better by waiting), else with backoff.
    pub(crate) fn failed(&mut self, e: ApiError, now: OffsetDateTime) {
        self.failures += 1;
        // a server that asked for a longer wait gets it, up to a minute
        let asked = e.retry_after.unwrap_or_default().min(MAX_INTERVAL);
        let wait = Load::backoff(self.failures).max(asked);
        let retry_at = match e.kind {
            ErrorKind::Auth | ErrorKind::ConferenceNotFound => None,
            _ => Some(now + wait),
        };
        self.next_at = retry_at;
        self.failure = Some((e, retry_at));
    }

    /// Whether a retry (or a refresh) is due at `now` and nothing is out.
    pub(crate) fn due(&self, now: OffsetDateTime) -> bool {
        self.in_flight.is_none() && self.next_at.is_some_and(|at| at <= now)
    }
}

/// Polling at most this many listing pages a second, on average: a
/// conference of 50,000 (200 pages) refreshes every 10 s, not every 2.
pub(crate) const POLL_PAGES_PER_SEC: u32 = 20;
/// The longest time between two refreshes, whatever slows them.
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// The time between the end of one refresh and the start of the next: the
/// configured `refresh`, longer when the listing is costly (at least twice
/// what the last one took, and at most [`POLL_PAGES_PER_SEC`] pages a
/// second) and twice as long while the rate limit is below a fifth of its
/// budget; never more than [`MAX_INTERVAL`] (nor less than `refresh`).
pub(crate) fn interval(
    refresh: Duration,
    cost: Duration,
    items: usize,
    rate: Option<RateLimit>,
) -> Duration {
    let pages = items.div_ceil(PAGE_SIZE).max(1) as u32;
    let budget = Duration::from_secs(1) * pages / POLL_PAGES_PER_SEC;
    let mut wait = refresh.max(cost * 2).max(budget);
    if rate.is_some_and(|r| r.limit > 0 && r.remaining < r.limit / 5) {
        wait *= 2;
    }
    wait.min(MAX_INTERVAL.max(refresh))
}

/// Asks for the open conference's participant list now (and the conference
/// itself, unless it is already being read), unless a request is already out.
pub(crate) fn poll(model: &mut Model) -> Vec<Effect> {
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    if conf.load.in_flight.is_some() {
        return Vec::new();
    }
    let conference_id = conf.id;
    let reread = conf.conference_seq.is_none();
    let seq = model.next_seq();
    let mut effects = vec![Effect::LoadParticipants { seq, conference_id }];
    // the conference with it: its name, and whether (and why) it ended
    if reread {
        let cseq = model.next_seq();
        effects.push(Effect::LoadConference {
            seq: cseq,
            conference_id,
        });
        if let Some(conf) = model.conf.as_mut() {
            conf.conference_seq = Some(cseq);
        }
    }
    let now = model.now;
    if let Some(conf) = model.conf.as_mut() {
        conf.load.start(seq, now);
    }
    effects
}

/// [`poll`] when the next refresh (or retry) is due.
pub(crate) fn poll_if_due(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    if model.conf.as_ref().is_some_and(|c| c.load.due(now)) {
        poll(model)
    } else {
        Vec::new()
    }
}

/// Refreshes the open conference as soon as no request is out (after a
/// write, to confirm it; after an error that says a row is stale).
pub(crate) fn poll_soon(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    if let Some(conf) = model.conf.as_mut() {
        conf.load.next_at = Some(now);
    }
    poll_if_due(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_three_seconds_at_most() {
        let secs: Vec<u64> = (1..=6).map(|n| Load::backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 3, 3, 3, 3]);
    }

    #[test]
    fn only_the_request_in_flight_is_answered() {
        let mut load = Load::default();
        load.start(3, OffsetDateTime::UNIX_EPOCH);
        assert!(!load.answered(2));
        assert_eq!(load.in_flight, Some(3));
        assert!(load.answered(3));
        assert!(!load.answered(3));
    }

    #[test]
    fn refreshes_slow_down_for_costly_listings_and_a_low_rate_budget() {
        let refresh = Duration::from_secs(2);
        let ms = Duration::from_millis;
        // a small conference refreshes as configured
        assert_eq!(interval(refresh, ms(40), 300, None), refresh);
        // 50,000 participants are 200 pages: 10 s at 20 pages a second
        assert_eq!(
            interval(refresh, ms(900), 50_000, None),
            Duration::from_secs(10)
        );
        // a slow listing waits twice what it took
        assert_eq!(interval(refresh, ms(3_000), 300, None), ms(6_000));
        // a rate budget below a fifth: twice as long
        let low = RateLimit {
            limit: 100,
            remaining: 19,
            reset: Duration::from_secs(1),
        };
        let fine = RateLimit {
            remaining: 20,
            ..low
        };
        assert_eq!(interval(refresh, ms(40), 300, Some(low)), refresh * 2);
        assert_eq!(interval(refresh, ms(40), 300, Some(fine)), refresh);
        // never more than a minute, unless the operator asked for more
        assert_eq!(
            interval(refresh, Duration::from_secs(100), 300, Some(low)),
            MAX_INTERVAL
        );
        let slow = Duration::from_secs(120);
        assert_eq!(interval(slow, ms(40), 300, None), slow);
    }
}
