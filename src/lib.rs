//! confmod: a keyboard-only terminal console for moderating live Telnyx conferences.
//!
//! Modules are private to the crate by default; each public module exports
//! a deliberate surface: what `main.rs` dispatches to, and what the tests and
//! benches drive (the `update` core, the view, the client, the sim).

#![warn(unreachable_pub)]

pub mod app;
pub mod audit;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
mod files;
pub mod runtime;
mod sanitize;
pub use sanitize::sanitize_line;
pub mod sim;
pub mod telnyx;
pub mod view;
