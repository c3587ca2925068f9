//! Live moderation at scale, as `update` tables: finding people (search,
//! quick filters, order), marks, changes to many (paced runs, partial
//! failure, retry), conference-wide actions, ending the conference, undo,
//! copy, and keys that never surprise.

mod common;

use std::time::Duration;

use common::console::*;
use confmod::app::{
    ACTION_CHUNK, CONFIRM_OVER, Effect, Label, Level, Model, Msg, Overlay, Quick, Sort, end_word,
    update,
};
use confmod::telnyx::{
    ApiError, BeepEnabled, CommandResult, ConferenceParticipant, Participant, ParticipantAction,
    ParticipantStatus, RateLimit, UpdateParticipant,
};
use crossterm::event::KeyCode;

// ---- helpers ----------------------------------------------------------------------

fn labelled(m: &mut Model, labels: &[(&str, &str)]) {
    for (id, label) in labels {
        m.labels
            .insert(id.to_string(), Label::Known(label.to_string()));
    }
}

/// The ids shown, in order.
fn shown(m: &Model) -> Vec<String> {
    let conf = m.conf.as_ref().unwrap();
    conf.shown
        .iter()
        .map(|&i| conf.rows[i].p.id.clone())
        .collect()
}

fn typed(m: &mut Model, text: &str) -> Vec<Effect> {
    send(m, text.chars().map(ch))
}

/// A write reaching the API: a PATCH, an action or ending the conference.
fn is_write(e: &Effect) -> bool {
    matches!(
        e,
        Effect::Patch { .. } | Effect::Action { .. } | Effect::End { .. }
    )
}

fn patches(effects: &[Effect]) -> Vec<(u64, String, UpdateParticipant)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Patch {
                seq,
                participant_id,
                update,
                ..
            } => Some((*seq, participant_id.clone(), *update)),
            _ => None,
        })
        .collect()
}

fn actions(effects: &[Effect]) -> Vec<(u64, ParticipantAction, Vec<String>, Vec<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Action {
                seq,
                action,
                participant_ids,
                call_control_ids,
                ..
            } => Some((
                *seq,
                *action,
                participant_ids.clone(),
                call_control_ids.as_slice().to_vec(),
            )),
            _ => None,
        })
        .collect()
}

fn saved(seq: u64, id: &str, update: &UpdateParticipant) -> Msg {
    patched(
        seq,
        id,
        Ok(ConferenceParticipant {
            id: Some(id.into()),
            end_conference_on_exit: update.end_conference_on_exit,
            soft_end_conference_on_exit: update.soft_end_conference_on_exit,
            ..Default::default()
        }),
    )
}

fn acted(
    seq: u64,
    action: ParticipantAction,
    ids: Vec<String>,
    result: Result<(), ApiError>,
) -> Msg {
    Msg::ActionDone {
        seq,
        conference_id: conf(),
        participant_ids: ids,
        action,
        result: result.map(|()| CommandResult {
            result: "ok".into(),
        }),
    }
}

fn marks(m: &Model) -> Vec<String> {
    let mut v: Vec<String> = m.conf.as_ref().unwrap().marks.iter().cloned().collect();
    v.sort();
    v
}

fn refreshed(m: &mut Model, items: Vec<Participant>) -> Vec<Effect> {
    let seq = poll_seq(&update(m, ch('r')));
    update(m, listed(seq, items))
}

/// `people(n)` with every third muted.
fn some_muted(n: usize) -> Vec<Participant> {
    let mut items = people(n);
    for (i, p) in items.iter_mut().enumerate() {
        p.muted = i % 3 == 0;
    }
    items
}

/// A listing arriving by itself (the refresh timer), whatever is open.
fn polled(m: &mut Model, items: Vec<Participant>) {
    let due = m.now + Duration::from_secs(2);
    let seq = poll_seq(&update(m, Msg::Tick(due)));
    update(m, listed(seq, items));
}

fn table_of(items: Vec<Participant>) -> Model {
    let mut m = table(0);
    refreshed(&mut m, items);
    m
}

// ---- find ----------------------------------------------------------------------

#[test]
fn a_search_matches_label_id_and_call_control_id_ignoring_case() {
    let mut m = table(6);
    labelled(
        &mut m,
        &[
            ("p0", "Ava Thompson"),
            ("p1", "Niamh Walsh"),
            ("p2", "NIAMH O'Brien"),
        ],
    );
    assert!(update(&mut m, ch('/')).is_empty());
    assert!(m.conf.as_ref().unwrap().find.typing);
    typed(&mut m, "niamh");
    assert_eq!(shown(&m), ["p1", "p2"]);
    // the selection goes to the first match
    assert_eq!(selected_id(&m), "p1");
    // by call_control_id and by id
    send(&mut m, std::iter::repeat_n(key(KeyCode::Backspace), 5));
    typed(&mut m, "CALL4");
    assert_eq!(shown(&m), ["p4"]);
    send(&mut m, std::iter::repeat_n(key(KeyCode::Backspace), 5));
    typed(&mut m, "p5");
    assert_eq!(shown(&m), ["p5"]);
    // Enter keeps the filter (the line closes), Esc in the line clears it
    update(&mut m, key(KeyCode::Enter));
    let conf = m.conf.as_ref().unwrap();
    assert!(!conf.find.typing && conf.find.search.value() == "p5");
    assert_eq!(shown(&m), ["p5"]);
    update(&mut m, ch('/'));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(shown(&m).len(), 6);
}

