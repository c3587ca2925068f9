//! The console's pure core (The Elm Architecture): a `Model`, the `Msg`s that
//! change it, and `update`, which returns the `Effect`s the runtime should run.
//! Nothing here does I/O, reads a clock or touches the terminal.

pub(crate) mod conference;
pub(crate) mod form;
pub(crate) mod keymap;
pub mod layout;
pub(crate) mod loading;
pub(crate) mod model;
pub(crate) mod msg;
pub(crate) mod picker;
pub(crate) mod update;
pub(crate) mod writes;

pub use form::{Field, Form};
pub use model::{Context, Label, Level, Model, Overlay, Screen, TOAST_TTL, short_call_control_id};
pub use msg::{Effect, Msg};
pub use update::{init, update};
