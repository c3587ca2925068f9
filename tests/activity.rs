//! Knowing what happened, as `update` tables: the conference's state read
//! with every poll (and each way it ends), joins and leaves as events, the
//! activity log and its inspector, and the rough edges of saving, errors and
//! being offline.

mod common;

use std::time::Duration;

use common::console::*;
use confmod::app::{
    Effect, Exchanged, LOG_ENTRIES, Label, Level, Logged, Model, Msg, Overlay, curl, update,
};
use confmod::telnyx::{
    ApiError, Conference, ConferenceStatus, EndReason, ParticipantStatus, UpdateParticipant,
};
use crossterm::event::KeyCode;

fn conference_answer(seq: u64, status: ConferenceStatus, reason: Option<EndReason>) -> Msg {
    Msg::ConferenceLoaded {
        seq,
        conference_id: conf(),
        result: Ok(Conference {
            id: CONF.into(),
            name: "Q4 All Hands".into(),
            status: Some(status),
            end_reason: reason,
            updated_at: Some("2026-11-30T09:59:30.000Z".into()),
            ..Default::default()
        }),
    }
}

fn conference_seq(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|e| match e {
        Effect::LoadConference { seq, .. } => Some(*seq),
        _ => None,
    })
}

/// The next poll (by the refresh timer), and its seqs.
fn next_poll(m: &mut Model) -> (u64, Option<u64>) {
    let due = m.now + Duration::from_secs(2);
    let effects = update(m, Msg::Tick(due));
    (poll_seq(&effects), conference_seq(&effects))
}

fn events(m: &Model) -> Vec<String> {
    m.log
        .iter()
        .filter_map(|e| match &e.what {
            Logged::Event(text) => Some(text.clone()),
            Logged::Request(_) => None,
        })
        .collect()
}

fn request(method: &str, path: &str, status: u16, body: Option<&str>) -> Msg {
    Msg::Exchanged(Box::new(Exchanged {
        method: method.into(),
        path: path.into(),
        status: Some(status),
        latency: Duration::from_millis(12),
        request_body: body.map(str::to_string),
        response_body: r#"{"data":{"result":"ok"}}"#.into(),
        error: (status >= 400).then(|| format!("{status} 10001 Internal server error")),
        ..Default::default()
    }))
}

// ---- the conference's state -------------------------------------------------------------

#[test]
fn every_poll_reads_the_conference_again_so_a_failed_name_is_retried() {
    let mut m = table(3);
    let (seq, cseq) = next_poll(&mut m);
    let cseq = cseq.expect("the conference is read with the participants");
    update(&mut m, listed(seq, people(3)));
    update(
        &mut m,
        Msg::ConferenceLoaded {
            seq: cseq,
            conference_id: conf(),
            result: Err(ApiError::from_response(503, b"", None)),
        },
    );
    let (_, again) = next_poll(&mut m);
    let again = again.expect("asked again");
    update(
        &mut m,
        conference_answer(again, ConferenceStatus::InProgress, None),
    );
    let name = m
        .conf
        .as_ref()
        .unwrap()
        .conference
        .as_ref()
        .map(|c| c.name.clone());
    assert_eq!(name.as_deref(), Some("Q4 All Hands"));
}

#[test]
fn a_conference_that_ends_says_why_and_when_and_takes_no_write() {
    let reasons = [
        (EndReason::AllLeft, "everyone left"),
        (EndReason::EndedViaApi, "ended via the API"),
        (EndReason::HostLeft, "the host left"),
        (EndReason::TimeExceeded, "its time ran out"),
    ];
    for (reason, why) in reasons {
        let mut m = table(3);
        labelled_ava(&mut m);
        let (seq, cseq) = next_poll(&mut m);
        let mut items = people(3);
        for p in &mut items {
            p.status = ParticipantStatus::Left;
        }
        update(&mut m, listed(seq, items));
        update(
            &mut m,
            conference_answer(cseq.unwrap(), ConferenceStatus::Completed, Some(reason)),
        );
        let ended = m.conf.as_ref().unwrap().ended.clone().expect("ended");
        assert_eq!(ended.why().as_deref(), Some(why));
        assert!(ended.at.is_some(), "when, from updated_at");
        assert!(
            events(&m).contains(&format!("the conference ended: {why}")),
            "{:?}",
            events(&m)
        );
        // no write key does anything but say why
        for k in ['m', 'o', 'M', 'U', 'E', 'u'] {
            let effects = update(&mut m, ch(k));
            assert!(effects.is_empty(), "{k}: {effects:?}");
        }
        assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
        assert!(has_toast(&m, Level::Info, &format!("has ended ({why})")));
    }
}