#[test]
fn while_the_search_line_is_open_every_printable_key_is_text() {
    let mut m = table(5);
    labelled(&mut m, &[("p1", "Emma Stone")]);
    update(&mut m, ch('/'));
    // the keys that act on a participant elsewhere: all typed
    let effects = typed(&mut m, "mo qMUEuyY aA Rjk?0123456s");
    assert!(
        effects.iter().all(|e| !is_write(e) && *e != Effect::Quit),
        "{effects:?}"
    );
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.find.search.value(), "mo qMUEuyY aA Rjk?0123456s");
    assert!(conf.marks.is_empty() && m.overlay.is_none() && m.pending.is_empty());
    // Ctrl-C still quits from the line
    assert_eq!(update(&mut m, ctrl_c()), vec![Effect::Quit]);
}

#[test]
fn a_search_asks_for_the_labels_it_needs_beyond_the_screen() {
    // 100 rows, 35 on screen: a search looks everyone's label up, a few at a time
    let mut m = table(100);
    let mut asked: Vec<String> = Vec::new();
    let answers = |m: &mut Model, effects: Vec<Effect>, asked: &mut Vec<String>| {
        let mut next = Vec::new();
        for e in effects {
            if let Effect::LoadLabel { participant_id, .. } = e {
                asked.push(participant_id.clone());
                let label = format!("Person {participant_id}");
                next.extend(update(
                    m,
                    Msg::LabelLoaded {
                        conference_id: conf(),
                        participant_id,
                        result: Ok(Some(label)),
                    },
                ));
            }
        }
        next
    };
    // the labels of the screen first
    let mut pending: Vec<Effect> = Vec::new();
    for id in m.labels.keys().cloned().collect::<Vec<_>>() {
        pending.push(Effect::LoadLabel {
            conference_id: conf(),
            participant_id: id,
        });
    }
    while !pending.is_empty() {
        pending = answers(&mut m, pending, &mut asked);
    }
    assert_eq!(asked.len(), 35, "only the rows on screen without a search");
    let mut effects = update(&mut m, ch('/'));
    effects.extend(typed(&mut m, "person p9"));
    while !effects.is_empty() {
        effects = answers(&mut m, effects, &mut asked);
    }
    assert_eq!(asked.len(), 100, "every label, each asked once");
    // p9 and p90..p99
    assert_eq!(shown(&m).len(), 11);
    // the header's count of labels known, kept as they came
    assert_eq!(m.conf.as_ref().unwrap().labels_known, 100);
}

#[test]
fn quick_filters_show_one_kind_and_the_same_key_shows_everyone_again() {
    let mut items = some_muted(9);
    items[1].on_hold = true;
    items[2].status = ParticipantStatus::Joining;
    items[4].status = ParticipantStatus::Left;
    let mut m = table_of(items);
    let expect = [
        ('1', Quick::Muted, vec!["p0", "p3", "p6"]),
        ('2', Quick::Unmuted, vec!["p1", "p2", "p5", "p7", "p8"]),
        ('3', Quick::OnHold, vec!["p1"]),
        ('4', Quick::Joining, vec!["p2"]),
        ('5', Quick::Left, vec!["p4"]),
    ];
    for (k, quick, ids) in expect {
        update(&mut m, ch(k));
        assert_eq!(m.conf.as_ref().unwrap().find.quick, quick);
        assert_eq!(shown(&m), ids, "{k}");
    }
    update(&mut m, ch('5'));
    assert_eq!(m.conf.as_ref().unwrap().find.quick, Quick::All);
    assert_eq!(shown(&m).len(), 9);
    // marked
    send(
        &mut m,
        [ch('g'), ch(' '), ch('j'), ch('j'), ch(' '), ch('6')],
    );
    assert_eq!(shown(&m), ["p0", "p2"]);
    update(&mut m, ch('0'));
    assert_eq!(shown(&m).len(), 9);
}

