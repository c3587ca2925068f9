//! Whole-screen snapshots of the view at fixed sizes, from fixtures with time
//! injected (no clock): review with `cargo insta review`, commit every `.snap`.

use std::time::Duration;

use confmod::app::{Context, Effect, Label, Level, Model, Msg, init, update};
use confmod::telnyx::{
    ApiError, BeepEnabled, Conference, ConferenceStatus, Listing, Participant, ParticipantStatus,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;
use time::macros::datetime;

const CONF: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const T0: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

const LABELS: [&str; 12] = [
    "Ava Thompson (host)",
    "Liam Chen",
    "Sofia Martínez",
    "Dial-in +1 415 555 0134",
    "Hiroshi Tanaka 田中",
    "Front desk (iPad)",
    "Amara Okafor",
    "Lucas Müller",
    "Board room B",
    "Recorder bot",
    "Grace Kim",
    "Interpreter (ES)",
];

fn ctx(demo: bool) -> Context {
    Context {
        api_host: "127.0.0.1:8765".into(),
        demo,
        read_only: false,
        no_color: true,
        refresh: Duration::from_secs(2),
        concurrency: 8,
        hold_music: None,
        api_base: "http://127.0.0.1:8765/v2".into(),
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn participants(n: usize) -> Vec<Participant> {
    (0..n)
        .map(|i| Participant {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            call_control_id: format!(
                "v3:Md{i:02}X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
            ),
            status: match i % 11 {
                3 => ParticipantStatus::Joining,
                7 => ParticipantStatus::Left,
                _ => ParticipantStatus::Joined,
            },
            muted: i % 4 == 1,
            on_hold: i % 9 == 5,
            soft_end_conference_on_exit: i == 0,
            created_at: format!("2026-11-30T09:{:02}:00.000Z", 59 - (i * 3) % 60),
            ..Default::default()
        })
        .collect()
}

/// The participant table with labels for most rows, one beep set, one
/// request in flight and one row just changed.
fn table(size: (u16, u16), n: usize) -> Model {
    let mut m = Model::new(ctx(true), T0, size);
    let effects = init(&mut m, Some(CONF.parse().unwrap()));
    let Some(Effect::LoadConference { seq: cseq, .. }) = effects.first().cloned() else {
        panic!("no conference request")
    };
    let Some(Effect::LoadParticipants { seq, .. }) = effects.get(1).cloned() else {
        panic!("no participant request")
    };
    update(
        &mut m,
        Msg::ConferenceLoaded {
            seq: cseq,
            conference_id: CONF.parse().unwrap(),
            result: Ok(Conference {
                id: CONF.into(),
                name: "Q4 All Hands".into(),
                status: Some(ConferenceStatus::InProgress),
                ..Default::default()
            }),
        },
    );
    let people = participants(n);
    update(
        &mut m,
        Msg::ParticipantsLoaded {
            seq,
            conference_id: CONF.parse().unwrap(),
            result: Ok(Listing {
                items: people.clone(),
                rejected: vec![],
                ..Listing::default()
            }),
        },
    );
    for (i, p) in people.iter().enumerate() {
        let label = match LABELS.get(i) {
            Some(l) => Label::Known((*l).to_string()),
            None => Label::Pending,
        };
        m.labels.insert(p.id.clone(), label);
    }
    m.beeps.insert(people[0].id.clone(), BeepEnabled::OnExit);
    update(&mut m, Msg::Tick(T0 + Duration::from_secs(1)));
    m
}

/// The table after `keys`.
fn table_after(size: (u16, u16), keys: &[KeyCode]) -> Model {
    let mut m = table(size, 30);
    for k in keys {
        update(&mut m, key(*k));
    }
    m
}

/// The participant list request `seq` answered by a refused connection.
fn refused(seq: u64) -> Msg {
    Msg::ParticipantsLoaded {
        seq,
        conference_id: CONF.parse().unwrap(),
        result: Err(ApiError::connection(
            "tcp connect error: Connection refused (os error 111)",
        )),
    }
}

fn render(m: &Model) -> String {
    let mut terminal = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    terminal.draw(|f| confmod::view::view(m, f)).unwrap();
    terminal.backend().to_string()
}

fn both_sizes(name: &str, build: impl Fn((u16, u16)) -> Model) {
    for size in [(80, 24), (120, 40)] {
        let m = build(size);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), render(&m));
    }
}

#[test]
fn participant_table() {
    both_sizes("table", |size| {
        let mut m = table(size, 30);
        update(&mut m, key(KeyCode::Down));
        m
    });
}

#[test]
fn edit_form() {
    both_sizes("form", |size| {
        table_after(
            size,
            &[
                KeyCode::Enter,
                KeyCode::Tab,
                KeyCode::Char(' '),
                KeyCode::Tab,
                KeyCode::Right,
            ],
        )
    });
}

#[test]
fn edit_form_with_every_field_changed() {
    // the PATCH body wraps instead of being cut
    both_sizes("form_all", |size| {
        table_after(
            size,
            &[
                KeyCode::Down,
                KeyCode::Enter,
                KeyCode::Char(' '),
                KeyCode::Tab,
                KeyCode::Char(' '),
                KeyCode::Tab,
                KeyCode::Left,
            ],
        )
    });
}

#[test]
fn patch_in_flight() {
    both_sizes("saving", |size| {
        table_after(
            size,
            &[
                KeyCode::Down,
                KeyCode::Enter,
                KeyCode::Tab,
                KeyCode::Char(' '),
                KeyCode::Enter,
            ],
        )
    });
}

#[test]
fn confirmation() {
    both_sizes("confirm", |size| {
        table_after(size, &[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter])
    });
}

#[test]
fn sticky_error() {
    both_sizes("error", |size| {
        let mut m = table(size, 30);
        let body = serde_json::json!({"errors": [{
            "code": "90019",
            "title": "Conference has already ended",
            "detail": "This conference is no longer active and can't receive commands."
        }]});
        let e = ApiError::from_response(422, body.to_string().as_bytes(), None);
        m.toast(Level::Error, format!("could not update Liam Chen: {e}"));
        m
    });
}

/// The journal could not record a write: a sticky error, and the header's
/// badge for the rest of the session.
#[test]
fn journal_not_written() {
    both_sizes("not_audited", |size| {
        let mut m = table(size, 30);
        update(
            &mut m,
            Msg::JournalFailed(
                "the audit journal /home/ana/.local/state/confmod/audit.jsonl cannot be written: No space left on device (os error 28)".into(),
            ),
        );
        m
    });
}

#[test]
fn help_overlay() {
    both_sizes("help", |size| {
        let mut m = table(size, 30);
        update(&mut m, key(KeyCode::Char('?')));
        m
    });
}

#[test]
fn offline_header_keeps_the_rows() {
    both_sizes("offline", |size| {
        let mut m = table(size, 30);
        let effects = update(&mut m, key(KeyCode::Char('r')));
        let Some(Effect::LoadParticipants { seq, .. }) = effects.first().cloned() else {
            panic!("no refresh")
        };
        update(&mut m, refused(seq));
        m
    });
}

fn conferences() -> Vec<Conference> {
    [
        ("Q4 All Hands", 5),
        ("Support escalation bridge", 38),
        ("EMEA sales weekly", 61),
        ("Incident 4411 war room", 125),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, mins))| Conference {
        id: format!("{i}fa85f64-5717-4562-b3fc-2c963f66afa6"),
        name: (*name).into(),
        status: Some(ConferenceStatus::InProgress),
        created_at: (T0 - Duration::from_secs(mins * 60))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
        ..Default::default()
    })
    .collect()
}

