//! Sending a plan: one participant directly, many as a run of requests: PATCHes one per participant, or
//! action requests of up to 100 calls, at most `concurrency` in flight and
//! paced by the server's rate limit (its `x-ratelimit-*` headers, a 429's
//! `Retry-After`). Every participant ends done, failed (with its error, for
//! `R` to retry) or skipped (it left meanwhile, named); nothing is dropped.

use std::collections::{HashMap, HashSet};

use super::loading::poll_soon;
use super::model::{Job, Level, Model, Outcome, Plan, Run, TOAST_TTL, Undo};
use super::msg::Effect;
use super::send::{
    action_jobs, before, inverse, learn_from, names, patch_undo, request, send_single, subject,
    took_action, took_patch, without_in_flight,
};
use crate::telnyx::{
    ApiError, CommandResult, ConferenceId, ConferenceParticipant, ErrorKind, Pacer,
    ParticipantAction, RateLimit, UpdateParticipant,
};

/// A job answered 429 after the client's own retries goes back to the
/// queue at most this many times.
const MAX_REQUEUES: u32 = 5;

fn participants(job: &Job) -> Vec<String> {
    job.participant_ids().to_vec()
}

/// Sends a plan: one participant directly (its answer is a toast and the
/// row), many as a paced run.
pub(crate) fn execute(model: &mut Model, plan: Plan) -> Vec<Effect> {
    let Some(conference_id) = model.conf.as_ref().map(|c| c.id) else {
        return Vec::new();
    };
    let Some(plan) = without_in_flight(model, plan) else {
        return Vec::new();
    };
    match plan {
        Plan::End => {
            let seq = model.next_seq();
            model.ending = Some(seq);
            vec![Effect::End {
                seq,
                conference_id,
                subject: subject(model, &[]),
            }]
        }
        Plan::Patch { what, targets } => {
            // those who left meanwhile (an undo, a confirmation answered
            // late) are skipped and named, as for an action
            let (targets, left): (Vec<_>, Vec<_>) = targets.into_iter().partition(|(id, _)| {
                (model.conf.as_ref())
                    .and_then(|c| c.row(id))
                    .is_some_and(|r| r.is_present())
            });
            let left: Vec<String> = left.iter().map(|(id, _)| model.label_by_id(id)).collect();
            say_skipped(model, &left);
            let jobs: Vec<Job> = targets
                .into_iter()
                .map(|(participant_id, update)| {
                    let before = before(model, &participant_id, &update);
                    Job::Patch {
                        participant_id,
                        update,
                        before,
                    }
                })
                .collect();
            match <[Job; 1]>::try_from(jobs) {
                Ok([job]) => send_single(model, conference_id, job),
                Err(jobs) => start(model, what, jobs),
            }
        }
        Plan::Act {
            what,
            action,
            targets,
        } => {
            let (jobs, skipped) = action_jobs(model, action, targets);
            say_skipped(model, &skipped);
            let mut jobs = jobs;
            match jobs.as_slice() {
                [] => Vec::new(),
                [Job::Act { participants, .. }] if participants.len() == 1 => {
                    let job = jobs.remove(0);
                    send_single(model, conference_id, job)
                }
                _ => start(model, what, jobs),
            }
        }
    }
}

/// Names those a plan skipped because they left (when any did).
fn say_skipped(model: &mut Model, skipped: &[String]) {
    if !skipped.is_empty() {
        model.toast(
            Level::Info,
            format!("skipped {} who left: {}", skipped.len(), names(skipped)),
        );
    }
}

/// Starts a run of `jobs` (refused while another one is out).
pub(crate) fn start(model: &mut Model, what: String, jobs: Vec<Job>) -> Vec<Effect> {
    if model.run.as_ref().is_some_and(Run::running) {
        model.toast(
            Level::Info,
            "a change to many is in progress: wait for it to finish",
        );
        return Vec::new();
    }
    let Some(conference_id) = model.conf.as_ref().map(|c| c.id) else {
        return Vec::new();
    };
    let total = jobs.iter().map(|j| participants(j).len()).sum();
    model.outcomes.clear();
    model.run = Some(Run {
        conference_id,
        what,
        queue: jobs.into(),
        in_flight: HashMap::new(),
        total,
        done: 0,
        failed: Vec::new(),
        skipped: Vec::new(),
        stalled: Vec::new(),
        stalled_since: 0,
        cancelled: 0,
        succeeded: Vec::new(),
        pacer: Pacer::new(model.ctx.concurrency),
        origin: model.now,
        finished_at: None,
        requeues: HashMap::new(),
    });
    pump(model)
}

