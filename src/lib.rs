//! confmod: a keyboard-only terminal console for moderating live Telnyx conferences.

pub mod sanitize;
pub mod telnyx;