fn labelled_ava(m: &mut Model) {
    m.labels.insert("p1".into(), Label::Known("Ava".into()));
    m.labels
        .insert("p5".into(), Label::Known("Liam Chen".into()));
}

#[test]
fn joins_and_leaves_between_polls_become_events() {
    let mut m = table(3);
    labelled_ava(&mut m);
    assert!(events(&m).is_empty(), "the first listing is no event");
    let mut items = people(3);
    items[1].status = ParticipantStatus::Left;
    items.push(participant(5));
    let (seq, _) = next_poll(&mut m);
    update(&mut m, listed(seq, items));
    assert_eq!(events(&m), ["Ava left", "Liam Chen joined"]);
}

// ---- the activity log and the inspector ----------------------------------------------------

#[test]
fn the_activity_log_is_a_bounded_ring_of_requests_and_events() {
    let mut m = table(1);
    for i in 0..LOG_ENTRIES + 10 {
        update(
            &mut m,
            request("GET", &format!("/conferences?page={i}"), 200, None),
        );
    }
    assert_eq!(m.log.len(), LOG_ENTRIES);
    let first = m.log.front().and_then(|e| match &e.what {
        Logged::Request(x) => Some(x.path.clone()),
        Logged::Event(_) => None,
    });
    assert_eq!(
        first.as_deref(),
        Some("/conferences?page=10"),
        "the oldest went"
    );
    let ids: Vec<u64> = m.log.iter().map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "ids stay in order"
    );
}

#[test]
fn l_shows_the_log_filters_writes_and_errors_inspects_and_copies_curl() {
    let mut m = table(1);
    update(
        &mut m,
        request("GET", "/conferences/c/participants", 200, None),
    );
    let body = r#"{"beep_enabled":"never"}"#;
    update(
        &mut m,
        request("PATCH", "/conferences/c/participants/p0", 200, Some(body)),
    );
    update(&mut m, request("GET", "/conferences/c", 500, None));
    update(&mut m, ch('L'));
    assert!(matches!(m.overlay, Some(Overlay::Log(_))));
    // writes only: the PATCH; errors only on top: nothing
    update(&mut m, ch('w'));
    let Some(Overlay::Log(view)) = &m.overlay else {
        panic!()
    };
    let shown: Vec<u64> = m
        .log
        .iter()
        .filter(|e| view.shows(e))
        .map(|e| e.id)
        .collect();
    assert_eq!(shown.len(), 1);
    // the newest shown is selected: Enter inspects it
    update(&mut m, key(KeyCode::Enter));
    let Some(Overlay::Inspect(inspect)) = &m.overlay else {
        panic!("no inspector: {:?}", m.overlay)
    };
    assert_eq!(inspect.entry, shown[0]);
    // c: the request as curl, the key left to the environment
    let effects = update(&mut m, ch('c'));
    let expected = curl(
        &m.ctx.api_base,
        "PATCH",
        "/conferences/c/participants/p0",
        Some(body),
    );
    assert_eq!(effects, vec![Effect::Copy(expected.clone())]);
    assert!(expected.contains("$TELNYX_API_KEY") && expected.contains(body));
    // Esc back to the log, with its filter; e adds errors only
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('e'));
    let Some(Overlay::Log(view)) = &m.overlay else {
        panic!()
    };
    assert!(view.writes_only && view.errors_only);
    assert_eq!(m.log.iter().filter(|e| view.shows(e)).count(), 0);
    update(&mut m, ch('w'));
    let Some(Overlay::Log(view)) = &m.overlay else {
        panic!()
    };
    assert_eq!(m.log.iter().filter(|e| view.shows(e)).count(), 1);
    // L (or Esc) closes; nothing acted meanwhile
    update(&mut m, ch('L'));
    assert!(m.overlay.is_none());
    assert!(m.pending.is_empty());
}

