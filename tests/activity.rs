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
use confmod::telnyx::{ApiError, Conference, ConferenceStatus, EndReason, ParticipantStatus};
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

#[test]
fn an_ended_conference_is_read_once_a_minute() {
    let mut m = table(3);
    let (seq, cseq) = next_poll(&mut m);
    update(
        &mut m,
        conference_answer(cseq.unwrap(), ConferenceStatus::Completed, None),
    );
    // the list read after the end was known: the next one in a minute
    update(&mut m, listed(seq, people(3)));
    let polls = |effects: &[Effect]| {
        (effects.iter())
            .filter(|e| matches!(e, Effect::LoadParticipants { .. }))
            .count()
    };
    let answered = m.now;
    let soon = update(&mut m, Msg::Tick(answered + Duration::from_secs(59)));
    assert_eq!(polls(&soon), 0, "{soon:?}");
    let later = update(&mut m, Msg::Tick(answered + Duration::from_secs(60)));
    assert_eq!(polls(&later), 1, "{later:?}");
    // while it was live, every 2 s
    let mut live = table(3);
    let (seq, _) = next_poll(&mut live);
    update(&mut live, listed(seq, people(3)));
    let answered = live.now;
    let next = update(&mut live, Msg::Tick(answered + Duration::from_secs(2)));
    assert_eq!(polls(&next), 1, "{next:?}");
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

#[test]
fn esc_while_saving_says_where_the_answer_goes_until_it_comes() {
    let mut m = table(3);
    labelled_ava(&mut m);
    send(&mut m, [ch('j')]);
    let seq = submit_soft_end(&mut m);
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
    let seq = submit_soft_end(&mut m);
    update(
        &mut m,
        patched(seq, "p1", Err(ApiError::from_response(500, b"", None))),
    );
    assert!(has_toast(&m, Level::Error, "could not update Ava"));
    update(&mut m, key(KeyCode::Esc)); // the form
    let seq = submit_soft_end(&mut m);
    update(&mut m, patched(seq, "p1", Ok(Default::default())));
    assert!(
        !m.toasts.iter().any(|t| t.level == Level::Error),
        "{:?}",
        m.toasts
    );
    // another participant's error is not theirs to clear
    let mut m = table(3);
    labelled_ava(&mut m);
    let seq = submit_soft_end(&mut m);
    update(
        &mut m,
        patched(seq, "p0", Err(ApiError::from_response(500, b"", None))),
    );
    update(&mut m, key(KeyCode::Esc));
    send(&mut m, [ch('j')]);
    let seq = submit_soft_end(&mut m);
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

// ---- the audit journal -------------------------------------------------------------

#[test]
fn every_write_says_who_it_is_about_for_the_journal() {
    use confmod::audit::{Party, Subject};
    let mut m = table(5);
    update(
        &mut m,
        Msg::LabelLoaded {
            conference_id: conf(),
            participant_id: "p1".into(),
            result: Ok(Some("Ava Chen".into())),
        },
    );
    update(&mut m, ch('j'));
    let ava = Party {
        id: Some("p1".into()),
        label: Some("Ava Chen".into()),
        call_control_id: Some("v3:call1".into()),
    };
    let effects = send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    );
    let subject = effects.iter().find_map(|e| match e {
        Effect::Patch { subject, .. } => Some(subject.clone()),
        _ => None,
    });
    assert_eq!(
        subject,
        Some(Subject {
            conference_name: Some("Weekly sync".into()),
            participants: vec![ava.clone()],
        })
    );
    // an action, on a participant whose label is not known yet (the form
    // saving in the background is left with Esc)
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('j'));
    let effects = update(&mut m, ch('m'));
    let subject = effects.iter().find_map(|e| match e {
        Effect::Action { subject, .. } => Some(subject.clone()),
        _ => None,
    });
    assert_eq!(
        subject.expect("a mute").participants,
        vec![Party {
            id: Some("p2".into()),
            label: None,
            call_control_id: Some("v3:call2".into()),
        }]
    );
}

