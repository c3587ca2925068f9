//! Running a bulk update: PATCH many participants a few at a time, paced
//! by the server's rate limit (its `x-ratelimit-*` headers, and a 429's
//! `Retry-After`, within a bound), and stop starting requests on a signal,
//! so that every participant ends in one outcome.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use indicatif::ProgressBar;
use tokio::sync::watch;

use super::pace::Pace;
use super::{rate_limited, seconds};
use crate::error::{EXIT_SIGINT, EXIT_SIGTERM, Error};
use crate::sanitize::sanitize_line;
use crate::telnyx::Held;
use crate::telnyx::pacing::DEFAULT_PAUSE;
use crate::telnyx::{
    ApiError, Client, ConferenceId, ConferenceParticipant, ErrorKind, Exchange, UpdateParticipant,
    Written,
};

/// How many times one participant goes back to the server after it kept
/// answering 429 through the client's own retries.
const RATE_LIMIT_ROUNDS: u32 = 10;

/// A failed update: the error, and what is said of it (the error, or more).
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub error: ApiError,
    pub message: String,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        let message = error.to_string();
        Failure { error, message }
    }
}

/// What became of one participant of a bulk update.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    /// The server's answer, which carries the participant asked for.
    Updated(ConferenceParticipant),
    Failed(Failure),
    /// The run was stopped before a request was sent for it.
    NotAttempted,
}

/// The signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stop {
    pub name: &'static str,
    pub exit_code: u8,
}

pub(super) const SIGINT: Stop = Stop {
    name: "SIGINT",
    exit_code: EXIT_SIGINT,
};
pub(super) const SIGTERM: Stop = Stop {
    name: "SIGTERM",
    exit_code: EXIT_SIGTERM,
};

/// Records one request's answer (for the audit journal).
pub(super) type Record<'r> =
    dyn Fn(&str, &Result<Written<ConferenceParticipant>, ApiError>) + Send + Sync + 'r;

/// A bulk update: what to send where, and how.
pub(super) struct Bulk<'a> {
    /// The client, which tells `pace` every answer (see [`paced`]).
    pub client: &'a Client,
    pub pace: &'a Pace,
    pub conference: &'a ConferenceId,
    pub request: UpdateParticipant,
    pub concurrency: usize,
    /// The most one participant waits on the server's rate limit, in all,
    /// between its requests (the client's own retries of a 429 within one
    /// request come on top: at most `max_retries` waits of at most this).
    pub max_wait: Duration,
    /// `Some` once the run is to start no more requests.
    pub stop: watch::Receiver<Option<Stop>>,
    /// Requests sent and not yet answered.
    pub in_flight: Arc<AtomicUsize>,
    /// Says a line on stderr.
    pub say: &'a (dyn Fn(&str) + Send + Sync),
    /// Records each request's answer in the audit journal, as it arrives.
    pub record: &'a Record<'a>,
    /// The most the answers kept for the final report may hold, in bytes
    /// (`max_listing_mib`): past it, an updated participant is kept as its
    /// id alone, so that no server can make a run hold what it sends.
    pub max_kept: usize,
}

/// The outcomes of a run, in the order of its ids.
pub(super) struct Outcomes {
    pub outcomes: Vec<Outcome>,
    /// Answers kept as the participant's id alone (see [`Bulk::max_kept`]).
    pub not_kept: usize,
}

/// `client`, telling `pace` the `x-ratelimit-*` headers of every attempt
/// (its own retries included, and the requests made before the run, so
/// that its first requests already know the server's bucket). Its
/// observer, if it had one, is replaced.
pub(super) fn paced(client: Client, pace: &Arc<Pace>) -> Client {
    let pace = pace.clone();
    client.with_observer(Arc::new(move |x: &Exchange<'_>| {
        if let Some(rate) = x.rate {
            pace.observe(rate);
        }
    }))
}

/// PATCHes every participant of `ids`, `concurrency` at a time and paced by
/// the server's rate limit (see [`Pace`]), and hands each outcome to
/// `on_result` as it arrives; gives the outcomes in the order of `ids`.
/// Once the run is stopped no request is started: what is in flight
/// finishes, the others are [`Outcome::NotAttempted`].
pub(super) async fn bulk_update(
    bulk: &Bulk<'_>,
    ids: &[String],
    mut on_result: impl FnMut(usize, &Outcome),
) -> Outcomes {
    let mut outcomes = vec![Outcome::NotAttempted; ids.len()];
    let (mut kept, mut not_kept) = (0usize, 0);
    let mut results = futures::stream::iter(ids.iter().enumerate())
        .take_until(Box::pin(stopped(bulk.stop.clone())))
        .map(|(i, id)| async move { (i, update_one(bulk, id).await) })
        .buffer_unordered(bulk.concurrency.max(1));
    while let Some((i, mut outcome)) = results.next().await {
        on_result(i, &outcome);
        if let Outcome::Updated(p) = &mut outcome {
            kept += p.held();
            if kept > bulk.max_kept {
                *p = ConferenceParticipant {
                    id: Some(ids[i].clone()),
                    ..Default::default()
                };
                not_kept += 1;
            }
        }
        outcomes[i] = outcome;
    }
    Outcomes { outcomes, not_kept }
}

