//! Size limits on requests, each answered with the API's errors body: 414
//! for a long URI, 431 for large headers, 413 for a large body (declared by
//! `Content-Length`, or found so as it is read), and 408 for a body that does
//! not arrive within the header timeout. They come before everything else,
//! faults and authentication included, like a proxy in front of the API.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::SimState;
use super::errors::SimError;

/// The largest request body read, in bytes (enough for about 17,000
/// `call_control_ids`).
pub const BODY_LIMIT: usize = 1 << 20;
/// The longest path and query, in bytes.
pub const URI_LIMIT: usize = 8 * 1024;
/// The most header bytes (names, values and their separators).
pub const HEADERS_LIMIT: usize = 16 * 1024;

pub(crate) async fn limits(State(state): State<SimState>, req: Request, next: Next) -> Response {
    let uri = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri > URI_LIMIT {
        return SimError::uri_too_long().into_response();
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers > HEADERS_LIMIT {
        return SimError::headers_too_large().into_response();
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return SimError::body_too_large().into_response();
    }
    // the body whole, within the limit and in time: a client that stops
    // sending it holds no connection for long
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, BODY_LIMIT);
    let body = match tokio::time::timeout(state.inner.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return SimError::body_too_large().into_response(),
        Err(_) => return SimError::body_too_slow().into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}
