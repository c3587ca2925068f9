//! The console's behaviour as (model, messages) -> (model, effects) tables:
//! no tokio, no terminal, no network, no clock.

mod common;

use std::time::Duration;

use common::console::*;
use confmod::app::layout;
use confmod::app::{
    Context, Effect, Field, Label, Level, Model, Msg, Overlay, Screen, TOAST_TTL, init, update,
};
use confmod::telnyx::{
    ApiError, BeepEnabled, Conference, ConferenceParticipant, ConferenceStatus, ErrorKind, Listing,
    Participant, ParticipantAction, ParticipantStatus, UpdateParticipant,
};
use crossterm::event::KeyCode;

/// Conferences of the picker's tests.
const C1: &str = "00000000-0000-4000-8000-0000000000c1";
const C2: &str = "00000000-0000-4000-8000-0000000000c2";
const C3: &str = "00000000-0000-4000-8000-0000000000c3";

#[test]
fn start_on_a_conference_loads_it_and_its_participants() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let effects = init(&mut m, Some(conf()));
    assert_eq!(m.screen, Screen::Table);
    assert!(
        matches!(&effects[0], Effect::LoadConference { conference_id, .. } if *conference_id == conf())
    );
    assert!(
        matches!(&effects[1], Effect::LoadParticipants { conference_id, .. } if *conference_id == conf())
    );
}

#[test]
fn start_without_a_conference_lists_them() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let effects = init(&mut m, None);
    assert_eq!(m.screen, Screen::Picker);
    assert!(matches!(effects[..], [Effect::LoadConferences { .. }]));
}

#[test]
fn navigation_moves_and_clamps() {
    let mut m = table(100);
    let rows = layout::participant_rows(40, false);
    let cases: Vec<(Msg, &str)> = vec![
        (ch('j'), "p1"),
        (key(KeyCode::Down), "p2"),
        (ch('k'), "p1"),
        (key(KeyCode::Up), "p0"),
        (ch('k'), "p0"),
        (ch('G'), "p99"),
        (ch('j'), "p99"),
        (ch('g'), "p0"),
        (
            key(KeyCode::PageDown),
            Box::leak(format!("p{rows}").into_boxed_str()),
        ),
        (key(KeyCode::PageUp), "p0"),
        (key(KeyCode::End), "p99"),
        (key(KeyCode::Home), "p0"),
    ];
    for (msg, want) in cases {
        let shown = format!("{msg:?}");
        update(&mut m, msg);
        assert_eq!(selected_id(&m), want, "after {shown}");
        let conf = m.conf.as_ref().unwrap();
        assert!(
            conf.window(40).contains(&conf.cursor),
            "cursor off screen after {shown}"
        );
    }
}

fn label_requests(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadLabel { participant_id, .. } => Some(participant_id.clone()),
            _ => None,
        })
        .collect()
}

fn label_answer(id: &str, result: Result<Option<String>, ApiError>) -> Msg {
    Msg::LabelLoaded {
        conference_id: conf(),
        participant_id: id.into(),
        result,
    }
}

#[test]
fn labels_are_fetched_for_the_rows_on_screen_only() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let seq = poll_seq(&init(&mut m, Some(conf())));
    let first = label_requests(&update(&mut m, listed(seq, people(5_000))));
    assert_eq!(first, ["p0", "p1", "p2", "p3"], "a few at a time");
    // each answer brings the next row on screen; all of them, and no other
    let mut asked = first.clone();
    let mut queue = first;
    while let Some(id) = queue.pop() {
        let next = label_requests(&update(
            &mut m,
            label_answer(&id, Ok(Some(format!("L {id}")))),
        ));
        asked.extend(next.iter().cloned());
        queue.extend(next);
    }
    let on_screen: Vec<String> = (0..layout::participant_rows(40, false))
        .map(|i| format!("p{i}"))
        .collect();
    asked.sort();
    let mut want = on_screen.clone();
    want.sort();
    assert_eq!(asked, want);
    assert_eq!(m.labels_in_flight, 0);
    assert_eq!(m.label_of(&participant(0)), "L p0");
    // moving within the screen asks for nothing new
    assert!(update(&mut m, ch('j')).is_empty());
    // paging past many screens while lookups are out queues nothing for them
    let mut page = label_requests(&update(&mut m, key(KeyCode::PageDown)));
    page.extend(label_requests(&update(&mut m, key(KeyCode::PageDown))));
    assert_eq!(page.len(), 4);
    for _ in 0..20 {
        assert!(label_requests(&update(&mut m, key(KeyCode::PageDown))).is_empty());
    }
    let here = m.conf.as_ref().unwrap().window(40);
    let next = label_requests(&update(&mut m, label_answer(&page[0], Ok(None))));
    let index = |id: &String| id[1..].parse::<usize>().unwrap();
    assert!(
        next.iter().all(|id| here.contains(&index(id))),
        "{next:?} not in {here:?}"
    );
    // no label: the short call_control_id stands in, without a new request
    assert_eq!(m.labels.get(&page[0]), Some(&Label::None));
    assert_eq!(
        m.label_of(&participant(index(&page[0]))),
        format!("v3:call{}", index(&page[0]))
    );
}

