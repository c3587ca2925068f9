//! Appending to the journal: one JSON line per write, in one `write` call on
//! a file opened for appending only (created 0600 in a 0700 directory, never
//! through a symbolic link). Nothing is buffered, nothing is ever rewritten.

use std::fmt;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use time::OffsetDateTime;

use super::{Entry, Origin, Outcome, Subject, Write};
use crate::config::Env;
use crate::files::{OpenError, Place, open_private};
use crate::sanitize::{sanitize_line, terminal_safe_json};
use crate::telnyx::ConferenceId;

/// `$XDG_STATE_HOME/confmod/audit.jsonl` (or `~/.local/state/...`).
pub(crate) fn default_path(env: &dyn Env) -> PathBuf {
    crate::config::state_dir(env).join("audit.jsonl")
}

/// The journal this run of confmod appends to.
pub(crate) struct Journal {
    path: PathBuf,
    origin: Origin,
    sink: Mutex<Box<dyn io::Write + Send>>,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// The journal could not be opened, written or read: said with its path
/// and the system's reason.
#[derive(Debug)]
pub(crate) struct JournalError {
    pub path: PathBuf,
    /// `opened`, `written`, `read`.
    pub doing: &'static str,
    pub source: io::Error,
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the audit journal {} cannot be {}: {}",
            sanitize_line(&self.path.display().to_string(), 200),
            self.doing,
            sanitize_line(&self.source.to_string(), 200)
        )
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl Journal {
    /// Opens (creating when missing) the journal at `path`: confmod's own
    /// default place, or one named for a team to share (its owner and mode
    /// are then left as they are).
    pub(crate) fn open(path: &Path, default: bool, origin: Origin) -> Result<Self, JournalError> {
        let place = if default {
            Place::Default
        } else {
            Place::Shared
        };
        let file = open_private(path, place).map_err(|e| JournalError {
            path: path.to_path_buf(),
            doing: "opened",
            source: match e {
                OpenError::Io(_, source) => source,
                other => io::Error::other(other.to_string()),
            },
        })?;
        Ok(Self::with_sink(path, origin, Box::new(file)))
    }

    /// A journal writing to `sink` (tests give one that fails).
    pub(crate) fn with_sink(path: &Path, origin: Origin, sink: Box<dyn io::Write + Send>) -> Self {
        Journal {
            path: path.to_path_buf(),
            origin,
            sink: Mutex::new(sink),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the entry of one write whose answer just arrived.
    pub(crate) fn record(
        &self,
        conference: &ConferenceId,
        subject: &Subject,
        write: &Write<'_>,
        outcome: Outcome,
    ) -> Result<(), JournalError> {
        let entry = Entry::new(
            &self.origin,
            OffsetDateTime::now_utc(),
            conference,
            subject,
            write,
            outcome,
        );
        self.append(&entry)
    }

    /// Appends one entry as one line, in one write.
    pub(crate) fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let failed = |source| JournalError {
            path: self.path.clone(),
            doing: "written",
            source,
        };
        let json = serde_json::to_string(entry).map_err(|e| failed(io::Error::other(e)))?;
        // escaped like every JSON confmod prints: `cat` of the journal
        // cannot steer a terminal whatever the labels hold
        let mut line = terminal_safe_json(json);
        line.push('\n');
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        sink.write_all(line.as_bytes())
            .and_then(|()| sink.flush())
            .map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Reader, Write};

    fn conf() -> ConferenceId {
        ConferenceId::from_api("3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap()
    }

    fn origin() -> Origin {
        Origin {
            operator: Some("ana".into()),
            via: "update",
            api_host: "127.0.0.1:1".into(),
        }
    }

    fn ok() -> Outcome {
        Outcome {
            status: Some(200),
            code: None,
            error: None,
        }
    }

    #[test]
    fn entries_are_appended_one_line_each_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confmod").join("audit.jsonl");
        let journal = Journal::open(&path, false, origin()).unwrap();
        let subject = Subject {
            conference_name: Some("evil \u{1b}]52;c;x\u{7} \u{9b}31m".into()),
            participants: Vec::new(),
        };
        journal
            .record(&conf(), &subject, &Write::End, ok())
            .unwrap();
        journal
            .record(&conf(), &Subject::default(), &Write::End, ok())
            .unwrap();
        // another run appends, never rewrites
        let again = Journal::open(&path, false, origin()).unwrap();
        again
            .record(&conf(), &Subject::default(), &Write::End, ok())
            .unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.ends_with('\n'));
        // nothing in the file a terminal would obey
        assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{7}'));
        let mut reader = Reader::open(&path).unwrap().unwrap();
        let entries: Vec<Entry> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].conference_name.as_deref(),
            Some("evil \u{1b}]52;c;x\u{7} \u{9b}31m")
        );
        assert!(entries.iter().all(|e| e.action == "end" && e.ok));
        assert_eq!(reader.unreadable(), 0);
    }

    /// A sink like a full disk.
    struct Full;
    impl io::Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(28))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_is_an_error_naming_the_journal() {
        let journal = Journal::with_sink(Path::new("/state/audit.jsonl"), origin(), Box::new(Full));
        let err = journal
            .record(&conf(), &Subject::default(), &Write::End, ok())
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "the audit journal /state/audit.jsonl cannot be written: No space left on device"
            ),
            "{text}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_journal_behind_a_symbolic_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "").unwrap();
        let link = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = Journal::open(&link, false, origin()).unwrap_err();
        assert!(
            err.to_string().contains("cannot be opened:")
                && err.to_string().ends_with("audit.jsonl is a symbolic link"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    }
}
