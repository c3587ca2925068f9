//! Every way a command or the console can fail, and the exit code of each.
//!
//! Expected failures (bad input, an API error) are reported on one line.
//! Unexpected ones (the terminal, a port already taken, writing the output)
//! keep their causes, which `main` reports through color-eyre.

use std::io;

use thiserror::Error;

use crate::telnyx::ApiError;

/// Exit codes, as documented in the README.
pub const EXIT_OK: u8 = 0;
pub const EXIT_API: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// 128 + the signal's number: how a shell reports a process ended by it.
pub const EXIT_SIGINT: u8 = 130;
pub const EXIT_SIGTERM: u8 = 143;

/// A problem with the user's input: a bad flag, id or config file, a missing
/// key. Exits with code 2, before anything reaches the network.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

/// How a command or the console failed.
#[derive(Debug, Error)]
pub enum Error {
    /// Bad input: exit 2.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// The API or the network: exit 1.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// An API error about one item (e.g. "participant Ava").
    #[error("{what}: {source}")]
    About {
        what: String,
        #[source]
        source: ApiError,
    },
    /// Failures already reported in detail (a bulk update's summary): exit 1.
    #[error("some requests failed")]
    Reported,
    /// Interrupted by a signal after reporting what was done: exits
    /// [`EXIT_SIGINT`] or [`EXIT_SIGTERM`].
    #[error("interrupted")]
    Interrupted { exit_code: u8 },
    /// A listing stopped at one of the client's bounds, so the command
    /// did not act on it (the message says which bound, and what was not
    /// done): exit 1.
    #[error("{0}")]
    Incomplete(String),
    /// The audit journal could not be opened, written or read: exit 1.
    #[error("{0}")]
    Journal(String),
    /// Writing the output failed: exit 1, or quietly 0 when the reader went away.
    #[error("cannot write the output")]
    Output(#[source] io::Error),
    /// The terminal could not be set up or drawn on.
    #[error("the terminal failed")]
    Terminal(#[source] io::Error),
    /// The simulator (`confmod sim`, `confmod demo`) could not start.
    #[error("cannot start the simulator")]
    Sim(#[source] io::Error),
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] io::Error),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Interrupted { exit_code } => *exit_code,
            _ => EXIT_API,
        }
    }

    /// An error of the user's input or of the API, said in one line; the
    /// others are unexpected and reported with their causes.
    pub fn is_expected(&self) -> bool {
        matches!(
            self,
            Error::Usage(_)
                | Error::Api(_)
                | Error::About { .. }
                | Error::Reported
                | Error::Interrupted { .. }
                | Error::Incomplete(_)
                | Error::Journal(_)
        )
    }

    /// The reader of the output went away (`confmod participants ... | head`):
    /// it has what it wanted, which is not an error.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for Error {
    /// The one-shot commands' I/O is their output.
    fn from(e: io::Error) -> Self {
        Error::Output(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn unexpected_errors_keep_their_cause() {
        let e = Error::Sim(io::Error::new(io::ErrorKind::AddrInUse, "port 8765 taken"));
        assert!(!e.is_expected());
        assert_eq!(e.exit_code(), EXIT_API);
        assert_eq!(e.source().unwrap().to_string(), "port 8765 taken");
    }

    #[test]
    fn usage_errors_exit_2_and_api_errors_1() {
        assert_eq!(Error::from(usage("bad")).exit_code(), EXIT_USAGE);
        let api = ApiError::from_response(404, b"", None);
        assert_eq!(Error::from(api.clone()).exit_code(), EXIT_API);
        let about = Error::About {
            what: "participant Ava".into(),
            source: api,
        };
        assert!(about.is_expected());
        assert_eq!(about.to_string(), "participant Ava: 404 Not Found");
        assert!(Error::Output(io::ErrorKind::BrokenPipe.into()).is_closed_pipe());
    }
}
