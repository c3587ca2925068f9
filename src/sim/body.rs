//! Request bodies, checked against the spec's request schemas.
//!
//! A body that is not JSON at all is a 400 (`10015`); JSON that is not an
//! object is a 422 (`10015`, pointer `""`). A member of the wrong type, or
//! `null`, is a 422 `10015` whose `source.pointer` names it (down to the item
//! of an array: `/call_control_ids/2`); a value outside an enum is a 422
//! `10032`. Members the schema does not describe are ignored (no request
//! schema sets `additionalProperties: false`). An empty body (nothing but
//! whitespace) is no body: fine where the body is optional (PATCH, end),
//! a 422 `10004` where the spec requires one (mute, unmute, hold, unhold).

use serde_json::{Map, Value};

use super::errors::SimError;
use super::wire::{BeepEnabled, Region};

type Object = Map<String, Value>;

/// The body as an object; `None` when there is none.
fn object(body: &[u8]) -> Result<Option<Object>, SimError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => {
            Err(SimError::invalid_value("The request body must be a JSON object.").pointer(""))
        }
        Err(e) => Err(SimError::bad_request(&format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn required_object(body: &[u8]) -> Result<Object, SimError> {
    object(body)?.ok_or_else(SimError::missing_body)
}

fn wrong_type(field: &str, what: &str) -> SimError {
    SimError::invalid_value(&format!("The value of {field} must be {what}."))
        .pointer(&format!("/{field}"))
}

fn opt_bool(body: &Object, field: &str) -> Result<Option<bool>, SimError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong_type(field, "a boolean")),
    }
}

fn opt_string<'a>(body: &'a Object, field: &str) -> Result<Option<&'a str>, SimError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(field, "a string")),
    }
}

fn opt_enum<E>(
    body: &Object,
    field: &str,
    names: &[&str],
    parse: fn(&str) -> Option<E>,
) -> Result<Option<E>, SimError> {
    let invalid = || SimError::invalid_enum(names).pointer(&format!("/{field}"));
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => parse(s).map(Some).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

/// `call_control_ids`: an array of strings.
fn opt_ids(body: &Object) -> Result<Option<Vec<String>>, SimError> {
    const FIELD: &str = "call_control_ids";
    match body.get(FIELD) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(SimError::invalid_value(&format!(
                    "The items of {FIELD} must be strings."
                ))
                .pointer(&format!("/{FIELD}/{i}"))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(wrong_type(FIELD, "an array of strings")),
    }
}

/// `UpdateConferenceParticipantRequest` (optional body).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Update {
    pub end_conference_on_exit: Option<bool>,
    pub soft_end_conference_on_exit: Option<bool>,
    pub beep_enabled: Option<BeepEnabled>,
}

pub(crate) fn update(body: &[u8]) -> Result<Update, SimError> {
    let Some(body) = object(body)? else {
        return Ok(Update::default());
    };
    Ok(Update {
        end_conference_on_exit: opt_bool(&body, "end_conference_on_exit")?,
        soft_end_conference_on_exit: opt_bool(&body, "soft_end_conference_on_exit")?,
        beep_enabled: opt_enum(
            &body,
            "beep_enabled",
            BeepEnabled::NAMES,
            BeepEnabled::parse,
        )?,
    })
}

/// `EndConferenceRequest` (optional body): `command_id` is checked, then
/// ignored (the sim ends a conference once anyway).
pub(crate) fn end(body: &[u8]) -> Result<(), SimError> {
    if let Some(body) = object(body)? {
        opt_string(&body, "command_id")?;
    }
    Ok(())
}

/// Which participant action a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Mute,
    Unmute,
    Hold,
    Unhold,
}

