//! Reading requests: the query string (paging, filters) and JSON bodies,
//! with the API's errors for what does not fit.

use serde_json::{Map, Value};

use super::errors::SimError;
use super::wire::{BeepEnabled, PaginationMeta};

/// The query string, decoded (`filter[muted]` and `filter%5Bmuted%5D` alike).
pub(crate) struct Params(Vec<(String, String)>);

pub(crate) struct Paging {
    pub number: u64,
    pub size: u64,
}

impl Params {
    pub(crate) fn parse(raw: Option<String>) -> Self {
        let raw = raw.unwrap_or_default();
        Params(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The last value given for `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn flag(&self, key: &str) -> Result<Option<bool>, SimError> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => {
                Err(SimError::bad_request(&format!("{key} must be true or false.")).parameter(key))
            }
        }
    }

    fn number(&self, key: &str, default: i64, max: i64) -> Result<u64, SimError> {
        let Some(raw) = self.get(key) else {
            return Ok(default as u64);
        };
        let n: i64 = raw.trim().parse().map_err(|_| {
            SimError::bad_request(&format!("{key} must be an integer.")).parameter(key)
        })?;
        if n < 1 || n > max {
            let range = if max == i64::MAX {
                "The value must be greater than or equal to 1".to_string()
            } else {
                format!("The value is outside of allowed range 1 to {max}")
            };
            return Err(SimError::out_of_range(&range).parameter(key));
        }
        Ok(n as u64)
    }

    pub(crate) fn paging(&self) -> Result<Paging, SimError> {
        Ok(Paging {
            size: self.number("page[size]", 20, 250)?,
            number: self.number("page[number]", 1, i64::MAX)?,
        })
    }
}

/// One page of `items` and its meta. `total_pages` is `ceil(total / size)`
/// (0 when there is nothing).
pub(crate) fn page<T>(items: impl Iterator<Item = T>, paging: &Paging) -> (Vec<T>, PaginationMeta) {
    let (start, end) = paging.bounds();
    let mut total: u64 = 0;
    let mut data = Vec::new();
    for item in items {
        if total >= start && total < end {
            data.push(item);
        }
        total += 1;
    }
    (data, paging.meta(total))
}

/// [`page`] of a whole slice, without a scan.
pub(crate) fn page_slice<'a, T>(items: &'a [T], paging: &Paging) -> (&'a [T], PaginationMeta) {
    let (start, end) = paging.bounds();
    let len = items.len() as u64;
    let (start, end) = (start.min(len) as usize, end.min(len) as usize);
    (&items[start..end], paging.meta(len))
}

impl Paging {
    /// The positions `start..end` the page covers.
    fn bounds(&self) -> (u64, u64) {
        let start = (self.number - 1).saturating_mul(self.size);
        (start, start.saturating_add(self.size))
    }

    fn meta(&self, total: u64) -> PaginationMeta {
        PaginationMeta {
            page_number: self.number,
            page_size: self.size,
            total_pages: total.div_ceil(self.size),
            total_results: total,
        }
    }
}

/// A JSON object body; an empty body reads as `{}`.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, SimError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(SimError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(SimError::bad_request(&format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

pub(crate) fn wrong_type(field: &str, what: &str) -> SimError {
    SimError::bad_request(&format!("The value of {field} must be {what}."))
        .pointer(&format!("/{field}"))
}

pub(crate) fn opt_bool(body: &Map<String, Value>, field: &str) -> Result<Option<bool>, SimError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong_type(field, "a boolean")),
    }
}

pub(crate) fn opt_string<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, SimError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(field, "a string")),
    }
}

pub(crate) fn opt_ids(body: &Map<String, Value>) -> Result<Option<Vec<String>>, SimError> {
    match body.get("call_control_ids") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| wrong_type("call_control_ids", "an array of strings")),
        Some(_) => Err(wrong_type("call_control_ids", "an array of strings")),
    }
}

pub(crate) fn beep_enabled(body: &Map<String, Value>) -> Result<Option<BeepEnabled>, SimError> {
    let invalid = || SimError::invalid_enum(BeepEnabled::NAMES).pointer("/beep_enabled");
    match body.get("beep_enabled") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => BeepEnabled::parse(s).map(Some).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}
