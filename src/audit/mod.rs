//! The audit journal: every write the console or a one-shot command makes is
//! appended as one JSON line when its answer arrives (`journal.rs`), and read
//! back by `confmod audit` and by the console for its beep markers
//! (`read.rs`).
//!
//! An entry says who (the operator's `$USER`, the command), where (the API
//! host, the conference id and name), on whom (participant id, label and
//! call_control_id, as the writer knew them), what (the action and the
//! fields sent) and what the server answered (status, code, error).

mod journal;
mod read;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::sanitize::sanitize_line;
use crate::telnyx::{
    ApiError, CallControlIds, ConferenceId, HoldMusic, ParticipantAction, UpdateParticipant,
    Written,
};

pub(crate) use journal::{Journal, JournalError, default_path};
pub(crate) use read::{Filter, Reader, last_beeps, parse_since};

/// The longest label, name or operator kept in an entry (characters).
const MAX_TEXT: usize = 256;

/// One write, as the journal records it (one JSON line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// When the answer arrived: RFC 3339, UTC.
    pub time: String,
    /// `$USER` (or `$LOGNAME`) of who ran confmod.
    #[serde(default)]
    pub operator: Option<String>,
    /// What made the write: `console`, `demo`, `update`, `mute`, ...
    #[serde(default)]
    pub via: String,
    /// `host[:port]` of the API the write went to.
    #[serde(default)]
    pub api_host: String,
    pub conference_id: String,
    #[serde(default)]
    pub conference_name: Option<String>,
    /// `update`, `mute`, `unmute`, `hold`, `unhold` or `end`.
    pub action: String,
    /// Who the write was about (empty for `end`, and for an action on
    /// everyone).
    #[serde(default)]
    pub participants: Vec<Party>,
    /// The request body sent.
    #[serde(default)]
    pub sent: Value,
    /// True when the server answered 2xx.
    #[serde(default)]
    pub ok: bool,
    /// The HTTP status; none when no answer came (a timeout, a dropped
    /// connection).
    #[serde(default)]
    pub status: Option<u16>,
    /// The Telnyx error code, when the server sent one.
    #[serde(default)]
    pub code: Option<String>,
    /// The failure in short (`422 90018 Call has ended`, `timed out`).
    #[serde(default)]
    pub error: Option<String>,
}

/// A participant a write was about, as far as the writer knew it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub call_control_id: Option<String>,
}

/// What a write is about, beyond its conference id: the conference's name
/// and its participants as the writer saw them when it sent the write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub conference_name: Option<String>,
    pub participants: Vec<Party>,
}

/// A write, as sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Write<'a> {
    Update(&'a UpdateParticipant),
    Action {
        action: ParticipantAction,
        call_control_ids: &'a CallControlIds,
        music: Option<&'a HoldMusic>,
    },
    End,
}

impl Write<'_> {
    fn action(&self) -> &'static str {
        match self {
            Write::Update(_) => "update",
            Write::Action { action, .. } => action.as_str(),
            Write::End => "end",
        }
    }

    /// The request body, as the client sends it.
    fn sent(&self) -> Value {
        match self {
            Write::Update(update) => serde_json::to_value(update).unwrap_or(Value::Null),
            Write::Action {
                action,
                call_control_ids,
                music,
            } => {
                let mut body = json!({ "call_control_ids": call_control_ids.as_slice() });
                match music.filter(|_| *action == ParticipantAction::Hold) {
                    Some(HoldMusic::AudioUrl(url)) => body["audio_url"] = json!(url),
                    Some(HoldMusic::MediaName(name)) => body["media_name"] = json!(name),
                    None => {}
                }
                body
            }
            Write::End => json!({}),
        }
    }
}

/// How a write ended, for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub error: Option<String>,
}

impl Outcome {
    pub(crate) fn of<T>(result: &Result<Written<T>, ApiError>) -> Self {
        match result {
            Ok(w) => Outcome {
                status: Some(w.status),
                code: None,
                error: None,
            },
            Err(e) => Outcome {
                status: e.status,
                code: e.code().map(str::to_string),
                error: Some(e.summary()),
            },
        }
    }
}

/// Who writes: the same for every entry of one run of confmod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub operator: Option<String>,
    pub via: &'static str,
    pub api_host: String,
}