/// Starts every request the pacer allows now, to the run's conference
/// (while it is the one open).
pub(crate) fn pump(model: &mut Model) -> Vec<Effect> {
    let Some(conference_id) = model.run.as_ref().map(|r| r.conference_id) else {
        return Vec::new();
    };
    if model.conf.as_ref().map(|c| c.id) != Some(conference_id) {
        return Vec::new();
    }
    let mut effects = Vec::new();
    loop {
        let now = model.now;
        let Some(run) = model.run.as_mut() else {
            break;
        };
        let clock = run.clock(now);
        if !run.pacer.ready(clock) {
            break;
        }
        let Some(job) = run.queue.pop_front() else {
            break;
        };
        run.pacer.started(clock);
        model.seq += 1;
        let seq = model.seq;
        let effect = request(model, conference_id, seq, &job, true);
        if let Some(run) = model.run.as_mut() {
            run.in_flight.insert(seq, job);
        }
        effects.push(effect);
    }
    effects
}

/// What the server said of its rate limit, at any answer.
pub(crate) fn observe(model: &mut Model, rate: RateLimit) -> Vec<Effect> {
    let now = model.now;
    match model.run.as_mut().filter(|r| r.running()) {
        Some(run) => {
            let clock = run.clock(now);
            run.pacer.observe(clock, rate);
            pump(model)
        }
        None => Vec::new(),
    }
}

/// Takes the job of an answer; `None` for an answer the run does not know.
fn answered(model: &mut Model, seq: u64) -> Option<Job> {
    let run = model.run.as_mut()?;
    let job = run.in_flight.remove(&seq)?;
    run.pacer.finished();
    Some(job)
}

/// A 429 that outlasted the client's retries: the job goes back to the
/// front of the queue and every start waits; `false` when it has been
/// back too often.
fn requeue_rate_limited(model: &mut Model, job: &Job, e: &ApiError) -> bool {
    let now = model.now;
    let Some(run) = model.run.as_mut() else {
        return false;
    };
    let tries = run.requeues.entry(participants(job).join(",")).or_insert(0);
    *tries += 1;
    if *tries > MAX_REQUEUES {
        return false;
    }
    let clock = run.clock(now);
    // a server's wait is honoured up to a minute, as for a refresh
    let wait = e.retry_after.map(|w| w.min(super::loading::MAX_INTERVAL));
    run.pacer.refused(clock, wait);
    run.queue.push_front(job.clone());
    true
}

fn failed(model: &mut Model, job: Job, e: ApiError) {
    let now = model.now;
    for id in participants(&job) {
        model.outcomes.insert(
            id,
            Outcome {
                ok: false,
                detail: Some(e.summary()),
                at: now,
            },
        );
    }
    if let Some(run) = model.run.as_mut() {
        run.failed.push((job, e));
    }
}

pub(crate) fn patched(
    model: &mut Model,
    seq: u64,
    participant_id: &str,
    sent: UpdateParticipant,
    before: UpdateParticipant,
    result: Result<ConferenceParticipant, ApiError>,
) -> Vec<Effect> {
    let Some(conference_id) = model.run.as_ref().map(|r| r.conference_id) else {
        return Vec::new();
    };
    let Some(job) = answered(model, seq) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    match result {
        Ok(cp) => {
            let kept = took_patch(model, &conference_id, participant_id, seq, &sent, &cp);
            if kept.is_empty() {
                if let Some(run) = model.run.as_mut() {
                    run.done += 1;
                    run.succeeded.push(Job::Patch {
                        participant_id: participant_id.to_string(),
                        update: sent,
                        before,
                    });
                }
            } else {
                let why = format!("the server answered 200 but kept {}", kept.join(", "));
                failed(model, job, ApiError::decode(200, b"", &why));
            }
        }
        Err(e) if e.kind == ErrorKind::RateLimited && requeue_rate_limited(model, &job, &e) => {}
        Err(e) => {
            effects.extend(learn_from(model, &conference_id, &e));
            stop_if_ended(model, &e);
            failed(model, job, e);
        }
    }
    effects.extend(pump(model));
    effects.extend(finish_if_done(model));
    effects
}

