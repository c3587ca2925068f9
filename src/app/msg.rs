//! What the runtime tells the core (`Msg`) and what the core asks of the
//! runtime (`Effect`).

use std::collections::HashMap;

use crossterm::event::KeyEvent;

use super::model::Exchanged;
use crate::audit::Subject;
use time::OffsetDateTime;

use crate::telnyx::{
    ApiError, BeepEnabled, CallControlIds, CommandResult, Conference, ConferenceId,
    ConferenceParticipant, HoldMusic, Listing, Participant, ParticipantAction, RateLimit,
    UpdateParticipant,
};

/// Every input of `update`. Time enters only as data: `Tick(now)`.
#[derive(Debug, Clone)]
pub enum Msg {
    /// The current wall-clock time. The runtime sends one before every batch
    /// of other messages and whenever a deadline of the model is reached.
    Tick(OffsetDateTime),
    Key(KeyEvent),
    Resize(u16, u16),
    ConferencesLoaded {
        seq: u64,
        result: Result<Listing<Conference>, ApiError>,
    },
    ConferenceLoaded {
        seq: u64,
        conference_id: ConferenceId,
        result: Result<Conference, ApiError>,
    },
    /// A conference that left the picker's list, read again to say why.
    ConferenceChecked {
        conference_id: ConferenceId,
        result: Result<Conference, ApiError>,
    },
    ParticipantsLoaded {
        seq: u64,
        conference_id: ConferenceId,
        result: Result<Listing<Participant>, ApiError>,
    },
    LabelLoaded {
        conference_id: ConferenceId,
        participant_id: String,
        result: Result<Option<String>, ApiError>,
    },
    Patched {
        seq: u64,
        conference_id: ConferenceId,
        participant_id: String,
        result: Result<ConferenceParticipant, ApiError>,
    },
    ActionDone {
        seq: u64,
        conference_id: ConferenceId,
        /// The participants the action addressed, by id.
        participant_ids: Vec<String>,
        action: ParticipantAction,
        result: Result<CommandResult, ApiError>,
    },
    Ended {
        seq: u64,
        conference_id: ConferenceId,
        result: Result<CommandResult, ApiError>,
    },
    /// An answer's `x-ratelimit-*` headers (any request: the budget is the
    /// key's).
    RateLimit(RateLimit),
    /// One attempt of a request, for the activity log.
    Exchanged(Box<Exchanged>),
    /// The client is retrying a request (already sanitized, one line).
    Retrying(String),
    /// The audit journal could not be opened or could not record a write
    /// (sanitized, one line).
    JournalFailed(String),
    /// The `beep_enabled` last set for each participant, read from the
    /// audit journal at start; or why it could not be read.
    JournalRead(Result<HashMap<String, BeepEnabled>, String>),
}

/// Work the core asks for. The runtime runs each as a background task that
/// answers with a `Msg` carrying the same `seq`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadConferences {
        seq: u64,
    },
    LoadConference {
        seq: u64,
        conference_id: ConferenceId,
    },
    /// Read a conference that left the picker's list (for the picker).
    CheckConference {
        conference_id: ConferenceId,
    },
    LoadParticipants {
        seq: u64,
        conference_id: ConferenceId,
    },
    LoadLabel {
        conference_id: ConferenceId,
        participant_id: String,
    },
    Patch {
        seq: u64,
        conference_id: ConferenceId,
        participant_id: String,
        update: UpdateParticipant,
        /// Who it is about, for the audit journal.
        subject: Subject,
    },
    Action {
        seq: u64,
        conference_id: ConferenceId,
        /// The participants addressed, by id (the answer names them).
        participant_ids: Vec<String>,
        action: ParticipantAction,
        call_control_ids: CallControlIds,
        /// What a hold plays, when configured.
        music: Option<HoldMusic>,
        subject: Subject,
    },
    End {
        seq: u64,
        conference_id: ConferenceId,
        subject: Subject,
    },
    /// Put text on the clipboard of the operator's terminal (OSC 52).
    Copy(String),
    /// End the console (the runtime restores the terminal and exits).
    Quit,
}