#[test]
fn beep_markers_from_the_journal_fill_in_and_never_override_this_session() {
    use confmod::telnyx::BeepEnabled;
    let mut m = table(5);
    // this console set p1's beep already
    m.beeps.insert("p1".into(), BeepEnabled::Never);
    let known = std::collections::HashMap::from([
        ("p1".to_string(), BeepEnabled::Always),
        ("p2".to_string(), BeepEnabled::OnExit),
    ]);
    update(&mut m, Msg::JournalRead(Ok(known)));
    assert_eq!(m.beeps.get("p1"), Some(&BeepEnabled::Never));
    assert_eq!(m.beeps.get("p2"), Some(&BeepEnabled::OnExit));
    assert!(m.log.iter().any(|e| matches!(&e.what,
        Logged::Event(t) if t.contains("beep setting of 2 participants"))));
    assert!(m.toasts.is_empty());

    let mut m = table(5);
    update(
        &mut m,
        Msg::JournalRead(Err(
            "the audit journal /j cannot be read: Permission denied".into(),
        )),
    );
    assert!(has_toast(
        &m,
        Level::Error,
        "Permission denied: beep settings of earlier sessions are not shown"
    ));
    assert!(m.beeps.is_empty());
}

#[test]
fn a_journal_that_cannot_record_is_said_once_then_by_the_header() {
    let mut m = table(5);
    assert!(m.journal_trouble.is_none());
    let why = "the audit journal /j cannot be written: No space left on device (os error 28)";
    for _ in 0..3 {
        update(&mut m, Msg::JournalFailed(why.into()));
    }
    assert_eq!(m.journal_trouble.as_deref(), Some(why));
    let toasts: Vec<_> = m.toasts.iter().filter(|t| t.text.contains(why)).collect();
    assert_eq!(toasts.len(), 1, "{:?}", m.toasts);
    assert_eq!(toasts[0].level, Level::Error);
    assert!(toasts[0].text.ends_with("writes are sent but not recorded"));
    let events = m
        .log
        .iter()
        .filter(|e| matches!(&e.what, Logged::Event(t) if t == why))
        .count();
    assert_eq!(events, 1);
    // writes are still sent: the operator decides
    update(&mut m, ch('m'));
    assert!(!m.pending.is_empty());
}

// ---- the picker ------------------------------------------------------------------

const C1: &str = "00000000-0000-4000-8000-0000000000c1";
const C2: &str = "00000000-0000-4000-8000-0000000000c2";
const C3: &str = "00000000-0000-4000-8000-0000000000c3";
const C4: &str = "00000000-0000-4000-8000-0000000000c4";

fn conference(id: &str, name: &str, status: ConferenceStatus) -> Conference {
    Conference {
        id: id.into(),
        name: name.into(),
        status: Some(status),
        created_at: "2026-11-30T09:00:00.000Z".into(),
        ..Default::default()
    }
}

fn listed_conferences(seq: u64, items: Vec<Conference>) -> Msg {
    Msg::ConferencesLoaded {
        seq,
        result: Ok(confmod::telnyx::Listing {
            items,
            ..Default::default()
        }),
    }
}

fn load_seq(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|e| match e {
        Effect::LoadConferences { seq } => Some(*seq),
        _ => None,
    })
}

/// The picker on C1 (live), C2 (live) and C3 (waiting), the second selected.
fn picker() -> Model {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let seq = load_seq(&confmod::app::init(&mut m, None)).expect("a listing");
    let items = vec![
        conference(C1, "Q4 All Hands", ConferenceStatus::InProgress),
        conference(C2, "EMEA sales weekly", ConferenceStatus::InProgress),
        conference(C3, "Board prep", ConferenceStatus::Init),
        conference(C4, "Old retro", ConferenceStatus::Completed),
    ];
    update(&mut m, listed_conferences(seq, items));
    update(&mut m, ch('j'));
    m
}