#[test]
fn s_cycles_the_orders_and_each_sorts_as_it_says() {
    let mut items = people(4);
    items[0].status = ParticipantStatus::Left;
    items[1].muted = true;
    items[2].status = ParticipantStatus::Joining;
    items[3].muted = true;
    // joined order: p3 earliest
    for (i, p) in items.iter_mut().enumerate() {
        p.created_at = format!("2026-11-30T09:5{}:00.000Z", 9 - i);
    }
    let mut m = table_of(items);
    labelled(
        &mut m,
        &[("p0", "Zed"), ("p1", "amy"), ("p2", "Bob"), ("p3", "carl")],
    );
    assert_eq!(shown(&m), ["p3", "p2", "p1", "p0"], "joined");
    let orders = [
        (Sort::Label, vec!["p1", "p2", "p3", "p0"]),
        (Sort::Status, vec!["p2", "p1", "p3", "p0"]),
        (Sort::MutedFirst, vec!["p1", "p3", "p0", "p2"]),
        (Sort::Joined, vec!["p3", "p2", "p1", "p0"]),
    ];
    for (sort, ids) in orders {
        update(&mut m, ch('s'));
        assert_eq!(m.conf.as_ref().unwrap().find.sort, sort);
        assert_eq!(shown(&m), ids, "{sort:?}");
    }
}

#[test]
fn the_selection_stays_on_its_participant_when_a_refresh_reorders_the_shown() {
    let mut m = table_of(some_muted(6));
    update(&mut m, ch('2')); // unmuted: p1 p2 p4 p5
    send(&mut m, [ch('j'), ch('j')]);
    assert_eq!(selected_id(&m), "p4");
    // p4 is muted by someone else: the row stays shown (pinned) until moving
    let mut items = some_muted(6);
    items[4].muted = true;
    refreshed(&mut m, items);
    assert_eq!(selected_id(&m), "p4");
    assert_eq!(shown(&m), ["p1", "p2", "p4", "p5"]);
    update(&mut m, ch('j'));
    assert_eq!(selected_id(&m), "p5");
    assert_eq!(shown(&m), ["p1", "p2", "p5"]);
}

#[test]
fn jumps_go_to_the_next_unmuted_and_the_next_joining() {
    let mut items = some_muted(7);
    items[5].status = ParticipantStatus::Joining;
    let mut m = table_of(items);
    update(&mut m, ch('n'));
    assert_eq!(selected_id(&m), "p1");
    update(&mut m, ch('n'));
    assert_eq!(selected_id(&m), "p2");
    update(&mut m, ch('J'));
    assert_eq!(selected_id(&m), "p5");
    update(&mut m, ch('J'));
    assert_eq!(selected_id(&m), "p5", "the only one: it wraps to itself");
    let mut quiet = table_of(some_muted(1));
    update(&mut quiet, ch('J'));
    assert!(has_toast(
        &quiet,
        Level::Info,
        "no joining participant shown"
    ));
}

// ---- marks ---------------------------------------------------------------------

#[test]
fn marks_follow_participants_across_refreshes_and_leavers_are_unmarked_with_a_notice() {
    let mut m = table(6);
    labelled(&mut m, &[("p2", "Ava")]);
    send(&mut m, [ch('j'), ch(' '), ch('j'), ch(' ')]);
    assert_eq!(marks(&m), ["p1", "p2"]);
    // the list comes back in another order: the marks stay on the same people
    let mut items = people(6);
    items.reverse();
    refreshed(&mut m, items);
    assert_eq!(marks(&m), ["p1", "p2"]);
    // Ava leaves: unmarked, and said
    let mut items = people(6);
    items[2].status = ParticipantStatus::Left;
    refreshed(&mut m, items);
    assert_eq!(marks(&m), ["p1"]);
    assert!(has_toast(&m, Level::Info, "Ava left: unmarked"));
    // a marks everyone shown (present ones), A clears, Esc clears too
    update(&mut m, ch('a'));
    assert_eq!(marks(&m).len(), 5);
    update(&mut m, ch('A'));
    assert!(marks(&m).is_empty());
    send(&mut m, [ch('g'), ch(' ')]);
    assert_eq!(marks(&m), ["p0"]);
    update(&mut m, key(KeyCode::Esc));
    assert!(marks(&m).is_empty());
    assert!(
        m.conf.is_some(),
        "Esc with marks clears them, it does not leave"
    );
}

// ---- changes to many ------------------------------------------------------------

/// Marks the first `n` rows (present ones) with `a` under a filter of ids.
fn mark_first(m: &mut Model, n: usize) {
    for _ in 0..n {
        send(m, [ch(' '), ch('j')]);
    }
}

/// Enter, beep_enabled to `never` (third field, Right twice), Enter.
fn bulk_beep_never(m: &mut Model) -> Vec<Effect> {
    send(
        m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Right),
            key(KeyCode::Right),
            key(KeyCode::Enter),
        ],
    )
}