fn picker(size: (u16, u16)) -> Model {
    let mut m = Model::new(ctx(false), T0, size);
    let Some(Effect::LoadConferences { seq }) = init(&mut m, None).first().cloned() else {
        panic!("no conference list request")
    };
    update(
        &mut m,
        Msg::ConferencesLoaded {
            seq,
            result: Ok(Listing {
                items: conferences(),
                rejected: vec![],
                ..Listing::default()
            }),
        },
    );
    update(&mut m, key(KeyCode::Down));
    m
}

#[test]
fn conference_picker() {
    both_sizes("picker", picker);
}

/// A refresh later: one conference left the list (ended; the check said
/// why) and one waits for its first participant.
#[test]
fn conference_picker_with_ended_and_waiting() {
    both_sizes("picker_ended", |size| {
        let mut m = picker(size);
        let later = T0 + Duration::from_secs(10);
        let Some(Effect::LoadConferences { seq }) =
            update(&mut m, Msg::Tick(later)).first().cloned()
        else {
            panic!("no refresh of the picker")
        };
        let mut items = conferences();
        let ended = items.remove(1);
        items[2].status = Some(ConferenceStatus::Init);
        let effects = update(
            &mut m,
            Msg::ConferencesLoaded {
                seq,
                result: Ok(Listing {
                    items,
                    ..Listing::default()
                }),
            },
        );
        let Some(Effect::CheckConference { conference_id }) = effects.first().cloned() else {
            panic!("no check of the conference that left")
        };
        update(
            &mut m,
            Msg::ConferenceChecked {
                conference_id,
                result: Ok(Conference {
                    status: Some(ConferenceStatus::Completed),
                    end_reason: Some(confmod::telnyx::EndReason::HostLeft),
                    ..ended
                }),
            },
        );
        update(&mut m, Msg::Tick(later + Duration::from_secs(95)));
        m
    });
}

