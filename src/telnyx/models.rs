//! Typed models of the Telnyx Conferences API (`conferences.openapi.yml`).
//!
//! Decoding is tolerant: unknown fields are ignored, missing or `null` fields
//! take their defaults, and an enum value the spec does not know decodes to an
//! `Unknown` variant that keeps the raw string instead of failing the page.
//! Serialization gives the spec's shape back (the contract test holds every
//! model to the spec's examples); the sim has its own shapes (`sim::wire`), so
//! a field misspelt here cannot hide behind the same misspelling there.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Decodes `null` (and a missing field, with `#[serde(default)]`) as the default value.
fn nullable<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// Defines a string enum of the spec that tolerates values it does not know.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this version of confmod does not know (kept verbatim).
            Unknown(String),
        }

        impl $name {
            /// Every value the spec knows, in spec order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(raw) => raw,
                }
            }

            pub fn parse(raw: &str) -> Self {
                match raw {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_string()),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(de)?;
                Ok($name::parse(&raw))
            }
        }
    };
}

open_enum!(
    /// `Conference.status`.
    ConferenceStatus {
        Init => "init",
        InProgress => "in_progress",
        Completed => "completed",
    }
);

open_enum!(
    /// `Conference.end_reason`.
    EndReason {
        AllLeft => "all_left",
        EndedViaApi => "ended_via_api",
        HostLeft => "host_left",
        TimeExceeded => "time_exceeded",
    }
);

open_enum!(
    /// `Participant.status`.
    ParticipantStatus {
        Joining => "joining",
        Joined => "joined",
        Left => "left",
    }
);

/// `beep_enabled` of the update request. Write-only: no response carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeepEnabled {
    Always,
    Never,
    OnEnter,
    OnExit,
}

impl BeepEnabled {
    pub const ALL: [BeepEnabled; 4] = [
        BeepEnabled::Always,
        BeepEnabled::Never,
        BeepEnabled::OnEnter,
        BeepEnabled::OnExit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BeepEnabled::Always => "always",
            BeepEnabled::Never => "never",
            BeepEnabled::OnEnter => "on_enter",
            BeepEnabled::OnExit => "on_exit",
        }
    }

    /// The next value in `ALL`, wrapping around.
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|b| *b == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The previous value in `ALL`, wrapping around.
    pub fn prev(self) -> Self {
        let i = Self::ALL.iter().position(|b| *b == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

impl fmt::Display for BeepEnabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an enum value the spec does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEnum {
    pub value: String,
    pub allowed: &'static str,
}

impl fmt::Display for InvalidEnum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value '{}' (expected one of: {})",
            self.value, self.allowed
        )
    }
}

impl std::error::Error for InvalidEnum {}

impl FromStr for BeepEnabled {
    type Err = InvalidEnum;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BeepEnabled::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| InvalidEnum {
                value: s.to_string(),
                allowed: "always, never, on_enter, on_exit",
            })
    }
}

/// `Conference.ended_by`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedBy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_control_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_session_id: Option<String>,
}

/// A conference (`Conference` schema).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conference {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default = "conference_record_type", deserialize_with = "nullable")]
    pub record_type: String,
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    #[serde(default, deserialize_with = "nullable")]
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConferenceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<EndReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<EndedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

fn conference_record_type() -> String {
    "conference".to_string()
}

fn participant_record_type() -> String {
    "participant".to_string()
}

/// `Participant.conference`: the conference a list item belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceRef {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// A participant as the list returns it (`Participant` schema): no `label`,
/// no `conference_id`, no `beep_enabled`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    #[serde(default = "participant_record_type", deserialize_with = "nullable")]
    pub record_type: String,
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub call_leg_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub call_control_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub conference: ConferenceRef,
    #[serde(default, deserialize_with = "nullable")]
    pub whisper_call_control_ids: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    #[serde(default, deserialize_with = "nullable")]
    pub updated_at: String,
    #[serde(default, deserialize_with = "nullable")]
    pub end_conference_on_exit: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub soft_end_conference_on_exit: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub status: ParticipantStatus,
    #[serde(default, deserialize_with = "nullable")]
    pub muted: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub on_hold: bool,
}

/// A list item decoded with only what a live table keeps: its id,
/// call_control_id, `created_at` and the five values it shows. The other
/// fields (the record type, the call leg, the conference, whisper lists,
/// `updated_at`) are skipped as they are read, never allocated: at 50,000
/// participants that is about half of what a refresh would allocate, and
/// none of it is left behind as holes between the rows kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeanParticipant(pub Participant);

