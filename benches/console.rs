//! Frame cost, refresh merge and page decoding. A frame must cost about the
//! same for 50 participants and 50,000: only the rows on screen are built.

use std::hint::black_box;
use std::time::Duration;

use confmod::app::{Context, Effect, Label, Model, Msg, init, update};
use confmod::telnyx::{ConferenceId, Listing, Participant, ParticipantStatus};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::macros::datetime;

const CONF: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

fn conf() -> ConferenceId {
    CONF.parse().expect("a conference id")
}

fn people(n: usize) -> Vec<Participant> {
    (0..n)
        .map(|i| Participant {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            call_control_id: format!("v3:call{i:08}"),
            status: ParticipantStatus::Joined,
            muted: i % 3 == 0,
            created_at: "2026-11-30T09:50:00.000Z".into(),
            ..Default::default()
        })
        .collect()
}

fn model(n: usize) -> Model {
    let ctx = Context {
        api_host: "127.0.0.1:1".into(),
        demo: false,
        read_only: false,
        no_color: false,
        refresh: Duration::from_secs(2),
        concurrency: 8,
        hold_music: None,
        api_base: "http://127.0.0.1:8765/v2".into(),
    };
    let mut m = Model::new(ctx, datetime!(2026-11-30 10:00:00 UTC), (200, 60));
    let seq = init(&mut m, Some(conf()))
        .into_iter()
        .find_map(|e| match e {
            Effect::LoadParticipants { seq, .. } => Some(seq),
            _ => None,
        })
        .expect("a participant request");
    update(
        &mut m,
        Msg::ParticipantsLoaded {
            seq,
            conference_id: conf(),
            result: Ok(Listing {
                items: people(n),
                ..Listing::default()
            }),
        },
    );
    for (i, p) in people(n).iter().enumerate().take(100) {
        m.labels
            .insert(p.id.clone(), Label::Known(format!("Participant {i}")));
    }
    m
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame_200x60");
    for n in [50usize, 5_000, 50_000] {
        let m = model(n);
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
        group.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
            b.iter(|| {
                terminal
                    .draw(|f| confmod::view::view(black_box(m), f))
                    .map(|frame| frame.area)
                    .expect("draw")
            })
        });
    }
    group.finish();
}

fn navigate(c: &mut Criterion) {
    let mut m = model(5_000);
    let down = Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    c.bench_function("update_key_down_5000", |b| {
        b.iter(|| black_box(update(&mut m, down.clone())))
    });
}

fn merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("refresh_merge");
    for n in [50usize, 5_000] {
        let mut m = model(n);
        let fresh = people(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let seq = m.seq + 1;
                m.seq = seq;
                if let Some(conf) = m.conf.as_mut() {
                    conf.load.in_flight = Some(seq);
                }
                update(
                    &mut m,
                    Msg::ParticipantsLoaded {
                        seq,
                        conference_id: conf(),
                        result: Ok(Listing {
                            items: fresh.clone(),
                            ..Listing::default()
                        }),
                    },
                )
            })
        });
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let page = serde_json::json!({
        "data": people(250),
        "meta": {"page_number": 1, "page_size": 250, "total_pages": 20, "total_results": 5000}
    })
    .to_string();
    c.bench_function("decode_page_250", |b| {
        b.iter(|| {
            let raw: confmod::telnyx::ListResponse<serde_json::Value> =
                serde_json::from_str(black_box(&page)).expect("page");
            Listing {
                items: raw.data,
                ..Listing::default()
            }
            .decode::<Participant>()
        })
    });
}

criterion_group!(benches, render, navigate, merge, decode);
criterion_main!(benches);