#[test]
fn conference_picker_filtering() {
    both_sizes("picker_filter", |size| {
        let mut m = picker(size);
        for c in ['/', 'e', 'm'] {
            update(&mut m, key(KeyCode::Char(c)));
        }
        m
    });
}

#[test]
fn authentication_failure_at_start() {
    both_sizes("auth_failure", |size| {
        let mut m = Model::new(ctx(false), T0, size);
        let Some(Effect::LoadConferences { seq }) = init(&mut m, None).first().cloned() else {
            panic!("no conference list request")
        };
        let body = serde_json::json!({"errors": [{
            "code": "10009",
            "title": "Authentication failed",
            "detail": "The required authentication headers were either invalid or not included in the request."
        }]});
        update(
            &mut m,
            Msg::ConferencesLoaded {
                seq,
                result: Err(ApiError::from_response(
                    401,
                    body.to_string().as_bytes(),
                    None,
                )),
            },
        );
        m
    });
}

#[test]
fn unreachable_at_start() {
    both_sizes("unreachable", |size| {
        let mut m = Model::new(ctx(false), T0, size);
        let effects = init(&mut m, Some(CONF.parse().unwrap()));
        let Some(Effect::LoadParticipants { seq, .. }) = effects.get(1).cloned() else {
            panic!("no participant request")
        };
        update(&mut m, refused(seq));
        update(&mut m, Msg::Tick(T0 + Duration::from_millis(500)));
        m
    });
}

#[test]
fn no_conference_in_progress() {
    let mut m = Model::new(ctx(false), T0, (80, 24));
    let Some(Effect::LoadConferences { seq }) = init(&mut m, None).first().cloned() else {
        panic!("no conference list request")
    };
    update(
        &mut m,
        Msg::ConferencesLoaded {
            seq,
            result: Ok(Listing {
                items: vec![],
                rejected: vec![],
                ..Listing::default()
            }),
        },
    );
    insta::assert_snapshot!("picker_empty_80x24", render(&m));
}

#[test]
fn no_conference_matches_the_filter() {
    let mut m = picker((80, 24));
    for c in ['/', 'z', 'z'] {
        update(&mut m, key(KeyCode::Char(c)));
    }
    update(&mut m, key(KeyCode::Enter));
    insta::assert_snapshot!("picker_no_match_80x24", render(&m));
}

#[test]
fn conference_not_found() {
    // no retry is scheduled: the keys say how to retry or go back
    let mut m = Model::new(ctx(false), T0, (80, 24));
    let effects = init(&mut m, Some(CONF.parse().unwrap()));
    let Some(Effect::LoadParticipants { seq, .. }) = effects.get(1).cloned() else {
        panic!("no participant request")
    };
    let body = serde_json::json!({"errors": [{
        "code": "90058",
        "title": "Conference not found",
        "detail": "The requested conference does not exist."
    }]});
    update(
        &mut m,
        Msg::ParticipantsLoaded {
            seq,
            conference_id: CONF.parse().unwrap(),
            result: Err(ApiError::from_response(
                404,
                body.to_string().as_bytes(),
                None,
            )),
        },
    );
    insta::assert_snapshot!("not_found_80x24", render(&m));
}

#[test]
fn too_small() {
    let m = table((50, 12), 5);
    insta::assert_snapshot!("too_small_50x12", render(&m));
}

