//! The console's pure core (The Elm Architecture): a `Model`, the `Msg`s that
//! change it, and `update`, which returns the `Effect`s the runtime should run.
//! Nothing here does I/O, reads a clock or touches the terminal.

pub mod conference;
pub mod form;
pub mod keymap;
pub mod layout;
pub mod loading;
pub mod model;
pub mod msg;
pub mod picker;
pub mod update;
pub mod writes;

pub use form::{Field, Form};
pub use model::{Context, Model, Overlay, Screen};
pub use msg::{Effect, Msg};
pub use update::{init, update};