#[test]
fn a_label_lookup_that_failed_for_a_passing_reason_waits_before_asking_again() {
    let mut m = table(3);
    update(
        &mut m,
        label_answer("p0", Err(ApiError::timeout(Duration::from_secs(15)))),
    );
    assert!(matches!(m.labels.get("p0"), Some(Label::RetryAt(_))));
    // a refresh soon after does not ask again
    let seq = poll_seq(&update(&mut m, Msg::Tick(T0 + Duration::from_secs(2))));
    let soon = label_requests(&update(&mut m, listed(seq, people(3))));
    assert!(!soon.contains(&"p0".to_string()), "{soon:?}");
    // one after the wait does
    let seq = poll_seq(&update(&mut m, Msg::Tick(T0 + Duration::from_secs(20))));
    let later = label_requests(&update(&mut m, listed(seq, people(3))));
    assert!(later.contains(&"p0".to_string()), "{later:?}");
}

/// Answers a refresh (asked with `r`) with `items`.
fn refresh(m: &mut Model, items: Vec<Participant>) {
    let seq = poll_seq(&update(m, ch('r')));
    update(m, listed(seq, items));
}

fn ids_on_screen(m: &Model) -> Vec<String> {
    let conf = m.conf.as_ref().unwrap();
    conf.rows.iter().map(|r| r.p.id.clone()).collect()
}

#[test]
fn a_refresh_keeps_the_selection_on_the_same_participant() {
    let mut m = table(10);
    send(&mut m, [ch('j'), ch('j'), ch('j'), ch('j'), ch('j')]);
    assert_eq!(selected_id(&m), "p5");
    // p0 and p1 dropped out of the list, a newcomer joined at the top
    let mut items = vec![participant(42)];
    items.extend((2..10).map(participant));
    refresh(&mut m, items.clone());
    assert_eq!(selected_id(&m), "p5");
    refresh(&mut m, items);
    assert_eq!(selected_id(&m), "p5");
    assert_eq!(m.conf.as_ref().unwrap().cursor, 4);
}

#[test]
fn a_row_one_listing_misses_stays_until_the_next() {
    let mut m = table(5);
    // offset paging skipped p2 once: it stays, not marked as new when back
    refresh(&mut m, [0, 1, 3, 4].map(participant).to_vec());
    assert_eq!(ids_on_screen(&m), ["p0", "p1", "p2", "p3", "p4"]);
    refresh(&mut m, people(5));
    let conf = m.conf.as_ref().unwrap();
    assert!(
        conf.rows
            .iter()
            .all(|r| !r.missed && r.changed_at.is_none())
    );
    // missed twice: gone
    refresh(&mut m, [0, 1, 3, 4].map(participant).to_vec());
    refresh(&mut m, [0, 1, 3, 4].map(participant).to_vec());
    assert_eq!(ids_on_screen(&m), ["p0", "p1", "p3", "p4"]);
}

#[test]
fn when_the_selected_participant_drops_out_the_row_stays_gone_until_the_operator_moves() {
    let mut m = table(10);
    send(&mut m, [ch('G')]);
    refresh(&mut m, people(5));
    assert_eq!(selected_id(&m), "p9", "kept for one listing");
    refresh(&mut m, people(5));
    // the cursor never lands on someone else by itself
    assert_eq!(selected_id(&m), "p9");
    let conf = m.conf.as_ref().unwrap();
    assert!(conf.selected().unwrap().gone);
    assert_eq!(ids_on_screen(&m), ["p0", "p1", "p2", "p3", "p4", "p9"]);
    // no write reaches a participant who is gone
    for k in ['m', 'o'] {
        assert!(update(&mut m, ch(k)).is_empty(), "{k}");
    }
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.overlay.is_none());
    assert!(has_toast(&m, Level::Info, "no longer in the conference"));
    // still there at the next refresh, until the operator moves
    refresh(&mut m, people(5));
    assert_eq!(selected_id(&m), "p9");
    update(&mut m, ch('k'));
    assert_eq!(selected_id(&m), "p4");
    assert_eq!(ids_on_screen(&m), ["p0", "p1", "p2", "p3", "p4"]);
}

#[test]
fn changed_and_new_rows_are_marked_at_refresh_time() {
    let mut m = table(3);
    assert!(
        m.conf
            .as_ref()
            .unwrap()
            .rows
            .iter()
            .all(|r| r.changed_at.is_none())
    );
    let t1 = T0 + Duration::from_secs(2);
    let effects = update(&mut m, Msg::Tick(t1));
    let seq = poll_seq(&effects);
    let mut items = people(4);
    items[1].muted = true;
    items[2].status = ParticipantStatus::Left;
    update(&mut m, listed(seq, items));
    let conf = m.conf.as_ref().unwrap();
    let marks: Vec<bool> = conf.rows.iter().map(|r| r.changed_at == Some(t1)).collect();
    assert_eq!(marks, vec![false, true, true, true]);
    assert_eq!(conf.counts, (0, 3, 1));
}

