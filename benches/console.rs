//! The console's costs at 500, 5,000 and 50,000 participants: a frame
//! (`render`), a key through `update`, decoding the listing's pages
//! (`decode`), merging a refresh (`merge`) and the search (`filter`). A frame
//! and a key must cost about the same at 500 and 50,000: only the rows on
//! screen are built. `cargo bench` runs them all in about a minute;
//! `cargo bench -- filter` one group.

use std::hint::black_box;
use std::time::Duration;

use confmod::app::{Context, Effect, Label, Model, Msg, init, update};
use confmod::telnyx::{ConferenceId, LeanParticipant, Listing, Participant, ParticipantStatus};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
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
    for (i, p) in people(n.min(100)).iter().enumerate() {
        m.labels
            .insert(p.id.clone(), Label::Known(format!("Participant {i}")));
    }
    m
}

/// The conference sizes every group is measured at.
const SIZES: [usize; 3] = [500, 5_000, 50_000];

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    for n in SIZES {
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

/// A key through `update`: down one row, and back to the top now and then.
fn navigate(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    for n in SIZES {
        let mut m = model(n);
        let (down, top) = (key(KeyCode::Down), key(KeyCode::Home));
        let mut moves = 0usize;
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                moves += 1;
                let msg = if moves.is_multiple_of(200) {
                    &top
                } else {
                    &down
                };
                black_box(update(&mut m, msg.clone()))
            })
        });
    }
    group.finish();
}

/// A refresh that brings the same `n` participants again.
fn merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    for n in SIZES {
        let mut m = model(n);
        let fresh = people(n);
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_batched(
                || fresh.clone(),
                |items| {
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
                                items,
                                ..Listing::default()
                            }),
                        },
                    )
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// The pages of a listing of `n` participants as the API sends them (250
/// a page), read as the client reads them: each page as text, each item
/// decoded on its own.
fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for n in SIZES {
        let all = people(n);
        let pages: Vec<String> = all
            .chunks(250)
            .enumerate()
            .map(|(i, chunk)| {
                serde_json::json!({
                    "data": chunk,
                    "meta": {"page_number": i + 1, "page_size": 250,
                             "total_pages": n.div_ceil(250), "total_results": n}
                })
                .to_string()
            })
            .collect();
        let raw = |pages: &[String]| {
            let mut items = Vec::with_capacity(n);
            for page in pages {
                let raw: confmod::telnyx::ListResponse<Box<serde_json::value::RawValue>> =
                    serde_json::from_str(black_box(page)).expect("page");
                items.extend(raw.data);
            }
            Listing {
                items,
                ..Listing::default()
            }
        };
        // every field, as the commands read a participant
        group.bench_with_input(BenchmarkId::new("full", n), &pages, |b, pages| {
            b.iter(|| raw(pages).decode::<Participant>())
        });
        // what a row keeps, as the console reads its listings
        group.bench_with_input(BenchmarkId::new("lean", n), &pages, |b, pages| {
            b.iter(|| raw(pages).decode::<LeanParticipant>())
        });
    }
    group.finish();
}

/// The search line: one more character and one less, each filtering the
/// whole conference by label, id and call_control_id.
fn filter(c: &mut Criterion) {
    let mut group = c.benchmark_group("filter");
    for n in SIZES {
        let mut m = model(n);
        update(&mut m, key(KeyCode::Char('/')));
        for ch in "call0".chars() {
            update(&mut m, key(KeyCode::Char(ch)));
        }
        let (more, less) = (key(KeyCode::Char('1')), key(KeyCode::Backspace));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                update(&mut m, more.clone());
                black_box(update(&mut m, less.clone()))
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // short runs: 5 groups x 3 sizes
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = render, navigate, merge, decode, filter
}
criterion_main!(benches);