#[test]
fn enter_with_marks_edits_them_all_and_a_failure_can_be_retried() {
    let mut m = table(10);
    mark_first(&mut m, 3);
    update(&mut m, key(KeyCode::Enter));
    let Some(Overlay::Form(form)) = &m.overlay else {
        panic!("no form")
    };
    assert_eq!(form.targets, ["p0", "p1", "p2"]);
    update(&mut m, key(KeyCode::Esc));
    let effects = bulk_beep_never(&mut m);
    let sent = patches(&effects);
    assert_eq!(sent.len(), 3, "{effects:?}");
    assert!(
        m.overlay.is_none(),
        "a bulk form closes: the run line shows progress"
    );
    let never = UpdateParticipant {
        beep_enabled: Some(BeepEnabled::Never),
        ..Default::default()
    };
    assert!(sent.iter().all(|(_, _, u)| *u == never));
    let run = m.run.as_ref().unwrap();
    assert_eq!((run.total, run.done), (3, 0));
    // two saved, one refused
    update(&mut m, saved(sent[0].0, &sent[0].1, &never));
    update(&mut m, saved(sent[2].0, &sent[2].1, &never));
    let refused = api_error(422, "90018", "Call has already ended", "");
    update(&mut m, patched(sent[1].0, &sent[1].1, Err(refused)));
    let run = m.run.as_ref().unwrap();
    assert_eq!((run.done, run.failed.len()), (2, 1));
    assert!(!run.running());
    assert!(has_toast(
        &m,
        Level::Error,
        "2 of 3 done, 1 failed (R retries them)"
    ));
    assert_eq!(m.outcomes.get("p1").map(|o| o.ok), Some(false));
    assert_eq!(m.beeps.get("p0"), Some(&BeepEnabled::Never));
    // R: only the failed one again
    let retry = patches(&update(&mut m, ch('R')));
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].1, "p1");
    update(&mut m, saved(retry[0].0, "p1", &never));
    let run = m.run.as_ref().unwrap();
    assert_eq!((run.done, run.failed.len(), run.running()), (1, 0, false));
    assert_eq!(m.beeps.get("p1"), Some(&BeepEnabled::Never));
}

#[test]
fn a_run_keeps_at_most_concurrency_in_flight_and_waits_for_the_rate_limit() {
    let mut m = table(6);
    m.ctx.concurrency = 2;
    update(&mut m, ch('a'));
    let sent = patches(&bulk_beep_never(&mut m));
    assert_eq!(sent.len(), 2, "two at a time");
    let never = UpdateParticipant {
        beep_enabled: Some(BeepEnabled::Never),
        ..Default::default()
    };
    // the server says its bucket is empty: 10 a second, none left
    update(
        &mut m,
        Msg::RateLimit(RateLimit {
            limit: 10,
            remaining: 0,
            reset: Duration::from_secs(1),
        }),
    );
    let next = update(&mut m, saved(sent[0].0, &sent[0].1, &never));
    assert!(patches(&next).is_empty(), "held until a token is back");
    let due = m.next_deadline().expect("a wake for the held request");
    assert!(due <= T0 + Duration::from_millis(250), "{due}");
    // the other request in flight may not have reached the server: two
    // tokens to wait for, at 10 a second
    let early = update(&mut m, Msg::Tick(T0 + Duration::from_millis(150)));
    assert!(patches(&early).is_empty(), "one token is not enough");
    let later = update(&mut m, Msg::Tick(T0 + Duration::from_millis(250)));
    assert_eq!(patches(&later).len(), 1);
    // a 429 that outlasted the client's retries: back in the queue, not failed
    let limited = ApiError::from_response(429, b"", Some(Duration::from_millis(500)));
    let again = update(
        &mut m,
        patched(patches(&later)[0].0, &patches(&later)[0].1, Err(limited)),
    );
    assert!(patches(&again).is_empty());
    let run = m.run.as_ref().unwrap();
    assert!(run.failed.is_empty() && run.queue.len() == 4, "{run:?}");
}

#[test]
fn a_run_told_to_wait_an_hour_waits_a_minute_at_most() {
    let mut m = table(6);
    m.ctx.concurrency = 2;
    update(&mut m, ch('a'));
    let sent = patches(&bulk_beep_never(&mut m));
    let hour = ApiError::from_response(429, b"", Some(Duration::from_secs(3600)));
    let again = update(&mut m, patched(sent[0].0, &sent[0].1, Err(hour)));
    assert!(patches(&again).is_empty(), "held");
    let due = m.next_deadline().expect("a wake for the held run");
    assert!(due <= T0 + Duration::from_secs(60), "{due}");
    let later = update(&mut m, Msg::Tick(T0 + Duration::from_secs(60)));
    assert!(!patches(&later).is_empty(), "started again after a minute");
}

#[test]
fn a_conference_that_ends_during_a_change_to_many_fails_what_was_not_sent() {
    let mut m = table(6);
    m.ctx.concurrency = 2;
    update(&mut m, ch('a'));
    let sent = patches(&bulk_beep_never(&mut m));
    assert_eq!(sent.len(), 2);
    let ended = api_error(422, "90019", "Conference has already ended", "");
    let next = update(&mut m, patched(sent[0].0, &sent[0].1, Err(ended)));
    assert!(patches(&next).is_empty(), "nothing more is sent: {next:?}");
    let run = m.run.as_ref().unwrap();
    // the one refused and the four that waited; the second is still out
    assert!(run.queue.is_empty(), "{run:?}");
    assert_eq!(run.failed.len(), 5, "{run:?}");
    assert!(run.failed.iter().all(|(_, e)| e.status == Some(422)));
    assert_eq!(run.in_flight.len(), 1);
    assert!(m.conf.as_ref().unwrap().ended.is_some());
}

