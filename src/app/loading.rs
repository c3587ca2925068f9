//! Loading in the background: how a load records its answer, when a failed
//! one tries again (backoff), and the participant list's poll.

use std::time::Duration;

use time::OffsetDateTime;

use super::model::{Load, MAX_BACKOFF, Model};
use super::msg::Effect;
use crate::telnyx::{ApiError, ErrorKind};

impl Load {
    /// Backoff after `failures` consecutive failures: 1 s, 2 s, then 3 s (a
    /// server that comes back is seen within seconds; the client's own
    /// retries already spread each attempt).
    pub fn backoff(failures: u32) -> Duration {
        Duration::from_secs(u64::from(failures.max(1))).min(MAX_BACKOFF)
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
        // a server that asked for a longer wait gets it
        let wait = Load::backoff(self.failures).max(e.retry_after.unwrap_or_default());
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
    if let Some(conf) = model.conf.as_mut() {
        conf.load.start(seq);
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
        load.start(3);
        assert!(!load.answered(2));
        assert_eq!(load.in_flight, Some(3));
        assert!(load.answered(3));
        assert!(!load.answered(3));
    }
}
