//! What the sim puts on the wire, written from `conferences.openapi.yml` and
//! from nothing else: the response bodies, their envelopes and the enums of
//! the spec. The client has its own types; `tests/contract.rs` holds both
//! against the spec's examples, so a field or value misspelt on one side
//! fails a test instead of agreeing with itself.
//!
//! Text fields are `Cow`s: the sim serializes borrowed views of its state (a
//! page of 250 participants clones nothing), and the types still deserialize
//! (owned) for the contract test. Every struct denies unknown fields when it
//! is read, so a fixture with a field the sim does not write fails to decode.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A string enum of the spec: its values, in spec order, and their text.
macro_rules! spec_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in spec order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The text of every value, in spec order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value with this exact text.
            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

spec_enum!(
    /// `Conference.status`.
    ConferenceStatus {
        Init => "init",
        InProgress => "in_progress",
        Completed => "completed",
    }
);

spec_enum!(
    /// `Conference.end_reason`.
    EndReason {
        AllLeft => "all_left",
        EndedViaApi => "ended_via_api",
        HostLeft => "host_left",
        TimeExceeded => "time_exceeded",
    }
);

spec_enum!(
    /// `Participant.status` and `ConferenceParticipant.status`.
    ParticipantStatus {
        Joining => "joining",
        Joined => "joined",
        Left => "left",
    }
);

spec_enum!(
    /// `UpdateConferenceParticipantRequest.beep_enabled`: write-only, no
    /// response carries it.
    BeepEnabled {
        Always => "always",
        Never => "never",
        OnEnter => "on_enter",
        OnExit => "on_exit",
    }
);

spec_enum!(
    /// `ConferenceRegion`, of the `region` query parameter and of the action
    /// bodies. The sim has one region: a valid one is accepted and changes
    /// nothing.
    Region {
        Australia => "Australia",
        Europe => "Europe",
        MiddleEast => "Middle East",
        Us => "US",
    }
);

spec_enum!(
    /// `Conference.record_type`.
    ConferenceRecordType { Conference => "conference" }
);

spec_enum!(
    /// `Participant.record_type`.
    ParticipantRecordType { Participant => "participant" }
);

spec_enum!(
    /// `ConferenceCommandResult.result`.
    CommandOutcome { Ok => "ok" }
);

/// `Conference.ended_by`: both ids or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndedBy<'a> {
    pub call_control_id: Cow<'a, str>,
    pub call_session_id: Cow<'a, str>,
}

/// `Conference`. The sim always writes `status`, `connection_id`, `region`
/// and `updated_at`; `end_reason` and `ended_by` once it has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conference<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub record_type: ConferenceRecordType,
    pub created_at: Cow<'a, str>,
    pub expires_at: Cow<'a, str>,
    pub status: ConferenceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<EndReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<EndedBy<'a>>,
    pub connection_id: Cow<'a, str>,
    pub region: Cow<'a, str>,
    pub updated_at: Cow<'a, str>,
}

/// `Participant.conference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConferenceRef<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
}

/// `Participant`, a list item: every field required, the conference as
/// `{id, name}`, no `label`, no `conference_id`, no `beep_enabled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant<'a> {
    pub record_type: ParticipantRecordType,
    pub id: Cow<'a, str>,
    pub call_leg_id: Cow<'a, str>,
    pub call_control_id: Cow<'a, str>,
    pub conference: ConferenceRef<'a>,
    pub whisper_call_control_ids: Cow<'a, [String]>,
    pub created_at: Cow<'a, str>,
    pub updated_at: Cow<'a, str>,
    pub end_conference_on_exit: bool,
    pub soft_end_conference_on_exit: bool,
    pub status: ParticipantStatus,
    pub muted: bool,
    pub on_hold: bool,
}

/// `ConferenceParticipant`, of GET and PATCH on one participant: `label` and
/// `conference_id`, never `beep_enabled`. Every field is optional in the
/// spec; the sim writes them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConferenceParticipant<'a> {
    pub id: Cow<'a, str>,
    pub call_control_id: Cow<'a, str>,
    pub call_leg_id: Cow<'a, str>,
    pub conference_id: Cow<'a, str>,
    pub label: Cow<'a, str>,
    pub status: ParticipantStatus,
    pub muted: bool,
    pub on_hold: bool,
    pub end_conference_on_exit: bool,
    pub soft_end_conference_on_exit: bool,
    pub whisper_call_control_ids: Cow<'a, [String]>,
    pub created_at: Cow<'a, str>,
    pub updated_at: Cow<'a, str>,
}

/// `PaginationMeta`; the sim writes every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaginationMeta {
    pub page_number: u64,
    pub page_size: u64,
    pub total_pages: u64,
    pub total_results: u64,
}

/// `ConferenceCommandResult`: `{"result": "ok"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    pub result: CommandOutcome,
}

impl CommandResult {
    pub const OK: CommandResult = CommandResult {
        result: CommandOutcome::Ok,
    };
}

/// `{"data": T}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data<T> {
    pub data: T,
}

/// `{"data": [T], "meta": PaginationMeta}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub meta: PaginationMeta,
}

/// `call-control_Error.source`: a JSON pointer (RFC 6901) into the body, or
/// the name of a query or path parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    Pointer(String),
    Parameter(String),
}

/// `call-control_Error.meta` as the sim writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorMeta {
    pub url: String,
}

/// `call-control_Error`. `code` is a string of digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorEntry {
    pub code: String,
    pub title: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ErrorMeta>,
}

/// `call-control_Errors`: `{"errors": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorsBody {
    pub errors: Vec<ErrorEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enums_write_the_spec_text_and_read_nothing_else() {
        assert_eq!(
            serde_json::to_value(EndReason::EndedViaApi).unwrap(),
            json!("ended_via_api")
        );
        assert_eq!(Region::parse("Middle East"), Some(Region::MiddleEast));
        assert_eq!(Region::parse("middle east"), None);
        for (value, name) in BeepEnabled::ALL.iter().zip(BeepEnabled::NAMES) {
            assert_eq!(value.as_str(), *name);
            assert_eq!(BeepEnabled::parse(name), Some(*value));
        }
        assert!(serde_json::from_value::<ConferenceStatus>(json!("paused")).is_err());
    }

    #[test]
    fn errors_name_one_source() {
        let entry = ErrorEntry {
            code: "10032".into(),
            title: "Invalid enumerated value".into(),
            detail: "d".into(),
            source: Some(ErrorSource::Pointer("/beep_enabled".into())),
            meta: None,
        };
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            json!({"code": "10032", "title": "Invalid enumerated value", "detail": "d",
                   "source": {"pointer": "/beep_enabled"}})
        );
        let two = json!({"code": "1", "title": "t", "detail": "d",
                         "source": {"pointer": "/a", "parameter": "b"}});
        assert!(serde_json::from_value::<ErrorEntry>(two).is_err());
    }
}
