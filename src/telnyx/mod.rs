//! The Telnyx Conferences API: typed models, errors, the client and its retries.

pub mod client;
pub mod error;
pub mod models;
pub mod retry;

pub use client::{
    ApiKey, CallControlIds, Client, ClientConfig, ConferenceFilter, ConfigError, DEFAULT_BASE_URL,
    Listing, ParticipantAction, ParticipantFilter, RetryHook, RetryNotice,
};
pub use error::{ApiError, ErrorKind};
pub use models::*;
pub use retry::RetryPolicy;