impl<'de> Deserialize<'de> for LeanParticipant {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default, deserialize_with = "nullable")]
            id: String,
            #[serde(default, deserialize_with = "nullable")]
            call_control_id: String,
            #[serde(default, deserialize_with = "nullable")]
            created_at: String,
            #[serde(default, deserialize_with = "nullable")]
            end_conference_on_exit: bool,
            #[serde(default, deserialize_with = "nullable")]
            soft_end_conference_on_exit: bool,
            #[serde(default, deserialize_with = "nullable")]
            status: ParticipantStatus,
            #[serde(default, deserialize_with = "nullable")]
            muted: bool,
            #[serde(default, deserialize_with = "nullable")]
            on_hold: bool,
        }
        let w = Wire::deserialize(de)?;
        Ok(LeanParticipant(Participant {
            id: w.id,
            call_control_id: w.call_control_id,
            created_at: w.created_at,
            end_conference_on_exit: w.end_conference_on_exit,
            soft_end_conference_on_exit: w.soft_end_conference_on_exit,
            status: w.status,
            muted: w.muted,
            on_hold: w.on_hold,
            ..Participant::default()
        }))
    }
}

/// A participant as GET and PATCH return it (`ConferenceParticipant` schema):
/// every field optional, with `label` and `conference_id`, never `beep_enabled`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceParticipant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_control_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_leg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ParticipantStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_hold: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_conference_on_exit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_end_conference_on_exit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whisper_call_control_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The body of `PATCH /conferences/{id}/participants/{participant_id}`.
/// Only the fields the caller sets are serialized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateParticipant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_conference_on_exit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_end_conference_on_exit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beep_enabled: Option<BeepEnabled>,
}

impl UpdateParticipant {
    /// True when no field is set: such a request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.end_conference_on_exit.is_none()
            && self.soft_end_conference_on_exit.is_none()
            && self.beep_enabled.is_none()
    }
}

/// `PaginationMeta`, decoded tolerantly as the official SDKs do: a field that
/// is missing, `null`, not an integer or beyond `i64` reads as absent, and a
/// negative number is kept (so that paging can tell it is nonsense and stop)
/// instead of failing the whole page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaginationMeta {
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub page_number: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub page_size: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_pages: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_results: Option<i64>,
}

impl PaginationMeta {
    /// What is wrong with this meta, if paging cannot trust it: a negative
    /// count, or a page number below 1.
    pub fn nonsense(&self) -> Option<String> {
        let fields = [
            ("page_number", self.page_number, 1),
            ("page_size", self.page_size, 0),
            ("total_pages", self.total_pages, 0),
            ("total_results", self.total_results, 0),
        ];
        fields.into_iter().find_map(|(name, value, min)| {
            value.filter(|v| *v < min).map(|v| format!("{name} {v}"))
        })
    }
}

/// Any JSON value: an integer that fits `i64`, else absent.
fn lenient_int<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    Ok(serde_json::Value::deserialize(de)?.as_i64())
}

/// `{data: T}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource<T> {
    pub data: T,
}

/// `{data: [T], meta: PaginationMeta}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<PaginationMeta>,
}

/// `ConferenceCommandResult`: `{result: "ok"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandResult {
    #[serde(default, deserialize_with = "nullable")]
    pub result: String,
}

/// `source` of an error entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// One entry of `errors[]` (`call-control_Error`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// A string in the spec; a number is accepted too.
    #[serde(default, deserialize_with = "code_string")]
    pub code: String,
    #[serde(default, deserialize_with = "nullable")]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

impl ErrorEntry {
    /// `source.pointer`, or `source.parameter` when there is no pointer.
    pub fn source_name(&self) -> Option<&str> {
        let source = self.source.as_ref()?;
        source.pointer.as_deref().or(source.parameter.as_deref())
    }
}

fn code_string<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Option::<Code>::deserialize(de)? {
        Some(Code::Text(s)) => s,
        Some(Code::Number(n)) => n.to_string(),
        None => String::new(),
    })
}