#[test]
fn leaving_the_conference_stops_a_change_to_many_and_counts_what_was_not_sent() {
    let mut m = table(6);
    m.ctx.concurrency = 2;
    update(&mut m, ch('a'));
    let sent = patches(&bulk_beep_never(&mut m));
    assert_eq!(sent.len(), 2);
    let never = UpdateParticipant {
        beep_enabled: Some(BeepEnabled::Never),
        ..Default::default()
    };
    // Esc clears the marks, the next goes back to the conferences
    update(&mut m, key(KeyCode::Esc));
    let away = update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, confmod::app::Screen::Picker);
    assert!(away.iter().all(|e| !is_write(e)), "{away:?}");
    assert!(has_toast(
        &m,
        Level::Info,
        "4 not sent (you left the conference)"
    ));
    // the two out still count when they come back; nothing more is sent
    let first = update(&mut m, saved(sent[0].0, &sent[0].1, &never));
    assert!(first.iter().all(|e| !is_write(e)), "{first:?}");
    let last = update(&mut m, saved(sent[1].0, &sent[1].1, &never));
    assert!(last.iter().all(|e| !is_write(e)), "{last:?}");
    let run = m.run.as_ref().unwrap();
    assert_eq!((run.done, run.cancelled, run.total), (2, 4, 6));
    assert!(!run.running());
    assert!(has_toast(&m, Level::Success, "2 of 6 done, 4 not sent"));
    // no undo of another conference's change
    assert!(m.undo.is_none());
}

#[test]
fn changes_to_more_than_twenty_or_ending_on_exit_ask_first_naming_the_count() {
    let mut m = table(30);
    update(&mut m, ch('a'));
    let effects = bulk_beep_never(&mut m);
    assert!(patches(&effects).is_empty());
    let Some(Overlay::Confirm(c)) = &m.overlay else {
        panic!("no confirmation")
    };
    assert!(c.title.contains("30 participants"), "{}", c.title);
    assert!(c.lines.iter().any(|l| l.contains("for 30 participants")));
    // n goes back to the form, y sends
    update(&mut m, ch('n'));
    assert!(matches!(m.overlay, Some(Overlay::Form(_))));
    update(&mut m, key(KeyCode::Enter));
    let sent = patches(&update(&mut m, ch('y')));
    assert_eq!(sent.len(), 8, "the first eight of thirty");
    assert_eq!(m.run.as_ref().unwrap().total, 30);
    const { assert!(CONFIRM_OVER < 30) };

    // a few, but one of them would end the call for everyone on leaving
    let mut m = table(5);
    mark_first(&mut m, 2);
    let effects = send(&mut m, [key(KeyCode::Enter), ch(' '), key(KeyCode::Enter)]);
    assert!(patches(&effects).is_empty());
    let Some(Overlay::Confirm(c)) = &m.overlay else {
        panic!("no confirmation")
    };
    assert!(
        c.lines.iter().any(|l| l.contains("hung up")),
        "{:?}",
        c.lines
    );
}

#[test]
fn m_with_marks_mutes_them_in_one_action_and_unmutes_when_all_are_muted() {
    let mut m = table_of(some_muted(6));
    // p0 (muted), p1, p2 marked: not all muted, so mute them
    mark_first(&mut m, 3);
    let sent = actions(&update(&mut m, ch('m')));
    assert_eq!(sent.len(), 1, "one request");
    let (seq, action, ids, ccids) = sent[0].clone();
    assert_eq!(action, ParticipantAction::Mute);
    assert_eq!(ccids, ["v3:call0", "v3:call1", "v3:call2"]);
    update(&mut m, acted(seq, action, ids, Ok(())));
    assert!(row(&m, "p1").muted && row(&m, "p2").muted);
    // now all three are muted: m unmutes them
    let sent = actions(&update(&mut m, ch('m')));
    assert_eq!(sent[0].1, ParticipantAction::Unmute);
}

