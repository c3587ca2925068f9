//! The small types of the calls: filters, actions, the non-empty list of
//! call_control_ids, and listings.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use serde_json::value::RawValue;

use super::models::{
    Conference, ConferenceParticipant, ConferenceStatus, LeanParticipant, Participant,
};
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
    /// sense, paging that does not advance, a limit of [`truncated`]).
    ///
    /// [`truncated`]: Listing::truncated
    pub warnings: Vec<String>,
    /// Set when the client stopped the listing at one of its bounds
    /// ([`ListingLimits`], or the page limit): the items are a part of the
    /// list, not all of it. Its reason is also in `warnings`.
    pub truncated: Option<ListingLimit>,
}

/// The client's bounds on one listing (every page of it): past either, it
/// stops and marks the listing [`truncated`](Listing::truncated) rather
/// than hold more, whatever the server keeps sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingLimits {
    /// The most items held.
    pub max_items: usize,
    /// The most bytes read and held: each item counts the larger of its
    /// JSON text and what it takes in memory once read ([`Held`]).
    pub max_bytes: usize,
}

impl ListingLimits {
    /// 100,000 items: two of the largest conferences the sim can seed.
    pub const DEFAULT_MAX_ITEMS: usize = 100_000;
    /// 64 MiB: about 90,000 participants as the console holds them. What
    /// one listing can cost, whatever the server sends; the console holds at
    /// most two at a time (its rows and the next refresh).
    pub const DEFAULT_MAX_BYTES: usize = 64 << 20;
}

impl Default for ListingLimits {
    fn default() -> Self {
        ListingLimits {
            max_items: Self::DEFAULT_MAX_ITEMS,
            max_bytes: Self::DEFAULT_MAX_BYTES,
        }
    }
}

/// The bound that stopped a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingLimit {
    /// [`ListingLimits::max_items`] items were held and the server sent more.
    Items(usize),
    /// [`ListingLimits::max_bytes`] bytes were held and the server sent more.
    Bytes(usize),
    /// The client read its most pages (2,000) and the server had more.
    Pages(u64),
}

impl fmt::Display for ListingLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListingLimit::Items(n) => write!(f, "the limit of {n} items"),
            ListingLimit::Bytes(n) if n % (1 << 20) == 0 => {
                write!(f, "the limit of {} MiB", n >> 20)
            }
            ListingLimit::Bytes(n) => write!(f, "the limit of {n} bytes"),
            ListingLimit::Pages(n) => write!(f, "the limit of {n} pages"),
        }
    }
}

/// What a listing holds of one item, in bytes: the item and its heap, with
/// the allocator's overhead. The client counts it against
/// [`ListingLimits::max_bytes`].
pub trait Held {
    fn held(&self) -> usize;
}

/// A heap block of `len` bytes: rounded up, plus the allocator's header.
fn heap(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.next_multiple_of(16) + 16
    }
}

fn string(s: &str) -> usize {
    heap(s.len())
}

fn strings(list: &[String]) -> usize {
    heap(std::mem::size_of_val(list)) + list.iter().map(|s| string(s)).sum::<usize>()
}

/// An item as the API sent it: its JSON text.
impl Held for Box<RawValue> {
    fn held(&self) -> usize {
        std::mem::size_of::<Self>() + heap(self.get().len())
    }
}

impl Held for Participant {
    fn held(&self) -> usize {
        let p = self;
        std::mem::size_of::<Self>()
            + [
                &p.record_type,
                &p.id,
                &p.call_leg_id,
                &p.call_control_id,
                &p.conference.id,
                &p.conference.name,
                &p.created_at,
                &p.updated_at,
            ]
            .into_iter()
            .map(|s| string(s))
            .sum::<usize>()
            + strings(&p.whisper_call_control_ids)
            + string(p.status.as_str())
    }
}