#[test]
fn polls_slow_down_for_a_large_conference_and_a_low_rate_budget_and_say_so() {
    let mut m = table(3);
    // a small conference: every refresh (2 s)
    assert_eq!(m.conf.as_ref().unwrap().interval, Duration::from_secs(2));
    // 50,000 participants are 200 pages: at most 20 pages a second
    let seq = poll_seq(&update(&mut m, Msg::Tick(T0 + Duration::from_secs(2))));
    let later = T0 + Duration::from_secs(3);
    update(&mut m, Msg::Tick(later));
    update(&mut m, listed(seq, people(50_000)));
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.interval, Duration::from_secs(10));
    assert_eq!(conf.load.next_at, Some(later + Duration::from_secs(10)));
    // a rate budget below a fifth doubles the wait
    update(
        &mut m,
        Msg::RateLimit(confmod::telnyx::RateLimit {
            limit: 100,
            remaining: 3,
            reset: Duration::from_secs(1),
        }),
    );
    let at = later + Duration::from_secs(10);
    let seq = poll_seq(&update(&mut m, Msg::Tick(at)));
    update(&mut m, listed(seq, people(50_000)));
    assert_eq!(m.conf.as_ref().unwrap().interval, Duration::from_secs(20));
    // the header says the refreshes slowed
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| confmod::view::view(&m, f)).unwrap();
    let screen = terminal.backend().to_string();
    assert!(screen.contains("· every 20s"), "{screen}");
}

#[test]
fn a_refresh_with_the_same_participants_marks_nothing_and_keeps_the_order() {
    let mut m = table(200);
    let before: Vec<String> = m
        .conf
        .as_ref()
        .unwrap()
        .shown
        .iter()
        .map(|&i| m.conf.as_ref().unwrap().rows[i].p.id.clone())
        .collect();
    let seq = poll_seq(&update(&mut m, Msg::Tick(T0 + Duration::from_secs(2))));
    update(&mut m, listed(seq, people(200)));
    let conf = m.conf.as_ref().unwrap();
    assert!(conf.rows.iter().all(|r| r.changed_at.is_none()));
    assert!(conf.changes.is_empty());
    let after: Vec<String> = conf
        .shown
        .iter()
        .map(|&i| conf.rows[i].p.id.clone())
        .collect();
    assert_eq!(before, after);
    // one muted: marked, and the console wakes when the mark goes
    let mut items = people(200);
    items[7].muted = !items[7].muted;
    let now = T0 + Duration::from_secs(4);
    let seq = poll_seq(&update(&mut m, Msg::Tick(now)));
    update(&mut m, listed(seq, items));
    let conf = m.conf.as_ref().unwrap();
    let marked: Vec<&str> = conf
        .rows
        .iter()
        .filter(|r| r.changed_at.is_some())
        .map(|r| r.p.id.as_str())
        .collect();
    assert_eq!(marked, ["p7"]);
    assert_eq!(conf.changes.len(), 1);
    let until = conf.changes[0];
    assert!(m.next_deadline().is_some_and(|d| d <= until));
    update(&mut m, Msg::Tick(until));
    assert!(m.conf.as_ref().unwrap().changes.is_empty());
}

#[test]
fn rows_keep_only_what_the_console_shows_or_sends() {
    let mut m = table(3);
    let mut items = people(3);
    for p in &mut items {
        p.call_leg_id = "0ccc7b54-4df3-4bcb-a65a-3da1ecc997d7".into();
        p.conference.id = CONF.into();
        p.conference.name = "Weekly sync".into();
        p.whisper_call_control_ids = vec!["v3:whisper".into()];
        p.updated_at = "2026-11-30T09:59:00.000Z".into();
    }
    let seq = poll_seq(&update(&mut m, Msg::Tick(T0 + Duration::from_secs(2))));
    update(&mut m, listed(seq, items));
    for r in &m.conf.as_ref().unwrap().rows {
        let p = &r.p;
        assert!(!p.id.is_empty() && !p.call_control_id.is_empty() && !p.created_at.is_empty());
        assert!(
            p.call_leg_id.is_empty() && p.conference.id.is_empty() && p.conference.name.is_empty()
        );
        assert!(
            p.whisper_call_control_ids.is_empty()
                && p.updated_at.is_empty()
                && p.record_type.is_empty()
        );
    }
}

#[test]
fn a_server_asking_for_an_hour_is_tried_again_within_a_minute() {
    let mut m = table(3);
    let now = T0 + Duration::from_secs(2);
    let seq = poll_seq(&update(&mut m, Msg::Tick(now)));
    let hour = ApiError::from_response(
        429,
        br#"{"errors":[{"code":"10011","title":"Too many requests"}]}"#,
        Some(Duration::from_secs(3600)),
    );
    update(&mut m, failed_listing(seq, hour));
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.load.next_at, Some(now + Duration::from_secs(60)));
    // a wait it can give is given whole
    let seq = poll_seq(&update(&mut m, key(KeyCode::Char('r'))));
    let ten = ApiError::from_response(429, b"", Some(Duration::from_secs(10)));
    update(&mut m, failed_listing(seq, ten));
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.load.next_at, Some(now + Duration::from_secs(10)));
}

#[test]
fn polls_are_due_every_refresh_interval_and_not_before() {
    let mut m = table(3);
    assert!(
        m.next_deadline()
            .is_some_and(|d| d <= T0 + Duration::from_secs(2))
    );
    assert!(update(&mut m, Msg::Tick(T0 + Duration::from_secs(1))).is_empty());
    let effects = update(&mut m, Msg::Tick(T0 + Duration::from_secs(2)));
    let seq = poll_seq(&effects);
    // while a poll is out, no second one
    assert!(update(&mut m, Msg::Tick(T0 + Duration::from_secs(5))).is_empty());
    assert!(update(&mut m, ch('r')).is_empty());
    // the answer took 3 s: the next one starts twice that after it
    update(&mut m, listed(seq, people(3)));
    assert!(update(&mut m, Msg::Tick(T0 + Duration::from_secs(10))).is_empty());
    assert!(update(&mut m, Msg::Tick(T0 + Duration::from_secs(11))).len() == 1);
}