#[test]
fn mute_all_but_the_marked_sends_explicit_chunked_lists_after_a_confirmation() {
    let n = ACTION_CHUNK + 50;
    let mut m = table(n);
    mark_first(&mut m, 2);
    assert!(update(&mut m, ch('M')).is_empty());
    let Some(Overlay::Confirm(c)) = &m.overlay else {
        panic!("no confirmation")
    };
    assert!(
        c.lines[0].contains(&format!("Mute {} participants", n - 2)),
        "{:?}",
        c.lines
    );
    let sent = actions(&update(&mut m, ch('y')));
    assert_eq!(sent.len(), 2, "chunked");
    let all: Vec<String> = sent.iter().flat_map(|(_, _, _, c)| c.clone()).collect();
    assert_eq!(all.len(), n - 2);
    assert!(!all.contains(&"v3:call0".into()) && !all.contains(&"v3:call1".into()));
    assert!(
        sent.iter()
            .all(|(_, a, _, c)| *a == ParticipantAction::Mute && !c.is_empty())
    );
    assert!(sent.iter().all(|(_, _, _, c)| c.len() <= ACTION_CHUNK));

    // nothing marked: all but the selected ("mute all but the speaker")
    let mut m = table(5);
    send(&mut m, [ch('j'), ch('j'), ch('M')]);
    let sent = actions(&update(&mut m, ch('y')));
    let ccids: Vec<String> = sent.iter().flat_map(|(_, _, _, c)| c.clone()).collect();
    assert_eq!(ccids, ["v3:call0", "v3:call1", "v3:call3", "v3:call4"]);
}

#[test]
fn someone_who_left_meanwhile_is_skipped_and_named_and_the_rest_is_sent_again() {
    let mut m = table(25);
    labelled(&mut m, &[("p3", "Ava")]);
    update(&mut m, ch('U'));
    assert!(m.overlay.is_none(), "{:?}", m.toasts);
    assert!(has_toast(&m, Level::Info, "nobody is muted"));
    let mut m = table_of(some_muted(25));
    labelled(&mut m, &[("p3", "Ava")]);
    update(&mut m, ch('U'));
    let sent = actions(&update(&mut m, ch('y')));
    assert_eq!(sent.len(), 1);
    let (seq, action, ids, _) = sent[0].clone();
    assert_eq!(ids.len(), 9);
    // Ava hung up meanwhile: the API refuses the whole list
    let ended = api_error(422, "90018", "Call has already ended", "");
    let effects = update(&mut m, acted(seq, action, ids, Err(ended)));
    let seq = poll_seq(&effects);
    let mut items = some_muted(25);
    items[3].status = ParticipantStatus::Left;
    let effects = update(&mut m, listed(seq, items));
    let again = actions(&effects);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].2.len(), 8);
    assert!(!again[0].2.contains(&"p3".to_string()));
    update(
        &mut m,
        acted(again[0].0, again[0].1, again[0].2.clone(), Ok(())),
    );
    assert!(
        has_toast(&m, Level::Success, "skipped 1 who left: Ava"),
        "{:?}",
        m.toasts
    );
    let run = m.run.as_ref().unwrap();
    assert_eq!((run.done, run.skipped.len(), run.total), (8, 1, 9));
}

// ---- ending the conference ----------------------------------------------------------

#[test]
fn ending_the_conference_asks_for_the_start_of_its_name() {
    let mut m = table(3);
    if let Some(conf) = m.conf.as_mut() {
        conf.conference = Some(confmod::telnyx::Conference {
            name: "Q4 All Hands".into(),
            ..Default::default()
        });
    }
    assert_eq!(end_word("Q4 All Hands"), "Q4 All");
    assert_eq!(end_word("Sync"), "Sync");
    assert!(update(&mut m, ch('E')).is_empty());
    assert!(matches!(m.overlay, Some(Overlay::TypeToConfirm(_))));
    // typing is text: m, q, y do nothing of their own
    assert!(typed(&mut m, "Q4 all").iter().all(|e| !is_write(e)));
    assert!(
        update(&mut m, key(KeyCode::Enter)).is_empty(),
        "wrong case: refused"
    );
    assert!(has_toast(&m, Level::Info, "type Q4 All exactly"));
    send(&mut m, std::iter::repeat_n(key(KeyCode::Backspace), 3));
    typed(&mut m, "All");
    let effects = update(&mut m, key(KeyCode::Enter));
    let Some(Effect::End { seq, .. }) = effects.first().cloned() else {
        panic!("not ended: {effects:?}")
    };
    let effects = update(
        &mut m,
        Msg::Ended {
            seq,
            conference_id: conf(),
            result: Ok(CommandResult {
                result: "ok".into(),
            }),
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadConference { .. }))
    );
    assert!(m.conf.as_ref().unwrap().ended.is_some());
    // no write after that
    assert!(
        send(&mut m, [ch('m'), ch('E'), ch('M')])
            .iter()
            .all(|e| !is_write(e))
    );
    // Esc cancels without a request
    let mut m = table(3);
    update(&mut m, ch('E'));
    assert!(update(&mut m, key(KeyCode::Esc)).is_empty());
    assert!(m.overlay.is_none());
}

// ---- undo and copy -----------------------------------------------------------------