fn names(m: &Model) -> Vec<(String, Option<ConferenceStatus>)> {
    m.picker
        .conferences
        .iter()
        .map(|c| (c.name.clone(), c.status.clone()))
        .collect()
}

#[test]
fn the_picker_lists_live_and_waiting_conferences_and_refreshes_at_a_slower_pace() {
    let mut m = picker();
    assert_eq!(
        names(&m),
        vec![
            ("Q4 All Hands".into(), Some(ConferenceStatus::InProgress)),
            (
                "EMEA sales weekly".into(),
                Some(ConferenceStatus::InProgress)
            ),
            ("Board prep".into(), Some(ConferenceStatus::Init)),
        ]
    );
    // five table refreshes (2 s each) between two listings, nothing before
    let pace = ctx().refresh * 5;
    assert_eq!(m.next_deadline(), Some(T0 + pace));
    assert!(update(&mut m, Msg::Tick(T0 + pace - Duration::from_millis(1))).is_empty());
    let effects = update(&mut m, Msg::Tick(T0 + pace));
    assert!(load_seq(&effects).is_some(), "{effects:?}");
    // one listing out at a time
    assert!(load_seq(&update(&mut m, Msg::Tick(T0 + pace * 2))).is_none());
}

#[test]
fn a_conference_that_leaves_the_picker_is_marked_ended_with_its_reason() {
    let mut m = picker();
    assert_eq!(m.picker.selected().unwrap().name, "EMEA sales weekly");
    let later = T0 + ctx().refresh * 5;
    let seq = load_seq(&update(&mut m, Msg::Tick(later))).unwrap();
    let effects = update(
        &mut m,
        listed_conferences(
            seq,
            vec![
                conference(C1, "Q4 All Hands", ConferenceStatus::InProgress),
                conference(C3, "Board prep", ConferenceStatus::InProgress),
            ],
        ),
    );
    // it stays, last, marked; the selection stays on it; its end is asked
    assert_eq!(
        names(&m),
        vec![
            ("Q4 All Hands".into(), Some(ConferenceStatus::InProgress)),
            ("Board prep".into(), Some(ConferenceStatus::InProgress)),
            (
                "EMEA sales weekly".into(),
                Some(ConferenceStatus::Completed)
            ),
        ]
    );
    assert_eq!(m.picker.selected().unwrap().name, "EMEA sales weekly");
    let c2: confmod::telnyx::ConferenceId = C2.parse().unwrap();
    assert_eq!(effects, vec![Effect::CheckConference { conference_id: c2 }]);
    let mut answer = conference(C2, "EMEA sales weekly", ConferenceStatus::Completed);
    answer.end_reason = Some(EndReason::HostLeft);
    update(
        &mut m,
        Msg::ConferenceChecked {
            conference_id: c2,
            result: Ok(answer),
        },
    );
    assert_eq!(
        m.picker.conferences[2].end_reason,
        Some(EndReason::HostLeft)
    );
    assert!(m.log.iter().any(|e| matches!(&e.what,
        Logged::Event(t) if t == "conference EMEA sales weekly ended: the host left")));

    // it is kept for ENDED_KEPT, then dropped
    let mut at = later;
    loop {
        at += ctx().refresh * 5;
        let seq = load_seq(&update(&mut m, Msg::Tick(at))).unwrap();
        let items = vec![conference(C1, "Q4 All Hands", ConferenceStatus::InProgress)];
        update(&mut m, listed_conferences(seq, items));
        let kept = m.picker.conferences.iter().any(|c| c.id == C2);
        assert_eq!(kept, at < later + confmod::app::ENDED_KEPT, "at {at}");
        if !kept {
            break;
        }
    }
}

