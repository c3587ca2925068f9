//! The answers to single writes (one participant): the row, a toast, what
//! undoes it, what the error tells. Answers of a change to many go to its run.

use super::loading::poll_soon;
use super::model::{Ended, Level, Model, Outcome, Overlay, Plan, Undo, Write};
use super::msg::Effect;
use super::run;
use super::send::{
    describe, done_word, inverse, learn_from, names, patch_undo, take_pending, took_action,
    took_patch,
};
use crate::sanitize::sanitize_line;
use crate::telnyx::{
    ApiError, CommandResult, ConferenceId, ConferenceParticipant, ParticipantAction,
};

/// A single write failed: a sticky error, `✖` on its rows (until a write
/// to them succeeds), and what it tells.
fn write_failed(
    model: &mut Model,
    conference_id: &ConferenceId,
    about: &[String],
    what: &str,
    e: &ApiError,
) -> Vec<Effect> {
    let who = names(
        &about
            .iter()
            .map(|id| model.label_by_id(id))
            .collect::<Vec<_>>(),
    );
    let text = format!("{what} {who}: {e}");
    let now = model.now;
    for id in about {
        let failed = Outcome {
            ok: false,
            detail: Some(e.summary()),
            at: now,
        };
        model.outcomes.insert(id.clone(), failed);
    }
    match about {
        [one] => model.toast_about(one, Level::Error, text),
        _ => model.toast(Level::Error, text),
    }
    learn_from(model, conference_id, e)
}

pub(crate) fn patched(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    participant_id: &str,
    result: Result<ConferenceParticipant, ApiError>,
) -> Vec<Effect> {
    let Some(pending) = take_pending(model, participant_id, seq) else {
        return Vec::new();
    };
    let Write::Patch {
        update: sent,
        before,
    } = pending.write
    else {
        return Vec::new();
    };
    if pending.bulk {
        return run::patched(model, seq, participant_id, sent, before, result);
    }
    let form_waiting =
        matches!(&model.overlay, Some(Overlay::Form(f)) if f.submitting == Some(seq));
    match result {
        Ok(cp) => {
            let kept = took_patch(model, conference_id, participant_id, seq, &sent, &cp);
            if form_waiting {
                model.overlay = None;
            }
            let label = model.label_by_id(participant_id);
            if kept.is_empty() {
                model.toast_about(
                    participant_id,
                    Level::Success,
                    format!("saved {label}: {}", describe(&sent)),
                );
                // an undo acts on the conference open: only one of its own
                if model.conf.as_ref().map(|c| c.id) == Some(*conference_id) {
                    model.undo = Some(patch_undo(
                        format!("{} for {label}", describe(&sent)),
                        vec![(participant_id.to_string(), before)],
                        &sent,
                    ));
                }
            } else {
                // a 200 that did not take the change: say so, the row shows the server's values
                model.toast_about(
                    participant_id,
                    Level::Error,
                    format!(
                        "{label}: the server answered 200 but kept {}",
                        kept.join(", ")
                    ),
                );
            }
            Vec::new()
        }
        Err(e) => {
            if form_waiting && let Some(Overlay::Form(f)) = model.overlay.as_mut() {
                f.submitting = None;
            }
            let about = [participant_id.to_string()];
            write_failed(model, conference_id, &about, "could not update", &e)
        }
    }
}

pub(crate) fn action_done(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    participant_ids: &[String],
    action: ParticipantAction,
    result: Result<CommandResult, ApiError>,
) -> Vec<Effect> {
    let mut bulk = false;
    let mut answered = Vec::new();
    for id in participant_ids {
        if let Some(p) = take_pending(model, id, seq) {
            bulk |= p.bulk;
            answered.push(id.clone());
        }
    }
    if answered.is_empty() {
        return Vec::new();
    }
    if bulk {
        return run::acted(model, seq, conference_id, &answered, action, result);
    }
    let who = names(
        &answered
            .iter()
            .map(|id| model.label_by_id(id))
            .collect::<Vec<_>>(),
    );
    match result {
        Ok(answer) => {
            took_action(model, conference_id, seq, action, &answered);
            let done = done_word(action);
            let (level, text) = if answer.result == "ok" {
                (Level::Success, format!("{done} {who}"))
            } else {
                // honest about an answer that is not the usual one
                let said = sanitize_line(&answer.result, 40);
                (
                    Level::Info,
                    format!("{done} {who}: the server answered \"{said}\""),
                )
            };
            match answered.as_slice() {
                [one] => model.toast_about(&one.clone(), level, text),
                _ => model.toast(level, text),
            }
            let here = model.conf.as_ref().map(|c| c.id) == Some(*conference_id);
            let undo = Undo {
                what: format!("{} {who}", action.as_str()),
                plan: Plan::Act {
                    what: format!("undo: {} {who}", inverse(action).as_str()),
                    action: inverse(action),
                    targets: answered,
                },
                caveat: None,
            };
            // an undo acts on the conference open: only one of its own
            if here {
                model.undo = Some(undo);
            }
            // the API answers only a result: confirm with a refresh
            if model.conf_mut(conference_id).is_some() {
                poll_soon(model)
            } else {
                Vec::new()
            }
        }
        Err(e) => write_failed(
            model,
            conference_id,
            &answered,
            &format!("could not {}", action.as_str()),
            &e,
        ),
    }
}

/// The answer to ending the conference.
pub(crate) fn ended(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    result: Result<CommandResult, ApiError>,
) -> Vec<Effect> {
    if model.ending != Some(seq) {
        return Vec::new();
    }
    model.ending = None;
    match result {
        Ok(_) => {
            model.toast(Level::Success, "ended the conference for everyone");
            let reload = model.next_seq();
            let now = model.now;
            let Some(conf) = model.conf_mut(conference_id) else {
                return Vec::new();
            };
            conf.ended = Some(Ended {
                reason: Some(crate::telnyx::EndReason::EndedViaApi),
                at: Some(now),
            });
            conf.conference_seq = Some(reload);
            let mut effects = vec![Effect::LoadConference {
                seq: reload,
                conference_id: *conference_id,
            }];
            effects.extend(poll_soon(model));
            effects
        }
        Err(e) => {
            model.toast(Level::Error, format!("could not end the conference: {e}"));
            learn_from(model, conference_id, &e)
        }
    }
}
