//! The Telnyx Conferences API: typed models, errors, the client and its retries.

pub(crate) mod client;
pub(crate) mod error;
pub(crate) mod ids;
pub(crate) mod models;
pub(crate) mod pacing;
pub(crate) mod pages;
pub(crate) mod retry;
pub(crate) mod settings;
pub(crate) mod types;

pub use client::{Client, Exchange, MAX_BODY, MAX_ITEM, MAX_PAGE_BODY, Observer, Written};
pub use error::{ApiError, ErrorKind};
pub use ids::{ConferenceId, InvalidId, ParticipantRef};
pub use models::*;
pub use pacing::{Pacer, RateLimit};
pub use pages::{ListItem, ListingEnd, Page, Pages};
pub use retry::{RetryHook, RetryNotice, RetryPolicy};
pub use settings::{
    ApiKey, ClientConfig, ConfigError, DEFAULT_BASE_URL, DEFAULT_PAGE_CONCURRENCY, MAX_KEY_LEN,
};
pub use types::{
    CallControlIds, ConferenceFilter, Held, HoldMusic, Listing, ListingLimit, ListingLimits,
    ParticipantAction, ParticipantFilter,
};