/// The calls an action names: empty means every participant.
pub(crate) fn action(action: Action, body: &[u8]) -> Result<Vec<String>, SimError> {
    let body = required_object(body)?;
    let ids = opt_ids(&body)?;
    // one region only: a valid one changes nothing
    opt_enum(&body, "region", Region::NAMES, Region::parse)?;
    if action == Action::Hold {
        let audio_url = opt_string(&body, "audio_url")?;
        let media_name = opt_string(&body, "media_name")?;
        if audio_url.is_some() && media_name.is_some() {
            return Err(SimError::invalid_value(
                "media_name and audio_url cannot be used together in one request.",
            )
            .pointer("/media_name"));
        }
    }
    let ids = ids.unwrap_or_default();
    if action == Action::Unhold && ids.is_empty() {
        return Err(SimError::missing("call_control_ids"));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::wire::ErrorSource;

    /// (status, code, pointer) of a refused body.
    fn refused<T: std::fmt::Debug>(r: Result<T, SimError>) -> (u16, String, Option<String>) {
        let e = r.unwrap_err();
        let pointer = match e.entry.source {
            Some(ErrorSource::Pointer(p)) => Some(p),
            _ => None,
        };
        (e.status.as_u16(), e.entry.code, pointer)
    }

    fn is(status: u16, code: &str, pointer: &str) -> (u16, String, Option<String>) {
        (status, code.to_string(), Some(pointer.to_string()))
    }

    #[test]
    fn update_bodies_fit_the_schema_or_name_the_member() {
        assert_eq!(update(b"").unwrap(), Update::default());
        assert_eq!(update(b"{\"colour\": 1}").unwrap(), Update::default());
        let u = update(br#"{"end_conference_on_exit": true, "beep_enabled": "on_exit"}"#).unwrap();
        assert_eq!(u.end_conference_on_exit, Some(true));
        assert_eq!(u.beep_enabled, Some(BeepEnabled::OnExit));
        for (body, pointer) in [
            (
                r#"{"end_conference_on_exit": null}"#,
                "/end_conference_on_exit",
            ),
            (
                r#"{"end_conference_on_exit": "true"}"#,
                "/end_conference_on_exit",
            ),
            (
                r#"{"soft_end_conference_on_exit": 1}"#,
                "/soft_end_conference_on_exit",
            ),
        ] {
            assert_eq!(refused(update(body.as_bytes())), is(422, "10015", pointer));
        }
        for beep in ["null", "\"loud\"", "3", "\"Always\""] {
            let body = format!("{{\"beep_enabled\": {beep}}}");
            assert_eq!(
                refused(update(body.as_bytes())),
                is(422, "10032", "/beep_enabled")
            );
        }
        assert_eq!(refused(update(b"[true]")), is(422, "10015", ""));
        assert_eq!(refused(update(b"null")), is(422, "10015", ""));
        assert_eq!(refused(update(b"{\"a\": tru")).0, 400);
    }

    #[test]
    fn action_bodies_are_required_and_checked() {
        use Action::*;
        assert_eq!(refused(action(Mute, b"")), is(422, "10004", ""));
        assert_eq!(refused(action(Mute, b" \n")), is(422, "10004", ""));
        assert_eq!(action(Mute, b"{}").unwrap(), Vec::<String>::new());
        assert_eq!(
            action(Hold, br#"{"call_control_ids": []}"#).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            action(
                Unmute,
                br#"{"call_control_ids": ["v3:a"], "region": "Middle East"}"#
            )
            .unwrap(),
            vec!["v3:a".to_string()]
        );
        for (body, code, pointer) in [
            (
                r#"{"call_control_ids": null}"#,
                "10015",
                "/call_control_ids",
            ),
            (
                r#"{"call_control_ids": "v3:a"}"#,
                "10015",
                "/call_control_ids",
            ),
            (
                r#"{"call_control_ids": ["v3:a", 7]}"#,
                "10015",
                "/call_control_ids/1",
            ),
            (r#"{"region": "Mars"}"#, "10032", "/region"),
            (r#"{"region": null}"#, "10032", "/region"),
        ] {
            assert_eq!(
                refused(action(Mute, body.as_bytes())),
                is(422, code, pointer),
                "{body}"
            );
        }
        let both = br#"{"audio_url": "http://x/a.wav", "media_name": "m"}"#;
        assert_eq!(refused(action(Hold, both)), is(422, "10015", "/media_name"));
        assert!(action(Mute, both).is_ok(), "only hold knows them");
        assert_eq!(
            refused(action(Hold, br#"{"audio_url": 1}"#)),
            is(422, "10015", "/audio_url")
        );
        assert_eq!(
            refused(action(Hold, br#"{"media_name": null}"#)),
            is(422, "10015", "/media_name")
        );
        for body in ["{}", r#"{"call_control_ids": []}"#] {
            assert_eq!(
                refused(action(Unhold, body.as_bytes())),
                is(422, "10004", "/call_control_ids")
            );
        }
    }

    #[test]
    fn the_end_body_is_optional_but_checked() {
        assert!(end(b"").is_ok());
        assert!(end(b"{}").is_ok());
        assert!(end(br#"{"command_id": "891510ac"}"#).is_ok());
        assert_eq!(
            refused(end(br#"{"command_id": null}"#)),
            is(422, "10015", "/command_id")
        );
        assert_eq!(refused(end(b"\"end\"")), is(422, "10015", ""));
    }
}