#[test]
fn a_failing_refresh_goes_offline_and_retries_with_backoff() {
    let mut m = table(3);
    let t1 = T0 + Duration::from_secs(2);
    let seq = poll_seq(&update(&mut m, Msg::Tick(t1)));
    update(
        &mut m,
        failed_listing(seq, ApiError::connection("connection refused")),
    );
    let conf = m.conf.as_ref().unwrap();
    let (e, retry) = conf.load.failure.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Connection);
    assert_eq!(*retry, Some(t1 + Duration::from_secs(1)));
    // the rows already shown stay
    assert_eq!(conf.rows.len(), 3);
    let seq = poll_seq(&update(&mut m, Msg::Tick(t1 + Duration::from_secs(1))));
    update(
        &mut m,
        failed_listing(seq, ApiError::timeout(Duration::from_secs(15))),
    );
    let retry = m.conf.as_ref().unwrap().load.failure.as_ref().unwrap().1;
    assert_eq!(retry, Some(t1 + Duration::from_secs(1 + 2)));
}

#[test]
fn an_authentication_failure_waits_for_the_operator() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let seq = poll_seq(&init(&mut m, Some(conf())));
    update(
        &mut m,
        failed_listing(
            seq,
            api_error(401, "10009", "Authentication failed", "bad key"),
        ),
    );
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.load.failure.as_ref().unwrap().1, None);
    // nothing animates or counts down on this error screen: no timer at all
    assert_eq!(m.next_deadline(), None);
    assert!(update(&mut m, Msg::Tick(T0 + Duration::from_secs(60))).is_empty());
    assert_eq!(poll_seq(&update(&mut m, ch('r'))), m.seq);
}

/// The screen as drawn at 120x40.
fn drawn(m: &Model) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| confmod::view::view(m, f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_key_refused_once_rows_are_shown_keeps_them_and_waits_for_the_operator() {
    let mut m = table(3);
    let seq = poll_seq(&update(&mut m, ch('r')));
    update(
        &mut m,
        failed_listing(
            seq,
            api_error(401, "10009", "Authentication failed", "bad key"),
        ),
    );
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.rows.len(), 3);
    let (e, retry) = conf.load.failure.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(*retry, None);
    assert!(update(&mut m, Msg::Tick(T0 + Duration::from_secs(60))).is_empty());
    let screen = drawn(&m);
    let header = screen.lines().nth(1).unwrap();
    assert!(
        header.contains("✖ 401 10009 Authentication failed") && header.contains("r retry"),
        "{screen}"
    );
    assert!(!screen.contains("retrying in"), "{screen}");
    assert!(screen.contains("v3:call2"), "the rows stay: {screen}");
    // r asks again
    assert_eq!(poll_seq(&update(&mut m, ch('r'))), m.seq);
}

#[test]
fn a_not_found_other_than_the_conference_is_retried_and_the_conference_is_not() {
    let mut m = table(3);
    let now = T0 + Duration::from_secs(2);
    let seq = poll_seq(&update(&mut m, Msg::Tick(now)));
    let other = api_error(404, "10005", "Resource not found", "");
    update(&mut m, failed_listing(seq, other));
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(
        conf.load.failure.as_ref().unwrap().1,
        Some(now + Duration::from_secs(1))
    );
    assert_eq!(conf.load.next_at, Some(now + Duration::from_secs(1)));
    let seq = poll_seq(&update(&mut m, ch('r')));
    let gone = api_error(404, "90058", "Conference not found", "");
    update(&mut m, failed_listing(seq, gone));
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.load.failure.as_ref().unwrap().1, None);
    assert_eq!(conf.load.next_at, None);
    assert!(update(&mut m, Msg::Tick(now + Duration::from_secs(60))).is_empty());
}

#[test]
fn the_form_sends_only_the_changed_fields() {
    let mut m = table(3);
    send(&mut m, [ch('j'), key(KeyCode::Enter)]);
    assert!(
        matches!(&m.overlay, Some(Overlay::Form(f)) if f.targets == ["p1"] && f.focus == Field::EndOnExit)
    );
    let effects = send(
        &mut m,
        [
            key(KeyCode::Tab),
            ch(' '), // soft end: no -> yes
            key(KeyCode::Tab),
            key(KeyCode::Right), // beep: unchanged -> always
            key(KeyCode::Right), // -> never
        ],
    );
    assert!(effects.is_empty());
    let effects = update(&mut m, key(KeyCode::Enter));
    let (seq, body) = patch_of(&effects);
    assert_eq!(
        body,
        UpdateParticipant {
            end_conference_on_exit: None,
            soft_end_conference_on_exit: Some(true),
            beep_enabled: Some(BeepEnabled::Never),
        }
    );
    assert!(
        matches!(&effects[0], Effect::Patch { participant_id, conference_id, .. } if participant_id == "p1" && *conference_id == conf())
    );
    assert_eq!(m.pending.get("p1").map(|p| p.seq), Some(seq));
    // in flight: a second Enter sends nothing
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(has_toast(&m, Level::Info, "already saving"));
}