#[test]
fn hostile_labels_are_drawn_inert() {
    let mut m = table((80, 24), 6);
    let ids: Vec<String> = m
        .conf
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .map(|r| r.p.id.clone())
        .collect();
    let hostile = [
        "\x1b[2J\x1b[31mEVIL\x1b[0m clear",
        "\x1b]0;pwned title\x07Mallory",
        "bidi \u{202e}evil\u{202c} override",
        "zero\u{200b}width\u{feff}joiner",
        "wide 会議の主催者 😀",
        &"x".repeat(300),
    ];
    for (id, label) in ids.iter().zip(hostile) {
        m.labels.insert(id.clone(), Label::Known(label.to_string()));
    }
    let screen = render(&m);
    assert!(!screen.contains('\x1b') && !screen.contains('\u{202e}') && !screen.contains('\u{7}'));
    insta::assert_snapshot!("hostile_80x24", screen);
}

// ---- live moderation ------------------------------------------------------------------

/// The screen with the cells a search matched wrapped in `[` `]` (found by
/// their style: bold, underlined, light yellow, drawn with colour on).
fn render_matches(m: &Model) -> String {
    use ratatui::style::{Color, Modifier};
    let mut terminal = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    terminal.draw(|f| confmod::view::view(m, f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut inside = false;
        let mut skip = 0;
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            // the cell after a wide character only continues it
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = unicode_width::UnicodeWidthStr::width(cell.symbol()).saturating_sub(1);
            let hit = cell.fg == Color::LightYellow
                && cell
                    .modifier
                    .contains(Modifier::UNDERLINED | Modifier::BOLD);
            if hit != inside {
                out.push(if hit { '[' } else { ']' });
                inside = hit;
            }
            out.push_str(cell.symbol());
        }
        if inside {
            out.push(']');
        }
        out.push('\n');
    }
    out
}

fn chars(m: &mut Model, text: &str) {
    for c in text.chars() {
        update(m, key(KeyCode::Char(c)));
    }
}

#[test]
fn search_with_highlights() {
    for size in [(80, 24), (120, 40)] {
        let mut m = table(size, 30);
        m.ctx.no_color = false;
        update(&mut m, key(KeyCode::Char('/')));
        chars(&mut m, "ka");
        insta::assert_snapshot!(format!("search_{}x{}", size.0, size.1), render_matches(&m));
    }
}

#[test]
fn marked_rows() {
    both_sizes("marks", |size| {
        let mut m = table(size, 30);
        for k in [' ', 'j', 'j', ' ', 'j', ' '] {
            update(&mut m, key(KeyCode::Char(k)));
        }
        m
    });
}

/// Four marked (two with soft end on exit), their form open, beep set to never.
fn bulk_form(size: (u16, u16)) -> Model {
    let mut m = table(size, 30);
    for k in [' ', 'j', ' ', 'j', ' ', 'j', ' '] {
        update(&mut m, key(KeyCode::Char(k)));
    }
    for k in [
        KeyCode::Enter,
        KeyCode::Tab,
        KeyCode::Tab,
        KeyCode::Right,
        KeyCode::Right,
    ] {
        update(&mut m, key(k));
    }
    m
}

#[test]
fn bulk_edit_form() {
    both_sizes("bulk_form", bulk_form);
}

#[test]
fn bulk_progress_and_a_failure() {
    both_sizes("bulk_progress", |size| {
        let mut m = bulk_form(size);
        let effects = update(&mut m, key(KeyCode::Enter));
        let sent: Vec<(u64, String)> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Patch {
                    seq,
                    participant_id,
                    ..
                } => Some((*seq, participant_id.clone())),
                _ => None,
            })
            .collect();
        // one saved, one refused, two still out
        update(
            &mut m,
            Msg::Patched {
                seq: sent[0].0,
                conference_id: CONF.parse().unwrap(),
                participant_id: sent[0].1.clone(),
                result: Ok(Default::default()),
            },
        );
        let refused = ApiError::from_response(
            422,
            br#"{"errors":[{"code":"90018","title":"Call has already ended"}]}"#,
            None,
        );
        update(
            &mut m,
            Msg::Patched {
                seq: sent[1].0,
                conference_id: CONF.parse().unwrap(),
                participant_id: sent[1].1.clone(),
                result: Err(refused),
            },
        );
        m
    });
}

#[test]
fn end_confirmation() {
    both_sizes("end", |size| {
        let mut m = table(size, 30);
        update(&mut m, key(KeyCode::Char('E')));
        chars(&mut m, "Q4 A");
        m
    });
}