impl Origin {
    /// `via` is what makes the writes (`console`, `update`, ...); the
    /// operator is `$USER`, else `$LOGNAME`.
    pub(crate) fn new(via: &'static str, api_host: &str) -> Self {
        let operator = ["USER", "LOGNAME"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .map(|u| sanitize_line(&u, 64))
            .find(|u| !u.is_empty());
        Origin {
            operator,
            via,
            api_host: sanitize_line(api_host, 253),
        }
    }
}

impl Entry {
    pub(crate) fn new(
        origin: &Origin,
        at: OffsetDateTime,
        conference: &ConferenceId,
        subject: &Subject,
        write: &Write<'_>,
        outcome: Outcome,
    ) -> Self {
        let text = |s: &Option<String>| s.as_ref().map(|s| cut(s));
        Entry {
            time: timestamp(at),
            operator: origin.operator.clone(),
            via: origin.via.to_string(),
            api_host: origin.api_host.clone(),
            conference_id: conference.to_string(),
            conference_name: text(&subject.conference_name),
            action: write.action().to_string(),
            participants: subject
                .participants
                .iter()
                .map(|p| Party {
                    id: text(&p.id),
                    label: text(&p.label),
                    call_control_id: text(&p.call_control_id),
                })
                .collect(),
            sent: write.sent(),
            ok: outcome.status.is_some_and(|s| (200..300).contains(&s)),
            status: outcome.status,
            code: outcome.code,
            error: outcome.error,
        }
    }

    /// When it was written, if its time reads.
    pub(crate) fn at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.time, &Rfc3339).ok()
    }
}

/// RFC 3339 in UTC with milliseconds, always three digits, so that entries
/// sort as text: `2026-12-02T02:10:33.120Z`.
pub(crate) fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// A server- or operator-supplied text kept at most `MAX_TEXT` characters.
fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_TEXT - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnyx::{BeepEnabled, ErrorKind};

    fn conf() -> ConferenceId {
        ConferenceId::from_api("3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap()
    }

    #[test]
    fn an_entry_says_who_where_on_whom_what_and_the_answer() {
        let origin = Origin {
            operator: Some("ana".into()),
            via: "console",
            api_host: "api.telnyx.com".into(),
        };
        let subject = Subject {
            conference_name: Some("Weekly".into()),
            participants: vec![Party {
                id: Some("p1".into()),
                label: Some("Ava".into()),
                call_control_id: Some("v3:ava".into()),
            }],
        };
        let update = UpdateParticipant {
            beep_enabled: Some(BeepEnabled::Never),
            ..Default::default()
        };
        let at = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
        let ok = Entry::new(
            &origin,
            at,
            &conf(),
            &subject,
            &Write::Update(&update),
            Outcome::of(&Ok(Written {
                status: 200,
                data: (),
            })),
        );
        let line = serde_json::to_value(&ok).unwrap();
        assert_eq!(
            line,
            json!({
                "time": "2026-11-30T00:53:20.000Z",
                "operator": "ana",
                "via": "console",
                "api_host": "api.telnyx.com",
                "conference_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                "conference_name": "Weekly",
                "action": "update",
                "participants": [{"id": "p1", "label": "Ava", "call_control_id": "v3:ava"}],
                "sent": {"beep_enabled": "never"},
                "ok": true,
                "status": 200,
                "code": null,
                "error": null,
            })
        );
        assert_eq!(ok.at(), Some(at));

        let ended = ApiError::from_response(
            422,
            br#"{"errors":[{"code":"90018","title":"Call has ended"}]}"#,
            None,
        );
        assert_eq!(ended.kind, ErrorKind::CallEnded);
        let ids = CallControlIds::new(vec!["v3:ava".into()]).unwrap();
        let music = HoldMusic::MediaName("jazz".into());
        let failed = Entry::new(
            &origin,
            at,
            &conf(),
            &subject,
            &Write::Action {
                action: ParticipantAction::Hold,
                call_control_ids: &ids,
                music: Some(&music),
            },
            Outcome::of::<()>(&Err(ended)),
        );
        assert_eq!(failed.action, "hold");
        assert_eq!(
            failed.sent,
            json!({"call_control_ids": ["v3:ava"], "media_name": "jazz"})
        );
        assert!(!failed.ok);
        assert_eq!(failed.status, Some(422));
        assert_eq!(failed.code.as_deref(), Some("90018"));
        assert_eq!(failed.error.as_deref(), Some("422 90018 Call has ended"));

        let timed_out =
            Outcome::of::<()>(&Err(ApiError::timeout(std::time::Duration::from_secs(15))));
        assert_eq!(timed_out.status, None);
        assert_eq!(timed_out.error.as_deref(), Some("timed out"));
    }

    #[test]
    fn long_texts_are_cut() {
        let long = "x".repeat(10_000);
        let entry = Entry::new(
            &Origin::new("update", "h"),
            OffsetDateTime::UNIX_EPOCH,
            &conf(),
            &Subject {
                conference_name: Some(long.clone()),
                participants: vec![Party {
                    label: Some(long),
                    ..Party::default()
                }],
            },
            &Write::End,
            Outcome {
                status: Some(200),
                code: None,
                error: None,
            },
        );
        assert_eq!(entry.conference_name.unwrap().chars().count(), MAX_TEXT);
        assert_eq!(
            entry.participants[0]
                .label
                .as_ref()
                .unwrap()
                .chars()
                .count(),
            MAX_TEXT
        );
        assert_eq!(entry.sent, json!({}));
    }
}
