//! `ApiError`: everything a call can end in, short of success.

use std::fmt;
use std::time::Duration;

use super::models::{ErrorEntry, ErrorsBody};
use crate::sanitize::sanitize_line;

/// What kind of failure an [`ApiError`] is. Derived from the HTTP status and
/// the first error code, so callers can branch without reparsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401: the key is missing or wrong.
    Auth,
    /// 404 with code 90058: the conference does not exist.
    ConferenceNotFound,
    /// Any other 404 (a participant that is gone, a wrong path).
    NotFound,
    /// 422 with code 90019: the conference has ended.
    ConferenceEnded,
    /// 422 with code 90018: the participant's call has ended.
    CallEnded,
    /// Any other 422 (a bad enum value, a value out of range, ...).
    Unprocessable,
    /// 429.
    RateLimited,
    /// 5xx.
    Server,
    /// Any other non-2xx status.
    OtherStatus,
    /// No answer within the request timeout.
    Timeout,
    /// The connection could not be made or was dropped.
    Connection,
    /// A 2xx answer whose body is not what the spec says.
    Decode,
    /// A request that cannot be sent as asked (nothing reached the network).
    InvalidRequest,
}

/// The one error type of the client: the HTTP status (when there was an
/// answer), every `errors[]` entry the server sent, and a sanitized note for
/// failures that carry no errors body (a connection error, an HTML page).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub errors: Vec<ErrorEntry>,
    /// For timeouts and connection errors, what happened; for an undecodable
    /// body, a short sanitized snippet of it.
    pub note: Option<String>,
    /// The server's `retry-after-ms` / `retry-after`, when it sent one.
    pub retry_after: Option<Duration>,
}

const SNIPPET_CHARS: usize = 120;
/// Entries of an errors body kept (a server could send thousands).
const MAX_ENTRIES: usize = 20;
/// Entries shown by `Display`; the rest are counted.
const SHOWN_ENTRIES: usize = 3;

impl ApiError {
    /// An error answer: decodes the errors body when there is one.
    pub fn from_response(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        let decoded = serde_json::from_slice::<ErrorsBody>(body)
            .ok()
            .filter(|b| !b.errors.is_empty())
            .map(|mut b| {
                b.errors.truncate(MAX_ENTRIES);
                b
            });
        let (errors, note) = match decoded {
            Some(b) => (b.errors, None),
            None if body.iter().all(u8::is_ascii_whitespace) => (Vec::new(), None),
            // nginx, a load balancer or a TLS-inspecting proxy answered
            None if is_html(body) => (Vec::new(), Some(HTML_PAGE.to_string())),
            None => (Vec::new(), Some(snippet(body))),
        };
        let code = errors.first().map(|e| e.code.as_str()).unwrap_or("");
        ApiError {
            kind: kind_of(status, code),
            status: Some(status),
            errors,
            note,
            retry_after,
        }
    }

    /// A 2xx answer whose body did not decode.
    pub fn decode(status: u16, body: &[u8], why: &str) -> Self {
        ApiError {
            kind: ErrorKind::Decode,
            status: Some(status),
            errors: Vec::new(),
            note: Some(format!(
                "{}; body: \"{}\"",
                sanitize_line(why, SNIPPET_CHARS),
                snippet(body)
            )),
            retry_after: None,
        }
    }

    pub fn timeout(after: Duration) -> Self {
        ApiError {
            kind: ErrorKind::Timeout,
            status: None,
            errors: Vec::new(),
            note: Some(format!("no answer within {}", humanize(after))),
            retry_after: None,
        }
    }

    pub fn connection(what: &str) -> Self {
        ApiError {
            kind: ErrorKind::Connection,
            status: None,
            errors: Vec::new(),
            note: Some(sanitize_line(what, 200)),
            retry_after: None,
        }
    }

    /// A request refused before it was sent.
    pub fn invalid_request(why: &str) -> Self {
        ApiError {
            kind: ErrorKind::InvalidRequest,
            status: None,
            errors: Vec::new(),
            note: Some(sanitize_line(why, 200)),
            retry_after: None,
        }
    }

    /// The first error code, if the server sent one.
    pub fn code(&self) -> Option<&str> {
        self.errors
            .first()
            .map(|e| e.code.as_str())
            .filter(|c| !c.is_empty())
    }

    /// True for failures worth retrying (as the official SDKs decide it).
    pub fn is_transient(&self) -> bool {
        match self.kind {
            ErrorKind::Timeout | ErrorKind::Connection => true,
            _ => matches!(self.status, Some(408 | 409 | 429 | 500..=599)),
        }
    }