// ---- knowing what happened -------------------------------------------------------------

/// The conference as the API tells it with every poll: ended by its host.
fn ended(size: (u16, u16)) -> Model {
    let mut m = table(size, 30);
    let effects = update(&mut m, Msg::Tick(T0 + Duration::from_secs(3)));
    let Some(Effect::LoadConference { seq, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadConference { .. }))
        .cloned()
    else {
        panic!("the conference is read with every poll: {effects:?}")
    };
    update(
        &mut m,
        Msg::ConferenceLoaded {
            seq,
            conference_id: CONF.parse().unwrap(),
            result: Ok(Conference {
                id: CONF.into(),
                name: "Q4 All Hands".into(),
                status: Some(ConferenceStatus::Completed),
                end_reason: Some(confmod::telnyx::EndReason::HostLeft),
                updated_at: Some("2026-11-30T09:58:00.000Z".into()),
                ..Default::default()
            }),
        },
    );
    m
}

#[test]
fn ended_banner() {
    both_sizes("ended", ended);
}

fn exchanged(method: &str, path: &str, status: u16, body: Option<&str>, answer: &str) -> Msg {
    Msg::Exchanged(Box::new(confmod::app::Exchanged {
        method: method.into(),
        path: path.into(),
        status: Some(status),
        latency: Duration::from_millis(42),
        request_body: body.map(str::to_string),
        response_body: answer.into(),
        error: (status >= 400).then(|| "422 90018 Call has already ended".to_string()),
        ..Default::default()
    }))
}

/// A log of a few requests and events, the PATCH selected.
fn logged(size: (u16, u16)) -> Model {
    let mut m = table(size, 30);
    let conf = format!("/conferences/{CONF}");
    update(
        &mut m,
        exchanged(
            "GET",
            &format!("{conf}/participants?page%5Bnumber%5D=1&page%5Bsize%5D=250"),
            200,
            None,
            r#"{"data":[],"meta":{"page_number":1}}"#,
        ),
    );
    update(
        &mut m,
        exchanged(
            "PATCH",
            &format!("{conf}/participants/00000000-0000-4000-8000-000000000003"),
            200,
            Some(r#"{"beep_enabled":"never"}"#),
            r#"{"data":{"id":"00000000-0000-4000-8000-000000000003","label":"Liam Chen","end_conference_on_exit":false}}"#,
        ),
    );
    update(
        &mut m,
        exchanged(
            "POST",
            &format!("{conf}/actions/mute"),
            422,
            Some(r#"{"call_control_ids":["v3:Md17X4lW"]}"#),
            r#"{"errors":[{"code":"90018","title":"Call has already ended"}]}"#,
        ),
    );
    update(&mut m, key(KeyCode::Char('L')));
    update(&mut m, key(KeyCode::Up));
    m
}

#[test]
fn activity_log() {
    both_sizes("log", logged);
}

#[test]
fn request_inspector() {
    both_sizes("inspector", |size| {
        let mut m = logged(size);
        update(&mut m, key(KeyCode::Enter));
        m
    });
}

#[test]
fn help_on_a_small_terminal_scrolls() {
    for size in [(60, 15), (80, 24)] {
        let mut m = table(size, 30);
        update(&mut m, key(KeyCode::Char('?')));
        if size == (60, 15) {
            update(&mut m, key(KeyCode::PageDown));
        }
        insta::assert_snapshot!(format!("help_scrolled_{}x{}", size.0, size.1), render(&m));
    }
}

#[test]
fn the_form_on_a_small_terminal_cuts_with_an_ellipsis() {
    let mut m = table((60, 15), 30);
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Tab));
    update(&mut m, key(KeyCode::Char(' ')));
    insta::assert_snapshot!("form_60x15", render(&m));
}

#[test]
fn a_retry_shows_in_the_header_never_over_the_keys() {
    both_sizes("retrying", |size| {
        let mut m = table(size, 30);
        update(
            &mut m,
            Msg::Retrying("429 10011 Too many requests · retry 1/2 in 1.0s".into()),
        );
        let screen = render(&m);
        let footer = screen.lines().last().unwrap_or_default();
        assert!(!footer.contains('↻') && footer.contains("move"), "{footer}");
        assert!(
            screen.lines().nth(1).unwrap_or_default().contains("↻ 429"),
            "{screen}"
        );
        m
    });
}