/// The errors body: `{errors: [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorsBody {
    #[serde(default, deserialize_with = "nullable")]
    pub errors: Vec<ErrorEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_participant_decodes_the_spec_example() {
        let item = json!({
            "call_control_id": "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
            "call_leg_id": "3a15df2d-c801-4729-adf5-b56dd42e2abb",
            "conference": {"id": "41b9acd4-f4da-4ff5-a85c-e07e90b53f46", "name": "1"},
            "created_at": "2019-01-23T18:10:02.574Z",
            "end_conference_on_exit": true,
            "id": "dfadada7-af74-47bc-83a4-554275f55f5c",
            "muted": false,
            "on_hold": true,
            "record_type": "participant",
            "soft_end_conference_on_exit": true,
            "status": "joining",
            "updated_at": "2019-01-23T18:10:02.574Z",
            "whisper_call_control_ids": ["v2:a", "v2:b"]
        });
        let p: Participant = serde_json::from_value(item.clone()).unwrap();
        assert_eq!(p.status, ParticipantStatus::Joining);
        assert!(p.on_hold && !p.muted && p.end_conference_on_exit);
        assert_eq!(p.conference.name, "1");
        // Serializing gives back the spec's shape, field for field.
        assert_eq!(serde_json::to_value(&p).unwrap(), item);
    }

    #[test]
    fn decoding_tolerates_unknown_missing_and_null_fields() {
        let p: Participant = serde_json::from_value(json!({
            "id": "p1",
            "status": "ringing",
            "muted": null,
            "brand_new_field": {"x": 1}
        }))
        .unwrap();
        assert_eq!(p.id, "p1");
        assert_eq!(p.status, ParticipantStatus::Unknown("ringing".into()));
        assert_eq!(p.status.as_str(), "ringing");
        assert!(!p.muted);
        assert!(p.whisper_call_control_ids.is_empty());

        let c: Conference =
            serde_json::from_value(json!({"id": "c", "status": "paused", "end_reason": null}))
                .unwrap();
        assert_eq!(c.status, Some(ConferenceStatus::Unknown("paused".into())));
        assert_eq!(c.end_reason, None);
    }

    #[test]
    fn update_request_serializes_only_the_fields_set() {
        let req = UpdateParticipant {
            soft_end_conference_on_exit: Some(false),
            beep_enabled: Some(BeepEnabled::OnExit),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(req).unwrap(),
            json!({"soft_end_conference_on_exit": false, "beep_enabled": "on_exit"})
        );
        assert_eq!(
            serde_json::to_string(&UpdateParticipant::default()).unwrap(),
            "{}"
        );
        assert!(UpdateParticipant::default().is_empty());
        assert!(!req.is_empty());
    }

    #[test]
    fn beep_enabled_parses_cycles_and_rejects_unknown_values() {
        assert_eq!("on_enter".parse::<BeepEnabled>(), Ok(BeepEnabled::OnEnter));
        let err = "loud".parse::<BeepEnabled>().unwrap_err();
        assert!(err.to_string().contains("always, never, on_enter, on_exit"));
        assert_eq!(BeepEnabled::OnExit.next(), BeepEnabled::Always);
        assert_eq!(BeepEnabled::Always.prev(), BeepEnabled::OnExit);
    }

    #[test]
    fn error_code_may_be_a_number() {
        let body: ErrorsBody =
            serde_json::from_value(json!({"errors": [{"code": 90019, "title": "t"}]})).unwrap();
        assert_eq!(body.errors[0].code, "90019");
    }

    #[test]
    fn pagination_meta_is_decoded_tolerantly() {
        let meta: PaginationMeta = serde_json::from_value(json!({
            "page_number": -3,
            "page_size": "25",
            "total_pages": 1e300,
            "total_results": 18446744073709551615u64
        }))
        .unwrap();
        assert_eq!(
            meta,
            PaginationMeta {
                page_number: Some(-3),
                ..Default::default()
            }
        );
        assert_eq!(meta.nonsense().as_deref(), Some("page_number -3"));
        let fine: PaginationMeta = serde_json::from_value(
            json!({"page_number": 2, "page_size": 25, "total_pages": 3, "total_results": 55}),
        )
        .unwrap();
        assert_eq!(fine.nonsense(), None);
        assert_eq!(fine.total_results, Some(55));
        let empty: PaginationMeta = serde_json::from_value(json!({"total_pages": 0})).unwrap();
        assert_eq!(empty.nonsense(), None);
    }

    #[test]
    fn conference_participant_never_carries_beep_enabled() {
        let cp: ConferenceParticipant = serde_json::from_value(json!({
            "id": "p", "label": "Ava", "conference_id": "c", "beep_enabled": "always"
        }))
        .unwrap();
        let back = serde_json::to_value(&cp).unwrap();
        assert!(back.get("beep_enabled").is_none());
        assert_eq!(back["label"], "Ava");
    }
}