#[test]
fn nothing_changed_means_nothing_sent_and_esc_cancels() {
    let mut m = table(3);
    update(&mut m, key(KeyCode::Enter));
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(has_toast(&m, Level::Info, "nothing changed"));
    // toggling twice is no change either
    assert!(send(&mut m, [ch(' '), ch(' '), key(KeyCode::Enter)]).is_empty());
    send(&mut m, [ch(' ')]);
    assert!(update(&mut m, key(KeyCode::Esc)).is_empty());
    assert!(m.overlay.is_none());
    assert!(m.pending.is_empty());
}

#[test]
fn a_successful_patch_takes_the_servers_values() {
    let mut m = table(3);
    let effects = send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    );
    let (seq, _) = patch_of(&effects);
    let t1 = T0 + Duration::from_millis(300);
    update(&mut m, Msg::Tick(t1));
    update(
        &mut m,
        patched(
            seq,
            "p0",
            Ok(ConferenceParticipant {
                id: Some("p0".into()),
                label: Some("Ava Thompson".into()),
                // the server has the last word, even against what was asked
                soft_end_conference_on_exit: Some(false),
                end_conference_on_exit: Some(true),
                ..Default::default()
            }),
        ),
    );
    let p = row(&m, "p0");
    assert!(!p.soft_end_conference_on_exit && p.end_conference_on_exit);
    assert_eq!(m.beeps.get("p0"), Some(&BeepEnabled::Always));
    assert_eq!(
        m.labels.get("p0"),
        Some(&Label::Known("Ava Thompson".into()))
    );
    assert!(m.overlay.is_none(), "the form closes on success");
    assert!(m.pending.is_empty());
    // a 200 that did not take the change is not reported as saved
    assert!(has_toast(
        &m,
        Level::Error,
        "Ava Thompson: the server answered 200 but kept soft_end_conference_on_exit = no"
    ));
    assert!(!m.toasts.iter().any(|t| t.level == Level::Success));
    assert_eq!(
        m.conf.as_ref().unwrap().row("p0").unwrap().changed_at,
        Some(t1)
    );
}

#[test]
fn a_patch_the_server_took_is_reported_saved() {
    let mut m = table(3);
    let seq = submit_soft_end(&mut m);
    update(
        &mut m,
        patched(
            seq,
            "p0",
            Ok(ConferenceParticipant {
                soft_end_conference_on_exit: Some(true),
                ..Default::default()
            }),
        ),
    );
    assert!(row(&m, "p0").soft_end_conference_on_exit);
    assert!(has_toast(
        &m,
        Level::Success,
        "saved v3:call0: soft_end_conference_on_exit → yes"
    ));
}

#[test]
fn an_error_stays_on_screen_and_the_row_keeps_the_servers_values() {
    let mut m = table(3);
    let seq = submit_soft_end(&mut m);
    let reload = update(
        &mut m,
        patched(
            seq,
            "p0",
            Err(api_error(
                422,
                "90019",
                "Conference has already ended",
                "This conference is no longer active and can't receive commands.",
            )),
        ),
    );
    assert!(has_toast(
        &m,
        Level::Error,
        "422 90019 Conference has already ended: This conference is no longer active and can't receive commands."
    ));
    assert!(!row(&m, "p0").soft_end_conference_on_exit);
    assert!(matches!(&m.overlay, Some(Overlay::Form(f)) if f.submitting.is_none()));
    assert!(m.conf.as_ref().unwrap().ended.is_some());
    // the conference is reloaded for its status and end reason
    let Some(Effect::LoadConference { seq, .. }) = reload.first().cloned() else {
        panic!("no reload: {reload:?}")
    };
    update(
        &mut m,
        Msg::ConferenceLoaded {
            seq,
            conference_id: conf(),
            result: Ok(Conference {
                id: CONF.into(),
                status: Some(ConferenceStatus::Completed),
                end_reason: Some(confmod::telnyx::EndReason::EndedViaApi),
                ..Default::default()
            }),
        },
    );
    let ended = m.conf.as_ref().unwrap().ended.clone().unwrap();
    assert_eq!(ended.why().as_deref(), Some("ended via the API"));
    // errors do not expire
    update(&mut m, Msg::Tick(T0 + TOAST_TTL * 10));
    assert!(m.toasts.iter().any(|t| t.level == Level::Error));
    // the conference has ended: no new write is attempted
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    update(&mut m, key(KeyCode::Esc));
    assert!(send(&mut m, [ch('m'), key(KeyCode::Enter)]).is_empty());
    assert!(has_toast(&m, Level::Info, "ended"));
}

#[test]
fn a_call_that_ended_refreshes_the_list() {
    let mut m = table(3);
    let seq = submit_soft_end(&mut m);
    update(
        &mut m,
        patched(
            seq,
            "p0",
            Err(api_error(422, "90018", "Call has already ended", "gone")),
        ),
    );
    assert!(has_toast(&m, Level::Error, "90018"));
    assert_eq!(m.conf.as_ref().unwrap().load.next_at, Some(T0));
    assert!(m.conf.as_ref().unwrap().ended.is_none());
}

#[test]
fn a_participant_not_found_refreshes_the_list() {
    let mut m = table(3);
    let seq = submit_soft_end(&mut m);
    update(
        &mut m,
        patched(
            seq,
            "p0",
            Err(api_error(404, "10007", "Participant not found", "")),
        ),
    );
    assert!(has_toast(&m, Level::Error, "could not update"));
    assert!(has_toast(&m, Level::Error, "404 10007"));
    assert_eq!(m.conf.as_ref().unwrap().load.next_at, Some(T0));
    assert!(m.conf.as_ref().unwrap().ended.is_none());
}