/// A write's answer, as `update` keeps it for its report.
impl Held for ConferenceParticipant {
    fn held(&self) -> usize {
        let p = self;
        let optional = |s: &Option<String>| s.as_deref().map_or(0, string);
        std::mem::size_of::<Self>()
            + [
                &p.id,
                &p.call_control_id,
                &p.call_leg_id,
                &p.conference_id,
                &p.label,
                &p.created_at,
                &p.updated_at,
            ]
            .into_iter()
            .map(optional)
            .sum::<usize>()
            + p.whisper_call_control_ids.as_deref().map_or(0, strings)
    }
}

impl Held for LeanParticipant {
    fn held(&self) -> usize {
        self.0.held()
    }
}

impl Held for Conference {
    fn held(&self) -> usize {
        let c = self;
        let optional = |s: &Option<String>| s.as_deref().map_or(0, string);
        let ended_by = c.ended_by.as_ref().map_or(0, |e| {
            optional(&e.call_control_id) + optional(&e.call_session_id)
        });
        std::mem::size_of::<Self>()
            + [&c.id, &c.name, &c.record_type, &c.created_at, &c.expires_at]
                .into_iter()
                .map(|s| string(s))
                .sum::<usize>()
            + optional(&c.connection_id)
            + optional(&c.region)
            + optional(&c.updated_at)
            + ended_by
            + c.status.as_ref().map_or(0, |s| string(s.as_str()))
            + c.end_reason.as_ref().map_or(0, |s| string(s.as_str()))
    }
}

/// An item of a listing, as the client reads it: kept as it came, or
/// decoded into `T`.
pub(crate) fn read_item<T: DeserializeOwned>(i: usize, raw: &RawValue) -> Result<T, String> {
    serde_json::from_str::<T>(raw.get()).map_err(|e| sanitize_line(&format!("item {i}: {e}"), 160))
}

impl Listing<Box<RawValue>> {
    /// Decodes the items as the API sent them one by one, so that one bad
    /// item does not cost the whole page.
    pub fn decode<T: DeserializeOwned>(self) -> Listing<T> {
        self.decode_with(|i, item| read_item(i, &item))
    }
}

impl<R> Listing<R> {
    fn decode_with<T>(self, decode: impl Fn(usize, R) -> Result<T, String>) -> Listing<T> {
        let mut listing = Listing {
            items: Vec::with_capacity(self.items.len()),
            rejected: self.rejected,
            warnings: self.warnings,
            truncated: self.truncated,
        };
        for (i, item) in self.items.into_iter().enumerate() {
            match decode(i, item) {
                Ok(v) => listing.items.push(v),
                Err(why) => listing.rejected.push(why),
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
    fn a_decoded_participant_holds_its_strings() {
        let p: Participant = serde_json::from_value(serde_json::json!({
            "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "whisper_call_control_ids": ["v3:a".repeat(100), "v3:b".repeat(100)],
        }))
        .unwrap();
        assert!(p.held() > std::mem::size_of::<Participant>() + 36 + 800);
        let c: Conference =
            serde_json::from_value(serde_json::json!({"name": "x".repeat(1000)})).unwrap();
        assert!(c.held() > 1000);
    }

    #[test]
    fn one_bad_item_does_not_cost_the_page() {
        let raw = [
            r#"{"id": "a", "muted": true}"#,
            r#"{"id": "b", "muted": "loud"}"#,
            r#""not an object""#,
        ]
        .map(|t| RawValue::from_string(t.to_string()).unwrap())
        .to_vec();
        let listing: Listing<Participant> = Listing {
            items: raw,
            ..Listing::default()
        }
        .decode();
        assert_eq!(listing.items.len(), 1);
        assert_eq!(listing.rejected.len(), 2);
    }

    #[test]
    fn what_an_item_holds_is_never_below_its_compact_json() {
        for value in [
            serde_json::json!(null),
            serde_json::json!("a much longer string than a value node"),
            serde_json::json!([0, 0, 0, 0, 0, 0, 0, 0]),
            serde_json::json!({"a": 1, "b": [true, false], "c": {"d": "e"}}),
            serde_json::json!({"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "muted": false}),
        ] {
            let json = serde_json::to_string(&value).unwrap();
            let raw = RawValue::from_string(json.clone()).unwrap();
            assert!(raw.held() >= json.len(), "{value}");
        }
    }
}
