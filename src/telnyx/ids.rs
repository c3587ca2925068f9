//! Identifiers as types, parsed once at the edge.
//!
//! A [`ConferenceId`] is a UUID however it was written (hyphenated, simple,
//! braced or `urn:uuid:`, any case) and is always sent in the canonical
//! hyphenated lower-case form. A [`ParticipantRef`] says what a participant
//! given by a user is: an id, a label or a call_control_id; it is decided in
//! one place, [`ParticipantRef::parse`], and nowhere else.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::sanitize::sanitize_line;

/// A conference id. `Display` gives the canonical form the API is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConferenceId(Uuid);

/// Why a value is not an identifier; names the value, sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId(String);

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidId {}

impl ConferenceId {
    /// A conference id as the API returned it: `None` when it is not a UUID
    /// (such a conference cannot be addressed by the API's write paths).
    pub fn from_api(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }

    pub fn uuid(&self) -> Uuid {
        self.0
    }
}

impl FromStr for ConferenceId {
    type Err = InvalidId;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(raw.trim()).map(ConferenceId).map_err(|_| {
            InvalidId(format!(
                "'{}' is not a conference id (a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6); list them with `confmod conferences`",
                sanitize_line(raw, 60)
            ))
        })
    }
}

impl fmt::Display for ConferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// A participant as a user names one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParticipantRef {
    /// A participant id (a UUID, in canonical form).
    Id(String),
    /// A participant's label, as given when it joined.
    Label(String),
    /// A call_control_id (`v3:...`): what the mute/hold actions address.
    CallControlId(String),
}

/// The longest participant reference accepted (a label or an id never comes
/// near it; a longer value is a mistake, not a participant).
pub(crate) const MAX_REF_LEN: usize = 512;

impl ParticipantRef {
    /// Reads a participant given by a user: a UUID (in any of its forms) is
    /// an id, `v<digits>:<token>` is a call_control_id, anything else a label.
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(InvalidId("an empty participant id or label".into()));
        }
        if value.len() > MAX_REF_LEN {
            return Err(InvalidId(format!(
                "a participant id or label of {} bytes (at most {MAX_REF_LEN})",
                value.len()
            )));
        }
        // in a path, URL normalisation would make these another endpoint
        // (`/participants/..` is the conference)
        if matches!(value, "." | "..") {
            return Err(InvalidId(format!(
                "'{value}' is not a participant id or label"
            )));
        }
        if let Ok(id) = Uuid::try_parse(value) {
            return Ok(ParticipantRef::Id(id.hyphenated().to_string()));
        }
        if is_call_control_id(value) {
            return Ok(ParticipantRef::CallControlId(value.to_string()));
        }
        Ok(ParticipantRef::Label(value.to_string()))
    }

    /// The value itself.
    pub fn as_str(&self) -> &str {
        match self {
            ParticipantRef::Id(s) | ParticipantRef::Label(s) | ParticipantRef::CallControlId(s) => {
                s
            }
        }
    }

    /// `participant 3fa85f64-…`, `participant "Ava"`, sanitized, for messages.
    pub fn describe(&self) -> String {
        let v = sanitize_line(self.as_str(), 80);
        match self {
            ParticipantRef::Id(_) => format!("participant {v}"),
            ParticipantRef::Label(_) => format!("participant \"{v}\""),
            ParticipantRef::CallControlId(_) => format!("call {v}"),
        }
    }
}

impl FromStr for ParticipantRef {
    type Err = InvalidId;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ParticipantRef::parse(raw)
    }
}

/// `v2:...`, `v3:...`: a version tag, a colon and a token.
fn is_call_control_id(s: &str) -> bool {
    let Some((version, token)) = s.split_once(':') else {
        return false;
    };
    let digits = version.strip_prefix('v').unwrap_or("");
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !token.is_empty()
        && !token.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANONICAL: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    #[test]
    fn every_uuid_form_gives_the_canonical_conference_id() {
        for form in [
            CANONICAL,
            "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
            "3fa85f6457174562b3fc2c963f66afa6",
            "3FA85F6457174562B3FC2C963F66AFA6",
            "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
            "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "  3fa85f64-5717-4562-b3fc-2c963f66afa6\n",
        ] {
            let id: ConferenceId = form.parse().unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(id.to_string(), CANONICAL, "{form}");
        }
    }

    #[test]
    fn anything_else_is_not_a_conference_id_and_the_error_is_inert() {
        for bad in [
            "",
            "all-hands",
            "3fa85f64-5717-4562-b3fc-2c963f66afa",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6x",
            "{3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "urn:uuid:",
            "all-hands\x1b[2J",
        ] {
            let err = bad.parse::<ConferenceId>().unwrap_err().to_string();
            assert!(err.contains("not a conference id"), "{bad:?}: {err}");
            assert!(!err.contains('\x1b'), "{err:?}");
        }
    }

    #[test]
    fn participant_references_say_what_they_are() {
        assert_eq!(
            ParticipantRef::parse("{3FA85F64-5717-4562-B3FC-2C963F66AFA6}"),
            Ok(ParticipantRef::Id(CANONICAL.into()))
        );
        assert_eq!(
            ParticipantRef::parse(" v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg "),
            Ok(ParticipantRef::CallControlId(
                "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg".into()
            ))
        );
        for label in [
            "Ava Thompson",
            "v3:",
            "v: x",
            "vx:abc",
            "会議 host",
            "3fa85f64",
        ] {
            assert_eq!(
                ParticipantRef::parse(label),
                Ok(ParticipantRef::Label(label.trim().into())),
                "{label}"
            );
        }
        assert!(ParticipantRef::parse("  ").is_err());
        assert!(ParticipantRef::parse("..").is_err());
        assert!(ParticipantRef::parse(" . ").is_err());
        assert!(ParticipantRef::parse("a..b").is_ok());
        assert!(ParticipantRef::parse(&"x".repeat(MAX_REF_LEN + 1)).is_err());
    }
}
