//! confmod: a keyboard-only terminal console for moderating live Telnyx conferences.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod runtime;
pub mod sanitize;
pub mod sim;
pub mod telnyx;
pub mod view;