#[test]
fn keys_in_the_log_never_act_on_a_participant() {
    let mut m = table(3);
    update(&mut m, ch('L'));
    let effects = send(&mut m, "moMUEuy aAR jk".chars().map(ch));
    assert!(
        effects.iter().all(|e| !matches!(
            e,
            Effect::Patch { .. } | Effect::Action { .. } | Effect::End { .. }
        )),
        "{effects:?}"
    );
    assert!(matches!(m.overlay, Some(Overlay::Log(_))));
}

// ---- rough edges ------------------------------------------------------------------------------

fn soft_end_patch(m: &mut Model) -> (u64, UpdateParticipant) {
    let effects = send(
        m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    );
    patch_of(&effects)
}

#[test]
fn esc_while_saving_says_where_the_answer_goes_until_it_comes() {
    let mut m = table(3);
    labelled_ava(&mut m);
    send(&mut m, [ch('j')]);
    let (seq, _) = soft_end_patch(&mut m);
    update(&mut m, key(KeyCode::Esc));
    assert!(m.overlay.is_none());
    assert!(has_toast(
        &m,
        Level::Info,
        "still saving Ava: the answer will show on the row"
    ));
    // it stays however long the answer takes
    let later = m.now + Duration::from_secs(30);
    update(&mut m, Msg::Tick(later));
    assert!(has_toast(&m, Level::Info, "still saving Ava"));
    update(&mut m, patched(seq, "p1", Ok(Default::default())));
    assert!(!has_toast(&m, Level::Info, "still saving"));
    assert!(has_toast(&m, Level::Success, "saved Ava"));
}

#[test]
fn a_later_success_clears_the_participants_earlier_error() {
    let mut m = table(3);
    labelled_ava(&mut m);
    send(&mut m, [ch('j')]);
    let (seq, _) = soft_end_patch(&mut m);
    update(
        &mut m,
        patched(seq, "p1", Err(ApiError::from_response(500, b"", None))),
    );
    assert!(has_toast(&m, Level::Error, "could not update Ava"));
    update(&mut m, key(KeyCode::Esc)); // the form
    let (seq, _) = soft_end_patch(&mut m);
    update(&mut m, patched(seq, "p1", Ok(Default::default())));
    assert!(
        !m.toasts.iter().any(|t| t.level == Level::Error),
        "{:?}",
        m.toasts
    );
    // another participant's error is not theirs to clear
    let mut m = table(3);
    labelled_ava(&mut m);
    let (seq, _) = soft_end_patch(&mut m);
    update(
        &mut m,
        patched(seq, "p0", Err(ApiError::from_response(500, b"", None))),
    );
    update(&mut m, key(KeyCode::Esc));
    send(&mut m, [ch('j')]);
    let (seq, _) = soft_end_patch(&mut m);
    update(&mut m, patched(seq, "p1", Ok(Default::default())));
    assert!(has_toast(&m, Level::Error, "could not update"));
}

#[test]
fn offline_the_console_tries_again_within_seconds_and_says_so() {
    let mut m = table(3);
    let mut due = Vec::new();
    for _ in 0..5 {
        let (seq, _) = next_poll(&mut m);
        update(&mut m, failed_listing(seq, ApiError::connection("refused")));
        let conf = m.conf.as_ref().unwrap();
        let (_, retry) = conf.load.failure.clone().unwrap();
        due.push((retry.unwrap() - m.now).whole_seconds());
        // the next attempt: at its time (Tick), or now with r
        update(&mut m, Msg::Tick(retry.unwrap() - Duration::from_secs(2)));
    }
    assert!(due.iter().all(|s| *s <= 3), "{due:?}");
    // the server is back: the next poll brings the table back
    let (seq, _) = next_poll(&mut m);
    update(&mut m, listed(seq, people(3)));
    assert!(m.conf.as_ref().unwrap().load.failure.is_none());
}
