//! The console's pure core (The Elm Architecture): a `Model`, the `Msg`s that
//! change it, and `update`, which returns the `Effect`s the runtime should run.
//! Nothing here does I/O, reads a clock or touches the terminal.

pub(crate) mod answers;
pub(crate) mod conference;
pub(crate) mod find;
pub(crate) mod form;
pub(crate) mod help;
pub(crate) mod keymap;
pub mod layout;
pub(crate) mod loading;
pub(crate) mod log;
pub(crate) mod marks;
pub(crate) mod model;
pub(crate) mod msg;
pub(crate) mod picker;
pub(crate) mod run;
pub(crate) mod send;
pub(crate) mod update;
pub(crate) mod writes;

pub use form::{Field, Form};
pub use log::curl;
pub use model::{
    Confirm, Context, ENDED_KEPT, Exchanged, Find, Inspect, Job, LOG_ENTRIES, Label, Level,
    LogEntry, LogView, Logged, Model, Outcome, Overlay, Plan, Quick, Row, Run, Screen, Sort,
    TOAST_TTL, TypeToConfirm, Undo, short_call_control_id,
};
pub use msg::{Effect, Msg};
pub use send::ACTION_CHUNK;
pub use update::{init, update};
pub use writes::{CONFIRM_OVER, end_word};
