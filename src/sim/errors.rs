//! The sim's error answers: always a `{"errors": [...]}` body with one
//! entry: `code` (a string), `title`, `detail`, `source` when a field or a
//! parameter is to blame, and `meta.url`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::wire::{ErrorEntry, ErrorMeta, ErrorSource, ErrorsBody};

/// Where an error code is documented (`meta.url` is this and the code). The
/// host is case-insensitive; the API writes it in lower case.
const ERROR_DOCS: &str = "https://developers.Telnyx.com/docs/overview/errors/";

#[derive(Debug, Clone)]
pub(crate) struct SimError {
    pub status: StatusCode,
    /// Boxed: a `Result<_, SimError>` stays small.
    pub entry: Box<ErrorEntry>,
}

impl SimError {
    pub(super) fn new(status: StatusCode, code: &str, title: &str, detail: &str) -> Self {
        let entry = ErrorEntry {
            code: code.to_string(),
            title: title.to_string(),
            detail: detail.to_string(),
            source: None,
            meta: Some(ErrorMeta {
                url: format!("{}{code}", ERROR_DOCS.to_ascii_lowercase()),
            }),
        };
        SimError {
            status,
            entry: Box::new(entry),
        }
    }

    /// Blames a member of the body (an RFC 6901 pointer, `""` for the body).
    pub(super) fn pointer(mut self, pointer: &str) -> Self {
        self.entry.source = Some(ErrorSource::Pointer(pointer.to_string()));
        self
    }

    /// Blames a query or path parameter.
    pub(super) fn parameter(mut self, parameter: &str) -> Self {
        self.entry.source = Some(ErrorSource::Parameter(parameter.to_string()));
        self
    }

    /// The same error with another status (RetrieveConference can only say 404).
    pub(super) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub(super) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "10009",
            "Authentication failed",
            "The required authentication headers were either invalid or not included in the request.",
        )
    }

    pub(super) fn conference_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "90058",
            "Invalid conference_id",
            "The conference does not exist.",
        )
    }

    pub(super) fn participant_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "10007",
            "Resource not found",
            "Resource not found",
        )
    }

    pub(super) fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "10005",
            "Resource not found",
            "The requested resource or URL could not be found.",
        )
    }

    pub(super) fn conference_ended() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "90019",
            "Conference has already ended",
            "This conference is no longer active and can't receive commands.",
        )
    }

    pub(super) fn call_ended() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "90018",
            "Call has already ended",
            "This call is no longer active and can't receive commands.",
        )
    }

    pub(super) fn invalid_id(parameter: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10006",
            "Invalid ID",
            &format!("The {parameter} must be a valid UUID."),
        )
        .parameter(parameter)
    }

    /// 400: a body that is not JSON at all (the one 400 the sim gives).
    pub(super) fn bad_request(detail: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "10015", "Bad Request", detail)
    }

    /// 422: a value of the wrong type (or `null`), or one its schema refuses
    /// for another reason than an enum or a range.
    pub(super) fn invalid_value(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10015",
            "Invalid value",
            detail,
        )
    }

    pub(super) fn invalid_enum(allowed: &[&str]) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10032",
            "Invalid enumerated value",
            &format!("The value must be one of: {}.", allowed.join(", ")),
        )
    }

    pub(super) fn out_of_range(min: i64, max: i64) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10033",
            "Value outside of range",
            &format!("The value is outside of allowed range {min} to {max}"),
        )
    }

    /// 422: a required member of the body is absent (or an empty list where
    /// one is needed).
    pub(super) fn missing(field: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10004",
            "Missing required parameter",
            &format!("The '{field}' parameter is required and cannot be blank."),
        )
        .pointer(&format!("/{field}"))
    }

    /// 422: no body where the operation requires one.
    pub(super) fn missing_body() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10004",
            "Missing required parameter",
            "The request body is required and cannot be blank.",
        )
        .pointer("")
    }

    pub(super) fn invalid_call_control_id() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "90015",
            "Invalid Call Control ID",
            "The call_control_id provided was not valid.",
        )
        .pointer("/call_control_ids")
    }

    pub(super) fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "10011",
            "Too many requests",
            "You have exceeded the rate limit. Please wait and try again.",
        )
    }

    pub(super) fn server(status: StatusCode) -> Self {
        let (code, title, detail) = match status {
            StatusCode::SERVICE_UNAVAILABLE => (
                "10002",
                "Service unavailable",
                "The service is temporarily unavailable. Please try again later.",
            ),
            _ => (
                "10001",
                "Internal server error",
                "An unexpected error occurred.",
            ),
        };
        Self::new(status, code, title, detail)
    }

    pub(super) fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "10015",
            "Request too large",
            &format!(
                "The request body is larger than {} bytes.",
                super::limits::BODY_LIMIT
            ),
        )
    }

    pub(super) fn body_too_slow() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "10015",
            "Request timeout",
            "The request body did not arrive in time.",
        )
    }

    pub(super) fn uri_too_long() -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "10015",
            "URI too long",
            &format!(
                "The request URI is longer than {} bytes.",
                super::limits::URI_LIMIT
            ),
        )
    }

    pub(super) fn headers_too_large() -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "10015",
            "Request headers too large",
            &format!(
                "The request headers are larger than {} bytes.",
                super::limits::HEADERS_LIMIT
            ),
        )
    }

    /// The body the sim puts on an error answer that had none (a 405 from
    /// the router, a rejected extractor).
    pub(super) fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            404 => Self::route_not_found(),
            405 => Self::new(
                status,
                "10015",
                "Method not allowed",
                "The HTTP method is not allowed for this resource.",
            ),
            413 => Self::body_too_large(),
            414 => Self::uri_too_long(),
            431 => Self::headers_too_large(),
            500..=599 => Self::server(status),
            _ => Self::new(
                status,
                "10015",
                "Bad Request",
                "The request could not be understood.",
            ),
        }
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let body = ErrorsBody {
            errors: vec![*self.entry],
        };
        (self.status, Json(body)).into_response()
    }
}

/// The HTML error page nginx serves when the backend is away.
pub(crate) fn html_error(status: StatusCode) -> Response {
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let body = format!(
        "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}
