//! The Telnyx Conferences API: typed models, errors, the client and its retries.

pub mod client;
pub mod error;
pub mod ids;
pub mod models;
pub mod retry;
pub mod settings;
pub mod types;

pub use client::Client;
pub use error::{ApiError, ErrorKind};
pub use ids::{ConferenceId, InvalidId, ParticipantRef};
pub use models::*;
pub use retry::{RetryHook, RetryNotice, RetryPolicy};
pub use settings::{ApiKey, ClientConfig, ConfigError, DEFAULT_BASE_URL};
pub use types::{CallControlIds, ConferenceFilter, Listing, ParticipantAction, ParticipantFilter};
