//! A whole listing of 500, 5,000 and 50,000 participants read by the client
//! from a local server that answers at once with pages made beforehand: what
//! the client itself costs (requests, reading and decoding the pages, the
//! guards), buffered (`list_participants`) and page by page (`Pages`, the
//! items kept as the API sent them, as the one-shot commands read them).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use bytes::Bytes;
use confmod::telnyx::{
    ApiKey, Client, ClientConfig, ConferenceId, ConferenceRef, Participant, ParticipantFilter,
    ParticipantStatus,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::value::RawValue;

const CONF: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const PAGE: usize = 250;

/// The pages of a conference of `n` participants, as JSON.
fn pages(n: usize) -> Vec<Bytes> {
    let people: Vec<Participant> = (0..n)
        .map(|i| Participant {
            record_type: "participant".into(),
            id: format!("00000000-0000-4000-8000-{i:012}"),
            call_leg_id: format!("10000000-0000-4000-8000-{i:012}"),
            call_control_id: format!("v3:Y3VV08J6xTQBEFJ9RECmg3wx23MjzVbPXMz_t82sa5djviA{i:08}"),
            conference: ConferenceRef {
                id: CONF.into(),
                name: "All hands meeting".into(),
            },
            status: ParticipantStatus::Joined,
            muted: i % 3 == 0,
            created_at: "2026-11-30T09:50:00.000Z".into(),
            updated_at: "2026-11-30T09:51:00.000Z".into(),
            ..Default::default()
        })
        .collect();
    let total = n.div_ceil(PAGE);
    people
        .chunks(PAGE)
        .enumerate()
        .map(|(i, chunk)| {
            let meta = serde_json::json!({"page_number": i + 1, "page_size": PAGE,
                                          "total_pages": total, "total_results": n});
            let page = serde_json::json!({"data": chunk, "meta": meta});
            Bytes::from(page.to_string())
        })
        .collect()
}

async fn page(
    State(pages): State<Arc<Vec<Bytes>>>,
    RawQuery(query): RawQuery,
) -> impl IntoResponse {
    let query = query.unwrap_or_default();
    let number = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "page[number]")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1);
    let body = (number.checked_sub(1))
        .and_then(|i| pages.get(i).cloned())
        .unwrap_or_default();
    ([("content-type", "application/json")], body)
}

/// A server of the pages of `n` participants; a client of it.
fn serve(rt: &tokio::runtime::Runtime, n: usize) -> Client {
    let app = axum::Router::new()
        .route(
            "/v2/conferences/{id}/participants",
            axum::routing::get(page),
        )
        .with_state(Arc::new(pages(n)));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let base = format!("http://{}/v2", listener.local_addr().expect("an address"));
    rt.spawn(async move { axum::serve(listener, app).await });
    let key = ApiKey::new("KEYbench").expect("a key");
    Client::new(&ClientConfig::new(&base, key)).expect("a client")
}

fn listing(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let conf: ConferenceId = CONF.parse().expect("a conference id");
    let filter = ParticipantFilter::default();
    let mut group = c.benchmark_group("listing");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for n in [500usize, 5_000, 50_000] {
        let client = serve(&rt, n);
        group.bench_with_input(BenchmarkId::new("collect_decoded", n), &n, |b, &n| {
            b.iter(|| {
                let listing = rt
                    .block_on(client.list_participants(&conf, &filter))
                    .expect("a listing");
                assert_eq!(listing.items.len(), n);
                black_box(listing)
            })
        });
        group.bench_with_input(BenchmarkId::new("pages_raw", n), &n, |b, &n| {
            b.iter(|| {
                let count = rt.block_on(async {
                    let mut pages = client
                        .participant_pages::<Box<RawValue>>(&conf, &filter)
                        .expect("pages");
                    let mut count = 0;
                    while let Some(page) = pages.next().await.expect("a page") {
                        count += black_box(page.items).len();
                    }
                    count
                });
                assert_eq!(count, n);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, listing);
criterion_main!(benches);
