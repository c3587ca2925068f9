//! The small types of the calls: filters, actions, the non-empty list of
//! call_control_ids, and listings.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::models::ConferenceStatus;
use crate::sanitize::sanitize_line;

/// Filters of `GET /conferences`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConferenceFilter {
    pub status: Option<ConferenceStatus>,
    pub name: Option<String>,
}

/// Filters of `GET /conferences/{id}/participants`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParticipantFilter {
    pub muted: Option<bool>,
    pub on_hold: Option<bool>,
}

/// The participant actions that address calls by `call_control_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipantAction {
    Mute,
    Unmute,
    Hold,
    Unhold,
}

impl ParticipantAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantAction::Mute => "mute",
            ParticipantAction::Unmute => "unmute",
            ParticipantAction::Hold => "hold",
            ParticipantAction::Unhold => "unhold",
        }
    }
}

/// What a participant on hold hears: an audio file by URL, or a file
/// uploaded to Telnyx's media storage by name. The API takes one or the
/// other, never both, so this type holds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldMusic {
    AudioUrl(String),
    MediaName(String),
}

/// A non-empty list of `call_control_id`s. The API reads an empty list as
/// "every participant", so this type cannot hold one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallControlIds(Vec<String>);

impl CallControlIds {
    /// `None` when the list is empty or holds an empty id.
    pub fn new(ids: Vec<String>) -> Option<Self> {
        if ids.is_empty() || ids.iter().any(|id| id.trim().is_empty()) {
            None
        } else {
            Some(CallControlIds(ids))
        }
    }

    pub fn one(id: &str) -> Option<Self> {
        Self::new(vec![id.to_string()])
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// Items of a listing that decoded, a note for each that did not, and what
/// the listing could not trust about the server's paging.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// One sanitized reason per item that could not be read.
    pub rejected: Vec<String>,
    /// Why paging stopped early, sanitized (a page meta that makes no
    /// sense, paging that does not advance, the page limit).
    pub warnings: Vec<String>,
}

impl Listing<Value> {
    /// Decodes the raw items one by one, so that one bad item does not cost
    /// the whole page.
    pub fn decode<T: DeserializeOwned>(self) -> Listing<T> {
        let mut listing = Listing {
            items: Vec::with_capacity(self.items.len()),
            rejected: self.rejected,
            warnings: self.warnings,
        };
        for (i, item) in self.items.into_iter().enumerate() {
            match serde_json::from_value::<T>(item) {
                Ok(v) => listing.items.push(v),
                Err(e) => listing
                    .rejected
                    .push(sanitize_line(&format!("item {i}: {e}"), 160)),
            }
        }
        listing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnyx::models::Participant;

    #[test]
    fn empty_call_control_id_lists_cannot_be_built() {
        assert!(CallControlIds::new(vec![]).is_none());
        assert!(CallControlIds::new(vec!["".into()]).is_none());
        assert!(CallControlIds::one("v3:abc").is_some());
    }

    #[test]
    fn one_bad_item_does_not_cost_the_page() {
        let raw = vec![
            serde_json::json!({"id": "a", "muted": true}),
            serde_json::json!({"id": "b", "muted": "loud"}),
            serde_json::json!("not an object"),
        ];
        let listing: Listing<Participant> = Listing {
            items: raw,
            ..Listing::default()
        }
        .decode();
        assert_eq!(listing.items.len(), 1);
        assert_eq!(listing.rejected.len(), 2);
    }
}