    /// A short form for narrow places (a table cell, a status line):
    /// `422 90019 Conference has already ended`.
    pub fn summary(&self) -> String {
        match (self.status, self.errors.first()) {
            (Some(status), Some(e)) => {
                sanitize_line(&format!("{status} {} {}", e.code, e.title), 200)
            }
            // a 2xx that did not decode is not "200 OK"
            (Some(status), None) if self.kind == ErrorKind::Decode => {
                format!("{status} undecodable response")
            }
            // a proxy's page is said to be one (its HTML never is shown)
            (Some(status), None) if self.note.as_deref() == Some(HTML_PAGE) => {
                format!("{status} {} ({HTML_PAGE})", reason(status))
            }
            (Some(status), None) => format!("{status} {}", reason(status)),
            (None, _) => match self.kind {
                ErrorKind::Timeout => "timed out".to_string(),
                ErrorKind::InvalidRequest => "invalid request".to_string(),
                _ => "connection failed".to_string(),
            },
        }
    }
}

fn kind_of(status: u16, code: &str) -> ErrorKind {
    match (status, code) {
        (401, _) => ErrorKind::Auth,
        (404, "90058") => ErrorKind::ConferenceNotFound,
        (404, _) => ErrorKind::NotFound,
        (422, "90019") => ErrorKind::ConferenceEnded,
        (422, "90018") => ErrorKind::CallEnded,
        (422, _) => ErrorKind::Unprocessable,
        (429, _) => ErrorKind::RateLimited,
        (500..=599, _) => ErrorKind::Server,
        (200..=299, _) => ErrorKind::Decode,
        _ => ErrorKind::OtherStatus,
    }
}

/// What an error page in HTML is said to be (its markup says nothing more).
const HTML_PAGE: &str = "HTML error page from a proxy";

/// Whether a body is an HTML page (`<!DOCTYPE html>`, `<html>`, `<head>`...).
fn is_html(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(256)]).to_ascii_lowercase();
    let start = start.trim_start();
    [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<center",
        "<title",
    ]
    .iter()
    .any(|tag| start.starts_with(tag))
}

/// A short, single-line, terminal-safe excerpt of a body.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    sanitize_line(&collapsed, SNIPPET_CHARS)
}

/// The standard reason phrase of a status, for errors without a body.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        200..=299 => "OK",
        _ => "Error",
    }
}