pub(crate) fn acted(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    participant_ids: &[String],
    action: ParticipantAction,
    result: Result<CommandResult, ApiError>,
) -> Vec<Effect> {
    let Some(job) = answered(model, seq) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    match result {
        Ok(_) => {
            took_action(model, conference_id, seq, action, participant_ids);
            if let Some(run) = model.run.as_mut() {
                run.done += participant_ids.len();
                run.succeeded.push(job);
            }
        }
        Err(e) if e.kind == ErrorKind::RateLimited && requeue_rate_limited(model, &job, &e) => {}
        // someone in the list left meanwhile: after the next refresh, the
        // chunk goes again without them (once)
        Err(e)
            if e.kind == ErrorKind::CallEnded && matches!(job, Job::Act { resent: false, .. }) =>
        {
            let since = model.seq;
            if let Some(run) = model.run.as_mut() {
                run.stalled.push(job);
                run.stalled_since = since;
            }
            effects.extend(poll_soon(model));
        }
        Err(e) => {
            effects.extend(learn_from(model, conference_id, &e));
            stop_if_ended(model, &e);
            failed(model, job, e);
        }
    }
    effects.extend(pump(model));
    effects.extend(finish_if_done(model));
    effects
}

/// The conference ended: nothing more can succeed; what was not sent fails
/// with the same error.
fn stop_if_ended(model: &mut Model, e: &ApiError) {
    if e.kind != ErrorKind::ConferenceEnded {
        return;
    }
    let Some(run) = model.run.as_mut() else {
        return;
    };
    let rest: Vec<Job> = run.queue.drain(..).chain(run.stalled.drain(..)).collect();
    for job in rest {
        failed(model, job, e.clone());
    }
}

/// After a fresh listing (`seq`, accepted and successful): stalled action
/// chunks go again, without those who left meanwhile (they are skipped,
/// and named). A listing asked for before the chunk was refused may not
/// show who left: another is asked for.
pub(crate) fn after_listing(
    model: &mut Model,
    conference_id: &ConferenceId,
    seq: u64,
) -> Vec<Effect> {
    let stalled = match model.run.as_mut() {
        Some(run) if !run.stalled.is_empty() && run.conference_id == *conference_id => {
            if seq <= run.stalled_since {
                return poll_soon(model);
            }
            std::mem::take(&mut run.stalled)
        }
        _ => return Vec::new(),
    };
    let mut skipped_names = Vec::new();
    let mut resend = Vec::new();
    for job in stalled {
        let Job::Act {
            action,
            participants,
            ..
        } = job
        else {
            continue;
        };
        let (jobs, skipped) = action_jobs(model, action, participants);
        skipped_names.extend(skipped);
        resend.extend(jobs.into_iter().map(|mut j| {
            if let Job::Act { resent, .. } = &mut j {
                *resent = true;
            }
            j
        }));
    }
    if let Some(run) = model.run.as_mut() {
        // done + failed + skipped make the total
        run.skipped.extend(skipped_names);
        for job in resend.into_iter().rev() {
            run.queue.push_front(job);
        }
    }
    let mut effects = pump(model);
    effects.extend(finish_if_done(model));
    effects
}