#[test]
fn a_value_the_server_refuses_is_shown_with_its_pointer_and_changes_nothing_else() {
    let mut m = table(3);
    let next_at = m.conf.as_ref().unwrap().load.next_at;
    let seq = submit_soft_end(&mut m);
    let body = serde_json::json!({"errors": [{
        "code": "10032",
        "title": "Invalid enumerated value",
        "detail": "beep_enabled must be one of always, never, on_enter, on_exit",
        "source": {"pointer": "/beep_enabled"},
    }]});
    let refused = ApiError::from_response(422, body.to_string().as_bytes(), None);
    let effects = update(&mut m, patched(seq, "p0", Err(refused)));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(has_toast(
        &m,
        Level::Error,
        "422 10032 Invalid enumerated value"
    ));
    assert!(has_toast(&m, Level::Error, "[/beep_enabled]"));
    // the form stays open for another try; no refresh, no end
    assert!(matches!(&m.overlay, Some(Overlay::Form(f)) if f.submitting.is_none()));
    let conf = m.conf.as_ref().unwrap();
    assert_eq!(conf.load.next_at, next_at);
    assert!(conf.ended.is_none());
}

#[test]
fn a_single_write_that_fails_marks_its_row_until_one_succeeds() {
    let mut m = table(3);
    let seq = submit_soft_end(&mut m);
    let gone = api_error(404, "10007", "Participant not found", "");
    update(&mut m, patched(seq, "p0", Err(gone)));
    update(&mut m, key(KeyCode::Esc));
    let row = |m: &Model| {
        let screen = drawn(m);
        let line = screen.lines().find(|l| l.contains("v3:call0")).unwrap();
        line.to_string()
    };
    assert!(row(&m).contains('✖'), "{}", row(&m));
    // the same write again, taken this time: the mark goes
    let seq = submit_soft_end(&mut m);
    let taken = ConferenceParticipant {
        id: Some("p0".into()),
        soft_end_conference_on_exit: Some(true),
        ..Default::default()
    };
    update(&mut m, patched(seq, "p0", Ok(taken)));
    assert!(!row(&m).contains('✖'), "{}", row(&m));
}

#[test]
fn stale_answers_never_overwrite_newer_state() {
    let mut m = table(3);
    // a refresh goes out, then a PATCH; the PATCH answers first
    let poll = poll_seq(&update(&mut m, ch('r')));
    let (seq, _) = patch_of(&send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    ));
    assert!(seq > poll);
    update(
        &mut m,
        patched(
            seq,
            "p0",
            Ok(ConferenceParticipant {
                soft_end_conference_on_exit: Some(true),
                ..Default::default()
            }),
        ),
    );
    // the older listing, asked before the PATCH, must not undo it
    update(&mut m, listed(poll, people(3)));
    assert!(row(&m, "p0").soft_end_conference_on_exit);
    // an answer with an older seq for the same participant is dropped
    update(
        &mut m,
        patched(
            seq - 1,
            "p0",
            Ok(ConferenceParticipant {
                soft_end_conference_on_exit: Some(false),
                ..Default::default()
            }),
        ),
    );
    assert!(row(&m, "p0").soft_end_conference_on_exit);
    // a listing asked after the PATCH is the truth again
    let later = poll_seq(&update(&mut m, ch('r')));
    update(&mut m, listed(later, people(3)));
    assert!(!row(&m, "p0").soft_end_conference_on_exit);
}

#[test]
fn end_on_exit_asks_before_sending() {
    let mut m = table(3);
    send(&mut m, [key(KeyCode::Enter), ch(' ')]);
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(matches!(m.overlay, Some(Overlay::Confirm(_))));
    // keys other than y / n / Esc do nothing here
    assert!(send(&mut m, [ch('q'), key(KeyCode::Enter), ch('j')]).is_empty());
    assert!(matches!(m.overlay, Some(Overlay::Confirm(_))));
    assert!(update(&mut m, ch('n')).is_empty());
    assert!(
        matches!(m.overlay, Some(Overlay::Form(_))),
        "n goes back to the form"
    );
    update(&mut m, key(KeyCode::Enter));
    let effects = update(&mut m, ch('y'));
    let (_, body) = patch_of(&effects);
    assert_eq!(body.end_conference_on_exit, Some(true));
}

#[test]
fn mute_and_hold_address_one_call_control_id() {
    let mut m = table(3);
    let effects = send(&mut m, [ch('j'), ch('m')]);
    let Some(Effect::Action {
        seq,
        action,
        call_control_ids,
        participant_ids,
        ..
    }) = effects.first()
    else {
        panic!("no action: {effects:?}")
    };
    assert_eq!(*action, ParticipantAction::Mute);
    assert_eq!(call_control_ids.as_slice(), ["v3:call1"]);
    // a second toggle while in flight is refused
    assert!(update(&mut m, ch('m')).is_empty());
    let effects = update(
        &mut m,
        Msg::ActionDone {
            seq: *seq,
            conference_id: conf(),
            participant_ids: participant_ids.clone(),
            action: ParticipantAction::Mute,
            result: Ok(ok()),
        },
    );
    assert!(row(&m, "p1").muted);
    // confirmed by a refresh
    poll_seq(&effects);
    let effects = update(&mut m, ch('o'));
    assert!(matches!(
        effects.first(),
        Some(Effect::Action {
            action: ParticipantAction::Hold,
            ..
        })
    ));
}