#[test]
fn a_listing_that_is_not_whole_says_nothing_of_who_left() {
    let mut m = picker();
    let seq = load_seq(&update(&mut m, Msg::Tick(T0 + ctx().refresh * 5))).unwrap();
    let effects = update(
        &mut m,
        Msg::ConferencesLoaded {
            seq,
            result: Ok(confmod::telnyx::Listing {
                items: vec![conference(C1, "Q4 All Hands", ConferenceStatus::InProgress)],
                warnings: vec!["page 2 of 1: the listing may be incomplete".into()],
                ..Default::default()
            }),
        },
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(names(&m).len(), 1, "nothing is marked ended");
    assert!(m.picker.ended.is_empty());
}

#[test]
fn a_conference_with_a_status_confmod_does_not_know_stays_listed_as_the_server_said() {
    let mut m = picker();
    let seq = load_seq(&update(&mut m, Msg::Tick(T0 + ctx().refresh * 5))).unwrap();
    let effects = update(
        &mut m,
        listed_conferences(
            seq,
            vec![
                conference(C1, "Q4 All Hands", ConferenceStatus::InProgress),
                conference(
                    C2,
                    "EMEA sales weekly",
                    ConferenceStatus::Unknown("paused".into()),
                ),
                conference(C3, "Board prep", ConferenceStatus::Init),
            ],
        ),
    );
    assert!(effects.is_empty(), "nothing to check: {effects:?}");
    assert!(m.picker.ended.is_empty());
    assert_eq!(m.picker.conferences.len(), 3);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| confmod::view::view(&m, f)).unwrap();
    let screen = terminal.backend().to_string();
    let row = screen
        .lines()
        .find(|l| l.contains("EMEA sales weekly"))
        .expect("listed");
    assert!(row.contains("? paused") && !row.contains("ended"), "{row}");
}

/// The header line of a table whose refresh failed with `e`.
fn header_after(e: ApiError) -> String {
    let mut m = table(30);
    let effects = update(&mut m, ch('r'));
    let seq = poll_seq(&effects);
    update(&mut m, failed_listing(seq, e));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(140, 40)).unwrap();
    terminal.draw(|f| confmod::view::view(&m, f)).unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("v3:call7") || screen.contains("LABEL"),
        "the rows stay"
    );
    screen.lines().nth(1).unwrap().to_string()
}

#[test]
fn the_header_says_what_a_failed_refresh_met() {
    let html = ApiError::from_response(
        502,
        b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        None,
    );
    let line = header_after(html);
    assert!(
        line.contains("✖ offline: 502 Bad Gateway (HTML error page from a proxy) · retrying in 1s"),
        "{line}"
    );
    assert!(!line.contains("nginx") && !line.contains('<'), "{line}");
    let undecodable = ApiError::decode(200, b"{\"data\": [", "EOF while parsing a list");
    let line = header_after(undecodable);
    assert!(
        line.contains("✖ 200 undecodable response · retrying in 1s"),
        "{line}"
    );
    let hang = ApiError::timeout(Duration::from_secs(15));
    let line = header_after(hang);
    assert!(
        line.contains("✖ offline: timed out · retrying in 1s"),
        "{line}"
    );
    // a 429 waits as long as the server asked, when that is longer
    let limited = ApiError::from_response(
        429,
        br#"{"errors":[{"code":"10011","title":"Too many requests"}]}"#,
        Some(Duration::from_secs(10)),
    );
    let line = header_after(limited);
    assert!(
        line.contains("✖ offline: 429 10011 Too many requests · retrying in 10s"),
        "{line}"
    );
}

#[test]
fn toasts_never_cover_the_keys_of_the_log() {
    let mut m = table(30);
    m.toast(Level::Success, "unmuted Liam Chen");
    update(&mut m, ch('L'));
    assert!(matches!(m.overlay, Some(Overlay::Log(_))));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| confmod::view::view(&m, f)).unwrap();
    let screen = terminal.backend().to_string();
    let lines: Vec<&str> = screen.lines().collect();
    // the log's bottom border (its keys) is the line above the footer
    let border = lines[lines.len() - 2];
    assert!(
        border.contains("└") && border.contains("Enter inspect"),
        "{screen}"
    );
    assert!(!border.contains("unmuted"), "{screen}");
    assert!(screen.contains("unmuted Liam Chen"), "{screen}");
}