#[test]
fn u_undoes_the_last_mute_and_the_last_patch_with_the_values_from_before() {
    let mut m = table(3);
    labelled(&mut m, &[("p0", "Ava")]);
    let (seq, action, ids, _) = actions(&update(&mut m, ch('m')))[0].clone();
    update(&mut m, acted(seq, action, ids, Ok(())));
    let undo = actions(&update(&mut m, ch('u')));
    assert_eq!(undo[0].1, ParticipantAction::Unmute);
    assert_eq!(undo[0].3, ["v3:call0"]);
    assert!(has_toast(&m, Level::Info, "undone: mute Ava"));

    // a PATCH: soft_end back to no, and the beep this console set before
    let mut m = table(3);
    m.beeps.insert("p0".into(), BeepEnabled::OnExit);
    let sent = patches(&send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Tab),
            key(KeyCode::Right),
            key(KeyCode::Enter),
        ],
    ));
    let (seq, id, update_sent) = sent[0].clone();
    update(&mut m, saved(seq, &id, &update_sent));
    let undo = patches(&update(&mut m, ch('u')));
    assert_eq!(
        undo[0].2,
        UpdateParticipant {
            soft_end_conference_on_exit: Some(false),
            beep_enabled: Some(BeepEnabled::OnExit),
            ..Default::default()
        }
    );
    // nothing more to undo
    assert!(update(&mut m, ch('u')).is_empty());
}

#[test]
fn an_undo_skips_who_left_since_and_says_undone_only_when_sent() {
    let mut m = table(3);
    let sent = patches(&send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    ));
    let (seq, id, update_sent) = sent[0].clone();
    update(&mut m, saved(seq, &id, &update_sent));
    // p0 leaves before the undo
    let poll = poll_seq(&update(&mut m, ch('r')));
    let mut items = people(3);
    items[0].status = ParticipantStatus::Left;
    update(&mut m, listed(poll, items));
    let effects = update(&mut m, ch('u'));
    assert!(patches(&effects).is_empty(), "{effects:?}");
    assert!(has_toast(&m, Level::Info, "skipped 1 who left"));
    assert!(!has_toast(&m, Level::Info, "undone"));
}

#[test]
fn leaving_a_conference_forgets_what_became_of_its_writes() {
    let mut m = table(3);
    let (seq, action, ids, _) = actions(&update(&mut m, ch('m')))[0].clone();
    update(&mut m, acted(seq, action, ids, Ok(())));
    assert_eq!(m.outcomes.len(), 1);
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, confmod::app::Screen::Picker);
    assert!(m.outcomes.is_empty(), "{:?}", m.outcomes);
}

#[test]
fn y_and_shift_y_copy_the_id_and_the_call_control_id() {
    let mut m = table(3);
    assert_eq!(update(&mut m, ch('y')), vec![Effect::Copy("p0".into())]);
    assert_eq!(
        update(&mut m, ch('Y')),
        vec![Effect::Copy("v3:call0".into())]
    );
    assert!(has_toast(&m, Level::Success, "copied the call_control_id"));
}

// ---- keys that never surprise ----------------------------------------------------------

#[test]
fn a_form_whose_participant_left_says_so_and_cannot_submit() {
    let mut m = table(3);
    send(&mut m, [key(KeyCode::Enter), ch(' ')]);
    let mut items = people(3);
    items[0].status = ParticipantStatus::Left;
    polled(&mut m, items);
    let effects = update(&mut m, key(KeyCode::Enter));
    assert!(effects.iter().all(|e| !is_write(e)));
    assert!(
        matches!(m.overlay, Some(Overlay::Form(_))),
        "the form stays, to read why"
    );
    assert!(has_toast(&m, Level::Info, "has left: nothing can be saved"));
    // Enter on a row that left is refused like m
    update(&mut m, key(KeyCode::Esc));
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.overlay.is_none());
}

#[test]
fn read_only_offers_and_sends_no_write() {
    let mut m = table(5);
    m.ctx.read_only = true;
    let keys = "m o M U E u R a";
    let mut effects = typed(&mut m, keys);
    effects.extend(send(&mut m, [key(KeyCode::Enter)]));
    assert!(effects.iter().all(|e| !is_write(e)), "{effects:?}");
    assert!(m.overlay.is_none());
}

// ---- a property: no write while typing ---------------------------------------------

mod typing {
    use super::*;
    use proptest::prelude::*;

    /// Every key a hurried operator might hit.
    fn any_key() -> impl Strategy<Value = Msg> {
        prop_oneof![
            8 => proptest::char::ranges(vec![' '..='~'].into()).prop_map(ch),
            1 => proptest::sample::select(vec![
                KeyCode::Enter,
                KeyCode::Esc,
                KeyCode::Tab,
                KeyCode::BackTab,
                KeyCode::Backspace,
                KeyCode::Up,
                KeyCode::Down,
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::PageDown,
                KeyCode::Home,
            ])
            .prop_map(key),
        ]
    }