#[test]
fn read_only_sends_nothing() {
    let mut m = Model::new(
        Context {
            read_only: true,
            ..ctx()
        },
        T0,
        (120, 40),
    );
    let seq = poll_seq(&init(&mut m, Some(conf())));
    update(&mut m, listed(seq, people(3)));
    assert!(send(&mut m, [key(KeyCode::Enter), ch('m'), ch('o')]).is_empty());
    assert!(m.overlay.is_none());
    assert!(has_toast(&m, Level::Info, "read-only"));
}

#[test]
fn toasts_expire_but_errors_stay_until_esc() {
    let mut m = table(3);
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Enter)); // "nothing changed"
    update(&mut m, key(KeyCode::Esc));
    m.toast(Level::Error, "boom");
    update(&mut m, Msg::Tick(T0 + TOAST_TTL));
    assert_eq!(m.toasts.len(), 1);
    assert_eq!(m.toasts[0].text, "boom");
    // Esc dismisses errors first, then goes back to the picker
    assert!(update(&mut m, key(KeyCode::Esc)).is_empty());
    assert!(m.toasts.is_empty());
    assert_eq!(m.screen, Screen::Table);
    let effects = update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.screen, Screen::Picker);
    assert!(matches!(effects[..], [Effect::LoadConferences { .. }]));
}

#[test]
fn quit_from_the_table_and_ctrl_c_from_anywhere() {
    let mut m = table(3);
    update(&mut m, key(KeyCode::Enter));
    assert!(
        update(&mut m, ch('q')).is_empty(),
        "q types nothing in the form"
    );
    assert_eq!(update(&mut m, ctrl_c()), vec![Effect::Quit]);

    let mut m = table(3);
    assert_eq!(update(&mut m, ch('q')), vec![Effect::Quit]);

    let mut m = table(3);
    update(&mut m, ch('?'));
    assert!(matches!(m.overlay, Some(Overlay::Help)));
    update(&mut m, key(KeyCode::Esc));
    assert!(m.overlay.is_none());
}

fn conference(id: &str, name: &str) -> Conference {
    Conference {
        id: id.into(),
        name: name.into(),
        status: Some(ConferenceStatus::InProgress),
        created_at: "2026-11-30T09:00:00.000Z".into(),
        ..Default::default()
    }
}

fn conferences_loaded(seq: u64, items: Vec<Conference>) -> Msg {
    Msg::ConferencesLoaded {
        seq,
        result: Ok(Listing {
            items,
            rejected: vec![],
            ..Listing::default()
        }),
    }
}

#[test]
fn the_picker_filters_and_opens_a_conference() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let Effect::LoadConferences { seq } = init(&mut m, None)[0] else {
        panic!()
    };
    // a stale answer is ignored
    update(
        &mut m,
        Msg::ConferencesLoaded {
            seq: seq + 100,
            result: Ok(Listing::default()),
        },
    );
    assert!(m.picker.load.in_flight.is_some());
    let mut ended = conference(C3, "Board sync");
    ended.status = Some(ConferenceStatus::Completed);
    update(
        &mut m,
        Msg::ConferencesLoaded {
            seq,
            result: Ok(Listing {
                items: vec![
                    conference(C1, "Q4 All Hands"),
                    conference(C2, "EMEA sales weekly"),
                    ended,
                ],
                rejected: vec![],
                ..Listing::default()
            }),
        },
    );
    assert_eq!(m.picker.visible().len(), 2, "only conferences in progress");
    send(&mut m, [ch('/'), ch('e'), ch('m'), ch('e'), ch('a')]);
    assert_eq!(m.picker.visible(), vec![1]);
    // q is text while filtering
    assert!(update(&mut m, ch('q')).is_empty());
    update(&mut m, key(KeyCode::Backspace));
    update(&mut m, key(KeyCode::Enter));
    assert!(!m.picker.filtering);
    let effects = update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.screen, Screen::Table);
    assert_eq!(m.conf.as_ref().unwrap().id.to_string(), C2);
    assert!(effects.iter().any(
        |e| matches!(e, Effect::LoadParticipants { conference_id, .. } if conference_id.to_string() == C2)
    ));
    // Esc in the picker clears the filter
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.picker.visible().len(), 2);
}

#[test]
fn answers_for_another_conference_are_ignored() {
    let mut m = table(3);
    let seq = m.seq;
    update(
        &mut m,
        Msg::ParticipantsLoaded {
            seq,
            conference_id: C1.parse().unwrap(),
            result: Ok(Listing {
                items: people(9),
                rejected: vec![],
                ..Listing::default()
            }),
        },
    );
    assert_eq!(m.conf.as_ref().unwrap().rows.len(), 3);
}

#[test]
fn a_too_small_terminal_asks_for_no_labels() {
    let mut m = table(100);
    let out: Vec<String> = m
        .labels
        .iter()
        .filter(|(_, l)| **l == Label::Pending)
        .map(|(id, _)| id.clone())
        .collect();
    assert!(update(&mut m, Msg::Resize(50, 10)).is_empty());
    assert!(m.too_small());
    // answers while too small ask for nothing more
    for id in out {
        assert!(update(&mut m, label_answer(&id, Ok(None))).is_empty());
    }
    let effects = update(&mut m, Msg::Resize(200, 60));
    assert!(!effects.is_empty());
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::LoadLabel { .. }))
    );
}