/// Called when nothing is left: the summary, the undo of what succeeded,
/// and a refresh to confirm.
fn finish_if_done(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    let Some(run) = model.run.as_mut() else {
        return Vec::new();
    };
    if run.running() || run.finished_at.is_some() {
        return Vec::new();
    }
    run.finished_at = Some(now);
    let (what, done, total, nfailed) = (run.what.clone(), run.done, run.total, run.failed.len());
    let skipped = run.skipped.clone();
    let succeeded = std::mem::take(&mut run.succeeded);
    let mut text = format!("{what}: {done} of {total} done");
    if nfailed > 0 {
        let people: usize = run.failed.iter().map(|(j, _)| participants(j).len()).sum();
        text.push_str(&format!(", {people} failed (R retries them)"));
    }
    if !skipped.is_empty() {
        text.push_str(&format!(
            ", skipped {} who left: {}",
            skipped.len(),
            names(&skipped)
        ));
    }
    if run.cancelled > 0 {
        text.push_str(&format!(", {} not sent", run.cancelled));
    }
    let here = model.conf.as_ref().map(|c| c.id) == Some(run.conference_id);
    model.toast(
        if nfailed > 0 {
            Level::Error
        } else {
            Level::Success
        },
        text,
    );
    // an undo acts on the conference open: only one of this run's
    if here {
        model.undo = undo_of(&what, succeeded);
        poll_soon(model)
    } else {
        Vec::new()
    }
}

/// The undo of what a run did.
fn undo_of(what: &str, succeeded: Vec<Job>) -> Option<Undo> {
    let mut befores = Vec::new();
    let mut sent: Option<UpdateParticipant> = None;
    let mut acts: HashMap<ParticipantAction, Vec<String>> = HashMap::new();
    for job in succeeded {
        match job {
            Job::Patch {
                participant_id,
                update,
                before,
            } => {
                sent.get_or_insert(update);
                befores.push((participant_id, before));
            }
            Job::Act {
                action, changes, ..
            } => acts.entry(action).or_default().extend(changes),
        }
    }
    if let Some(sent) = sent {
        return Some(patch_undo(what.to_string(), befores, &sent));
    }
    let (action, targets) = acts.into_iter().find(|(_, t)| !t.is_empty())?;
    let n = targets.iter().collect::<HashSet<_>>().len();
    Some(Undo {
        what: what.to_string(),
        plan: Plan::Act {
            what: format!("undo: {} {n}", inverse(action).as_str()),
            action: inverse(action),
            targets,
        },
        caveat: None,
    })
}

/// A run that finished with nothing failed leaves the screen after a while
/// (one with failures stays, for `R`).
pub(crate) fn tick(model: &mut Model) -> Vec<Effect> {
    let now = model.now;
    let done = model.run.as_ref().is_some_and(|r| {
        r.failed.is_empty() && r.finished_at.is_some_and(|at| at + TOAST_TTL <= now)
    });
    if done {
        model.run = None;
    }
    pump(model)
}

/// The operator leaves the run's conference: what waits is not sent (and
/// counted so); answers on their way still count. A finished run goes.
pub(crate) fn leave(model: &mut Model) {
    // an undo acts on the conference open: not on the next one; the marks
    // of what became of each write are of its rows only
    model.undo = None;
    model.outcomes.clear();
    let Some(run) = model.run.as_mut() else {
        return;
    };
    let waiting: Vec<Job> = run.queue.drain(..).chain(run.stalled.drain(..)).collect();
    let cancelled: usize = waiting.iter().map(|j| participants(j).len()).sum();
    run.cancelled += cancelled;
    let what = run.what.clone();
    if run.in_flight.is_empty() {
        model.run = None;
    }
    if cancelled > 0 {
        model.toast(
            Level::Info,
            format!("{what}: stopped, {cancelled} not sent (you left the conference)"),
        );
    }
}

/// `R`: the failed of the last run, again.
pub(crate) fn retry_failed(model: &mut Model) -> Vec<Effect> {
    let open = model.conf.as_ref().map(|c| c.id);
    let Some(run) = model.run.as_mut().filter(|r| Some(r.conference_id) == open) else {
        model.toast(Level::Info, "nothing failed");
        return Vec::new();
    };
    if run.running() {
        model.toast(Level::Info, "the change is still running");
        return Vec::new();
    }
    if run.failed.is_empty() {
        model.toast(Level::Info, "nothing failed");
        return Vec::new();
    }
    let what = format!("retry: {}", run.what.trim_start_matches("retry: "));
    let jobs: Vec<Job> = std::mem::take(&mut run.failed)
        .into_iter()
        .map(|(job, _)| job)
        .collect();
    start(model, what, jobs)
}