/// Resolves once the run is stopped (never, if it cannot be).
async fn stopped(mut stop: watch::Receiver<Option<Stop>>) {
    if stop.wait_for(Option::is_some).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One participant. It waits for its turn (the pacer's: a token of the
/// server's bucket, and no 429's pause), then sends. A 429 that outlasts
/// the client's retries pauses every start until the server's
/// `Retry-After` and the participant is tried again. Its waits on the rate
/// limit add up to at most `max_wait`: past that it fails, at once.
async fn update_one(bulk: &Bulk<'_>, id: &str) -> Outcome {
    let (pace, mut round, mut waited) = (bulk.pace, 0, Duration::ZERO);
    loop {
        let budget = bulk.max_wait.saturating_sub(waited);
        let turn = tokio::select! {
            turn = pace.turn(budget) => turn,
            _ = stopped(bulk.stop.clone()) => return Outcome::NotAttempted,
        };
        let turn = match turn {
            Ok((turn, w)) => {
                waited += w;
                turn
            }
            Err(wait) => return Outcome::Failed(too_long_to_wait(wait, budget)),
        };
        if bulk.stop.borrow().is_some() {
            return Outcome::NotAttempted;
        }
        bulk.in_flight.fetch_add(1, Ordering::SeqCst);
        let answer = turn
            .send(
                bulk.client
                    .update_participant(bulk.conference, id, &bulk.request),
            )
            .await;
        bulk.in_flight.fetch_sub(1, Ordering::SeqCst);
        drop(turn);
        (bulk.record)(id, &answer);
        let e = match answer {
            Ok(p) => return answered(id, p.data),
            Err(e) => e,
        };
        // a stopped run starts no request, a retry included
        if e.kind != ErrorKind::RateLimited || bulk.stop.borrow().is_some() {
            return Outcome::Failed(e.into());
        }
        if round >= RATE_LIMIT_ROUNDS {
            let message = format!("{e} (still rate limited after {RATE_LIMIT_ROUNDS} pauses)");
            return Outcome::Failed(Failure { error: e, message });
        }
        round += 1;
        let pause = e.retry_after.unwrap_or(DEFAULT_PAUSE);
        if waited + pause > bulk.max_wait {
            let message = format!(
                "{e} (the server asks to wait {}: more than the {} one participant may wait, rate_limit_max_wait)",
                seconds(pause),
                seconds(bulk.max_wait.saturating_sub(waited)),
            );
            return Outcome::Failed(Failure { error: e, message });
        }
        // the pause itself is waited for (and counted) at the next turn
        if pace.refused(e.retry_after) {
            (bulk.say)(&rate_limited(pause, e.retry_after.is_some()));
        }
    }
}

/// A participant whose turn, by the server's rate-limit headers, would come
/// after `wait`, more than the `budget` it may still wait: it fails unsent.
fn too_long_to_wait(wait: Duration, budget: Duration) -> Failure {
    let message = format!(
        "not sent: the server's rate limit (its x-ratelimit-* headers) would make it wait {}: more than the {} one participant may wait, rate_limit_max_wait",
        seconds(wait),
        seconds(budget),
    );
    Failure {
        error: ApiError::invalid_request(&message),
        message,
    }
}

/// The server's answer to the PATCH of `id`: updated when it carries that
/// participant, a failure otherwise (`200 {"data": {}}` updated nobody we
/// can name).
fn answered(id: &str, mut p: ConferenceParticipant) -> Outcome {
    let wrong = match p.id.as_deref().map(str::trim) {
        None | Some("") => Some("the answer does not carry the participant".to_string()),
        Some(got) if !got.eq_ignore_ascii_case(id) => Some(format!(
            "the answer is about another participant ({})",
            sanitize_line(got, 60)
        )),
        Some(_) => None,
    };
    match wrong {
        Some(why) => {
            let body = serde_json::to_vec(&p).unwrap_or_default();
            Outcome::Failed(ApiError::decode(200, &body, &why).into())
        }
        None => {
            p.id = Some(id.to_string());
            Outcome::Updated(p)
        }
    }
}

/// Stops the run on the first SIGINT or SIGTERM (what is in flight
/// finishes); a second one ends the process at once.
pub(super) fn listen_for_stop(
    stop: watch::Sender<Option<Stop>>,
    in_flight: Arc<AtomicUsize>,
    progress: ProgressBar,
    say: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<tokio::task::JoinHandle<()>, Error> {
    let mut signals = Signals::new().map_err(Error::Runtime)?;
    Ok(tokio::spawn(async move {
        let first = signals.next().await;
        stop.send_replace(Some(first));
        let n = in_flight.load(std::sync::atomic::Ordering::SeqCst);
        say(&format!(
            "confmod: interrupted ({}): finishing the {n} request(s) in flight, starting no more; again to stop at once",
            first.name
        ));
        let second = signals.next().await;
        progress.finish_and_clear();
        say(&format!(
            "confmod: stopped at once ({}): the requests in flight may or may not have been applied",
            second.name
        ));
        std::process::exit(second.exit_code.into());
    }))
}

/// SIGINT and SIGTERM.
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(unix)]
    async fn next(&mut self) -> Stop {
        tokio::select! {
            _ = self.int.recv() => SIGINT,
            _ = self.term.recv() => SIGTERM,
        }
    }

    #[cfg(not(unix))]
    fn new() -> io::Result<Self> {
        Ok(Signals {})
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> Stop {
        let _ = tokio::signal::ctrl_c().await;
        SIGINT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_the_participant_is_a_failure() {
        let none = ConferenceParticipant::default();
        let Outcome::Failed(f) = answered("p1", none) else {
            panic!("updated without an id");
        };
        assert!(
            f.message.contains("does not carry the participant"),
            "{}",
            f.message
        );
        let other = ConferenceParticipant {
            id: Some("p2".into()),
            ..Default::default()
        };
        assert!(matches!(answered("p1", other), Outcome::Failed(_)));
        let same = ConferenceParticipant {
            id: Some("P1".into()),
            ..Default::default()
        };
        let Outcome::Updated(p) = answered("p1", same) else {
            panic!("the same participant failed");
        };
        assert_eq!(p.id.as_deref(), Some("p1"));
    }
}