#[test]
fn the_console_is_idle_when_nothing_is_due() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let Effect::LoadConferences { seq } = init(&mut m, None)[0] else {
        panic!()
    };
    update(
        &mut m,
        conferences_loaded(seq, vec![conference(C1, "Q4 All Hands")]),
    );
    // an idle picker wakes only for its next refresh (five table refreshes)
    assert_eq!(m.next_deadline(), Some(T0 + ctx().refresh * 5));
}

#[test]
fn no_patch_while_a_mute_is_in_flight_for_the_same_participant() {
    let mut m = table(3);
    let mute = update(&mut m, ch('m'));
    assert!(matches!(mute.first(), Some(Effect::Action { .. })));
    let effects = send(
        &mut m,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            ch(' '),
            key(KeyCode::Enter),
        ],
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(has_toast(&m, Level::Info, "in flight"));
    // the mute's answer is still the one that counts
    let Some(Effect::Action { seq, .. }) = mute.first().cloned() else {
        unreachable!()
    };
    update(
        &mut m,
        Msg::ActionDone {
            seq,
            conference_id: conf(),
            participant_ids: vec!["p0".into()],
            action: ParticipantAction::Mute,
            result: Ok(ok()),
        },
    );
    assert!(row(&m, "p0").muted);
}

#[test]
fn help_is_not_opened_over_the_form() {
    let mut m = table(3);
    send(&mut m, [key(KeyCode::Enter), ch(' '), ch('?')]);
    assert!(matches!(&m.overlay, Some(Overlay::Form(f)) if f.end_on_exit == Some(true)));
}

#[test]
fn a_patch_answer_older_than_the_rows_listing_sets_only_its_fields() {
    let mut m = table(3);
    let seq = submit_soft_end(&mut m);
    // a listing asked after the PATCH went out, answered before it: p0 muted
    update(&mut m, key(KeyCode::Esc));
    let poll = poll_seq(&update(&mut m, ch('r')));
    let mut items = people(3);
    items[0].muted = true;
    update(&mut m, listed(poll, items));
    update(
        &mut m,
        patched(
            seq,
            "p0",
            Ok(ConferenceParticipant {
                muted: Some(false),
                soft_end_conference_on_exit: Some(true),
                ..Default::default()
            }),
        ),
    );
    let p = row(&m, "p0");
    assert!(p.soft_end_conference_on_exit, "the PATCH's own field");
    assert!(p.muted, "the newer listing's value stays");
}

#[test]
fn the_picker_cursor_follows_a_shrinking_list() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let Effect::LoadConferences { seq } = init(&mut m, None)[0] else {
        panic!()
    };
    let three = vec![
        conference("c1", "A"),
        conference("c2", "B"),
        conference("c3", "C"),
    ];
    update(&mut m, conferences_loaded(seq, three));
    update(&mut m, ch('G'));
    let Some(Effect::LoadConferences { seq }) = update(&mut m, ch('r')).first().cloned() else {
        panic!()
    };
    let one = vec![conference("c1", "A")];
    update(&mut m, conferences_loaded(seq, one));
    // the ones that left stay, marked ended, and the selection with them
    let selected = m.picker.selected().unwrap();
    assert_eq!(selected.id, "c3");
    assert_eq!(selected.status, Some(ConferenceStatus::Completed));
    // a filter that hides the selected one moves the cursor into the list
    send(&mut m, [ch('/'), ch('a')]);
    assert_eq!(m.picker.selected().map(|c| c.id.as_str()), Some("c1"));
}

#[test]
fn the_picker_filter_takes_every_printable_key_as_text() {
    let mut m = Model::new(ctx(), T0, (120, 40));
    let Effect::LoadConferences { seq } = init(&mut m, None)[0] else {
        panic!()
    };
    update(
        &mut m,
        conferences_loaded(seq, vec![conference(C1, "Q4 All Hands")]),
    );
    update(&mut m, ch('/'));
    let typed = "rq?jkGg/ mo";
    let effects = send(&mut m, typed.chars().map(ch));
    assert!(effects.is_empty(), "a key acted while typing: {effects:?}");
    assert_eq!(m.picker.filter.value(), typed);
    assert!(m.overlay.is_none() && m.picker.filtering);
    assert_eq!(m.screen, Screen::Picker);
    // Esc clears, Ctrl-C still quits from the entry
    update(&mut m, ch('/'));
    assert_eq!(update(&mut m, ctrl_c()), vec![Effect::Quit]);
    update(&mut m, key(KeyCode::Esc));
    assert!(!m.picker.filtering && m.picker.filter.value().is_empty());
}

#[test]
fn a_listing_that_stopped_early_is_marked_until_a_complete_one_arrives() {
    let mut m = table(3);
    let seq = poll_seq(&update(&mut m, ch('r')));
    let cut = Listing {
        items: people(3),
        warnings: vec!["the server's paging did not advance: stopped after page 1".into()],
        ..Listing::default()
    };
    update(
        &mut m,
        Msg::ParticipantsLoaded {
            seq,
            conference_id: conf(),
            result: Ok(cut),
        },
    );
    let warning = m.conf.as_ref().unwrap().warning.clone();
    assert!(warning.is_some_and(|w| w.contains("did not advance")));
    let seq = poll_seq(&update(&mut m, ch('r')));
    update(&mut m, listed(seq, people(3)));
    assert_eq!(m.conf.as_ref().unwrap().warning, None);
}
