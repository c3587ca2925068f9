//! Loading in the background: how a load records its answer, when a failed
//! one tries again (backoff), and the participant list's poll.

use std::time::Duration;

use time::OffsetDateTime;

use super::model::{Load, MAX_BACKOFF, Model};
use super::msg::Effect;
use crate::telnyx::{ApiError, ErrorKind};

impl Load {
    /// Backoff after `failures` consecutive failures: 2 s doubling to 30 s.
    pub fn backoff(failures: u32) -> Duration {
        let secs = 2u64
            .saturating_pow(failures.clamp(1, 5))
            .min(MAX_BACKOFF.as_secs());
        Duration::from_secs(secs)
    }

    /// Marks a request as sent.
    pub(crate) fn start(&mut self, seq: u64) {
        self.in_flight = Some(seq);
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
        let retry_at = match e.kind {
            ErrorKind::Auth | ErrorKind::ConferenceNotFound => None,
            _ => Some(now + Load::backoff(self.failures)),
        };
        self.next_at = retry_at;
        self.failure = Some((e, retry_at));
    }

    /// Whether a retry (or a refresh) is due at `now` and nothing is out.
    pub(crate) fn due(&self, now: OffsetDateTime) -> bool {
        self.in_flight.is_none() && self.next_at.is_some_and(|at| at <= now)
    }
}

/// Asks for the open conference's participant list now, unless a request is
/// already out.
pub(crate) fn poll(model: &mut Model) -> Vec<Effect> {
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    if conf.load.in_flight.is_some() {
        return Vec::new();
    }
    let conference_id = conf.id;
    let seq = model.next_seq();
    if let Some(conf) = model.conf.as_mut() {
        conf.load.start(seq);
    }
    vec![Effect::LoadParticipants { seq, conference_id }]
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
    fn backoff_doubles_from_two_seconds_to_thirty() {
        let secs: Vec<u64> = (1..=7).map(|n| Load::backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn only_the_request_in_flight_is_answered() {
        let mut load = Load::default();
        load.start(3);
        assert!(!load.answered(2));
        assert_eq!(load.in_flight, Some(3));
        assert!(load.answered(3));
        assert!(!load.answered(3));
    }
}