fn humanize(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl fmt::Display for ApiError {
    /// `422 90019 Conference has already ended: This conference is no longer active and can't receive commands.`
    /// Every server-supplied string is sanitized: this is safe to print to a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) if !self.errors.is_empty() => {
                for (i, e) in self.errors.iter().take(SHOWN_ENTRIES).enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    let mut line = format!("{status} {} {}", e.code, e.title);
                    if let Some(detail) = e.detail.as_deref().filter(|d| !d.is_empty()) {
                        line.push_str(": ");
                        line.push_str(detail);
                    }
                    if let Some(src) = e.source_name() {
                        line.push_str(&format!(" [{src}]"));
                    }
                    f.write_str(&sanitize_line(&line, 400))?;
                }
                if self.errors.len() > SHOWN_ENTRIES {
                    write!(f, "; and {} more", self.errors.len() - SHOWN_ENTRIES)?;
                }
                Ok(())
            }
            Some(status) => {
                if self.kind == ErrorKind::Decode {
                    write!(f, "{status} undecodable response")?;
                } else {
                    write!(f, "{status} {}", reason(status))?;
                }
                if let Some(note) = &self.note {
                    if self.kind == ErrorKind::Decode {
                        write!(f, ": {note}")?;
                    } else if note == HTML_PAGE {
                        write!(f, " ({note})")?;
                    } else {
                        write!(f, ": undecodable body \"{note}\"")?;
                    }
                }
                Ok(())
            }
            None => {
                let what = match self.kind {
                    ErrorKind::Timeout => "request timed out",
                    ErrorKind::InvalidRequest => "invalid request",
                    _ => "connection failed",
                };
                match &self.note {
                    Some(note) => write!(f, "{what}: {note}"),
                    None => f.write_str(what),
                }
            }
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, title: &str, detail: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "errors": [{"code": code, "title": title, "detail": detail}]
        }))
        .unwrap()
    }

    #[test]
    fn display_reads_status_code_title_detail() {
        let e = ApiError::from_response(
            422,
            &body(
                "90019",
                "Conference has already ended",
                "This conference is no longer active and can't receive commands.",
            ),
            None,
        );
        assert_eq!(e.kind, ErrorKind::ConferenceEnded);
        assert_eq!(e.code(), Some("90019"));
        assert_eq!(
            e.to_string(),
            "422 90019 Conference has already ended: This conference is no longer active and can't receive commands."
        );
    }

    #[test]
    fn kinds_follow_status_and_code() {
        let cases = [
            (401, "10009", ErrorKind::Auth),
            (404, "90058", ErrorKind::ConferenceNotFound),
            (404, "10007", ErrorKind::NotFound),
            (422, "90018", ErrorKind::CallEnded),
            (422, "10032", ErrorKind::Unprocessable),
            (429, "10011", ErrorKind::RateLimited),
            (503, "", ErrorKind::Server),
            (400, "10015", ErrorKind::OtherStatus),
        ];
        for (status, code, kind) in cases {
            let e = ApiError::from_response(status, &body(code, "t", "d"), None);
            assert_eq!(e.kind, kind, "{status} {code}");
        }
    }

    #[test]
    fn an_html_page_is_said_to_be_one() {
        let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\x1b[31m</body></html>";
        let e = ApiError::from_response(502, html, None);
        assert_eq!(e.kind, ErrorKind::Server);
        assert_eq!(
            e.to_string(),
            "502 Bad Gateway (HTML error page from a proxy)"
        );
        // the short form (the console's header) says so too
        assert_eq!(
            e.summary(),
            "502 Bad Gateway (HTML error page from a proxy)"
        );
        let upper = b"  <!DOCTYPE HTML><p>x</p>";
        assert_eq!(
            ApiError::from_response(503, upper, None).to_string(),
            "503 Service Unavailable (HTML error page from a proxy)"
        );
    }

    #[test]
    fn a_success_that_does_not_decode_is_not_called_ok() {
        let e = ApiError::decode(200, b"{\"data\": [", "EOF while parsing a list");
        assert_eq!(e.summary(), "200 undecodable response");
        assert!(!e.summary().contains("OK"));
    }

    #[test]
    fn another_body_keeps_a_sanitized_snippet() {
        let body = b"upstream \x1b[31mBad \x07gateway";
        let e = ApiError::from_response(502, body, None);
        let text = e.to_string();
        assert!(
            text.starts_with("502 Bad Gateway: undecodable body"),
            "{text}"
        );
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("gateway"));
    }

    #[test]
    fn every_entry_and_its_pointer_are_shown() {
        let raw = serde_json::json!({"errors": [
            {"code": "10032", "title": "Invalid enumerated value", "detail": "The value must be one of: always, never, on_enter, on_exit.", "source": {"pointer": "/beep_enabled"}},
            {"code": "10033", "title": "Value outside of range"}
        ]});
        let e = ApiError::from_response(422, raw.to_string().as_bytes(), None);
        assert_eq!(e.errors.len(), 2);
        assert_eq!(
            e.to_string(),
            "422 10032 Invalid enumerated value: The value must be one of: always, never, on_enter, on_exit. [/beep_enabled]; 422 10033 Value outside of range"
        );
    }

    #[test]
    fn a_flood_of_entries_is_kept_short() {
        let entries: Vec<_> = (0..5000)
            .map(|i| serde_json::json!({"code": format!("{i}"), "title": "t"}))
            .collect();
        let raw = serde_json::json!({ "errors": entries }).to_string();
        let e = ApiError::from_response(422, raw.as_bytes(), None);
        assert_eq!(e.errors.len(), MAX_ENTRIES);
        let text = e.to_string();
        assert!(text.ends_with("; and 17 more"), "{text}");
        assert!(text.len() < 200, "{text}");
    }

    #[test]
    fn hostile_titles_are_sanitized_in_display() {
        let e = ApiError::from_response(422, &body("1", "\x1b]0;pwned\x07Evil", "\u{202e}x"), None);
        let text = e.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text:?}"
        );
    }

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        assert!(ApiError::timeout(Duration::from_secs(1)).is_transient());
        assert!(ApiError::connection("refused").is_transient());
        assert!(ApiError::from_response(503, b"", None).is_transient());
        assert!(ApiError::from_response(429, b"", None).is_transient());
        assert!(!ApiError::from_response(422, b"", None).is_transient());
        assert!(!ApiError::from_response(401, b"", None).is_transient());
    }
}