    /// A text entry is open: the search line, the picker's filter, or the
    /// typed confirmation of ending the conference.
    fn typing(m: &Model) -> bool {
        m.picker.filtering
            || matches!(m.overlay, Some(Overlay::TypeToConfirm(_)))
            || (m.overlay.is_none() && m.conf.as_ref().is_some_and(|c| c.find.typing))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn no_printable_key_writes_while_a_text_entry_is_open(
            keys in proptest::collection::vec(any_key(), 1..120)
        ) {
            let mut m = table_of(some_muted(30));
            labelled(&mut m, &[("p1", "Niamh"), ("p2", "Omar")]);
            if let Some(conf) = m.conf.as_mut() {
                conf.conference = Some(confmod::telnyx::Conference {
                    name: "Weekly sync".into(),
                    ..Default::default()
                });
            }
            for k in keys {
                let printable = matches!(&k, Msg::Key(e) if matches!(e.code, KeyCode::Char(_)));
                let was_typing = typing(&m);
                let effects = update(&mut m, k.clone());
                if was_typing && printable {
                    prop_assert!(
                        effects.iter().all(|e| !is_write(e) && *e != Effect::Quit),
                        "{k:?} acted while typing: {effects:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn an_undo_that_cannot_restore_anything_says_why_and_sends_nothing() {
    // beep_enabled was never set here: its value before is unknown
    let mut m = table(3);
    let sent = patches(&send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            key(KeyCode::Right),
            key(KeyCode::Enter),
        ],
    ));
    let (seq, id, update_sent) = sent[0].clone();
    update(&mut m, saved(seq, &id, &update_sent));
    assert!(update(&mut m, ch('u')).is_empty());
    assert!(has_toast(&m, Level::Info, "cannot undo"));
    assert!(has_toast(&m, Level::Info, "never known"));
}

#[test]
fn a_finished_run_with_nothing_failed_leaves_the_screen_by_itself() {
    let mut m = table(4);
    update(&mut m, ch('a'));
    let sent = patches(&bulk_beep_never(&mut m));
    for (seq, id, u) in &sent {
        update(&mut m, saved(*seq, id, u));
    }
    let finished = m
        .run
        .as_ref()
        .and_then(|r| r.finished_at)
        .expect("finished");
    let clear_at = finished + confmod::app::TOAST_TTL;
    assert!(
        m.next_deadline().is_some_and(|d| d <= clear_at),
        "a wake to clear it"
    );
    update(&mut m, Msg::Tick(clear_at - Duration::from_millis(1)));
    assert!(m.run.is_some());
    update(&mut m, Msg::Tick(clear_at));
    assert!(m.run.is_none());
}

/// The screen at 120x40, as text.
fn screen(m: &Model) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| confmod::view::view(m, f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn the_highlighted_row_is_the_selected_one_when_a_change_to_many_takes_a_line() {
    let mut m = table(60);
    mark_first(&mut m, 3);
    // the cursor on the last row on screen
    while m.conf.as_ref().unwrap().cursor + 1 < m.table_rows() {
        update(&mut m, ch('j'));
    }
    bulk_beep_never(&mut m);
    assert!(m.run.is_some(), "a change to many runs, its line on screen");
    let selected = m.conf.as_ref().unwrap().selected().unwrap().p.id.clone();
    let text = screen(&m);
    let highlighted = text.lines().find(|l| l.contains('›')).expect("a highlight");
    let i: usize = selected.trim_start_matches('p').parse().unwrap();
    assert!(
        highlighted.contains(&format!("v3:call{i} ")),
        "selected {selected}, highlighted {highlighted:?}\n{text}"
    );
}

#[test]
fn a_participant_waiting_in_a_change_to_many_takes_no_other_write() {
    let mut m = table(10);
    m.ctx.concurrency = 1;
    mark_first(&mut m, 3);
    let sent = patches(&bulk_beep_never(&mut m));
    assert_eq!(sent.len(), 1, "one at a time: p1 and p2 wait their turn");
    // no marks, the cursor on p2, which waits in the queue: `m` and Enter
    // are refused, and say why
    update(&mut m, ch('A'));
    for _ in 0..10 {
        if m.conf.as_ref().unwrap().selected().unwrap().p.id == "p2" {
            break;
        }
        update(&mut m, ch('k'));
    }
    assert_eq!(m.conf.as_ref().unwrap().selected().unwrap().p.id, "p2");
    let effects = update(&mut m, ch('m'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(has_toast(&m, Level::Info, "already in flight"));
    let effects = send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    );
    assert!(patches(&effects).is_empty(), "{effects:?}");
    update(&mut m, key(KeyCode::Esc));
    assert!(m.overlay.is_none(), "{:?}", m.overlay);
    // p4, not in the run, can be muted meanwhile
    for _ in 0..2 {
        update(&mut m, ch('j'));
    }
    assert_eq!(m.conf.as_ref().unwrap().selected().unwrap().p.id, "p4");
    assert!(!update(&mut m, ch('m')).is_empty());
}
