//! The one-shot, scriptable subcommands.

mod actions;
mod audit;
mod bulk;
mod list;
mod output;
mod pace;
mod update;

/// The most rows `confmod audit --format table` shows (the newest).
pub use audit::TABLE_ROWS as AUDIT_TABLE_ROWS;

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::audit::{Journal, JournalError, Origin};
use crate::cli::{ConsoleArgs, Format, GlobalArgs, ReadCommand, WriteCommand};
use crate::config::{self, ProcessEnv, Settings};
use crate::error::{Error, usage};
use crate::telnyx::{Client, ErrorKind, Listing, ListingLimit, ParticipantAction, RetryNotice};

/// What a one-shot command needs: resolved settings and the output format.
pub struct Ctx {
    pub settings: Settings,
    pub format: Format,
    pub verbose: bool,
}

impl Ctx {
    pub fn new(global: &GlobalArgs, console: &ConsoleArgs) -> Result<Self, Error> {
        let settings = config::resolve(global, console, &ProcessEnv)?;
        let format = global.format.unwrap_or(if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        });
        Ok(Ctx {
            settings,
            format,
            verbose: global.verbose,
        })
    }

    /// The client, with the key from the environment or the key file. Its
    /// retries are said on stderr: every one with `-v`, else the waits a
    /// rate limit imposes.
    pub fn client(&self) -> Result<Client, Error> {
        self.client_saying(Arc::new(|line: &str| say(line)))
    }

    /// [`Ctx::client`], saying its retries through `say` (a progress bar
    /// draws them above itself).
    pub(crate) fn client_saying(
        &self,
        say: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Result<Client, Error> {
        let key = config::api_key(&self.settings, &ProcessEnv)?;
        let client =
            Client::new(&self.settings.client_config(key)).map_err(|e| usage(e.to_string()))?;
        let verbose = self.verbose;
        Ok(client.with_retry_hook(Arc::new(move |n: &RetryNotice| {
            if verbose {
                say(&format!("confmod: {n}"));
            } else if n.error.kind == ErrorKind::RateLimited {
                say(&rate_limited(n.delay, n.error.retry_after == Some(n.delay)));
            }
        })))
    }

    /// The audit journal, opened before anything is sent: a write that
    /// could not be recorded is never made.
    pub(crate) fn journal(&self, client: &Client, via: &'static str) -> Result<Journal, Error> {
        let origin = Origin::new(via, &client.host());
        Journal::open(
            &self.settings.audit_file,
            self.settings.audit_file_default,
            origin,
        )
        .map_err(|e| journal_error(&e, "nothing was sent"))
    }

    pub fn stdout(&self) -> io::StdoutLock<'static> {
        io::stdout().lock()
    }

    /// Says on stderr what a listing could not read or trust: items that
    /// did not decode (`rejected`), and why paging stopped early.
    pub(crate) fn report(&self, warnings: &[String], rejected: &[String]) {
        for w in warnings {
            say(&format!("confmod: warning: {w}"));
        }
        if rejected.is_empty() {
            return;
        }
        say(&format!(
            "confmod: {} item(s) of the listing could not be read and are not shown",
            rejected.len()
        ));
        for r in rejected.iter().take(5) {
            say(&format!("  {r}"));
        }
    }
}

/// Says `line` on stderr. Progress and notes are not the result: when
/// stderr cannot be written (`2>/dev/full`, a closed pipe), the line is lost
/// and the command goes on.
pub(crate) fn say(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// `confmod: rate limited: waiting 12s (Retry-After)`.
pub(crate) fn rate_limited(wait: Duration, asked: bool) -> String {
    let why = if asked { " (Retry-After)" } else { "" };
    format!("confmod: rate limited: waiting {}{why}", seconds(wait))
}

/// `12s`, `1.5s`, `250ms`.
pub(crate) fn seconds(d: Duration) -> String {
    if !d.is_zero() && d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis().max(1))
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Refuses a listing that stopped at one of the client's bounds: the
/// command would act on a part of the list as if it were all of it.
/// `not_done` says what the command did not do (`nothing was written`).
pub(crate) fn require_complete<T>(listing: &Listing<T>, not_done: &str) -> Result<(), Error> {
    match listing.truncated {
        Some(limit) => Err(incomplete(
            limit,
            listing.items.len() + listing.rejected.len(),
            not_done,
        )),
        None => Ok(()),
    }
}

/// A listing stopped at `limit` after `taken` items; `not_done` says what
/// it means for the command (`nothing was written`).
pub(crate) fn incomplete(limit: ListingLimit, taken: usize, not_done: &str) -> Error {
    let (setting, remedy) = match limit {
        ListingLimit::Items(_) => (
            " (max_listing_items in the config file)",
            "raise it or narrow the listing",
        ),
        ListingLimit::Bytes(_) => (
            " (max_listing_mib in the config file)",
            "raise it or narrow the listing",
        ),
        ListingLimit::Pages(_) => ("", "narrow the listing"),
    };
    Error::Incomplete(format!(
        "the listing stopped at {limit}{setting} after {taken} items: {not_done}; {remedy}"
    ))
}

/// A journal failure, and what it means for the command.
fn journal_error(e: &JournalError, consequence: &str) -> Error {
    Error::Journal(format!(
        "{e} ({consequence}; --audit-file or audit_file in the config file name another)"
    ))
}

/// Says on stderr that a write was made but not recorded; `false` then.
pub(crate) fn recorded(result: Result<(), JournalError>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => {
            say(&format!(
                "confmod: {e}: a write was made but is not in the journal"
            ));
            false
        }
    }
}

/// `confmod audit`: prints the journal.
pub fn audit(ctx: &Ctx, args: &crate::cli::AuditArgs) -> Result<(), Error> {
    audit::audit(ctx, args)
}

/// Runs a command that only reads.
pub async fn read(ctx: &Ctx, command: ReadCommand) -> Result<(), Error> {
    match command {
        ReadCommand::Conferences(a) => list::conferences(ctx, &a).await,
        ReadCommand::Participants(a) => list::participants(ctx, &a).await,
    }
}

/// Runs a command that changes a conference, unless the settings are read-only.
pub async fn write(ctx: &Ctx, command: WriteCommand) -> Result<(), Error> {
    if ctx.settings.read_only {
        return Err(usage(
            "read-only (--read-only or read_only in the config file): this command would change the conference",
        )
        .into());
    }
    match command {
        WriteCommand::Update(a) => update::update(ctx, &a).await,
        WriteCommand::Mute(a) => actions::action(ctx, ParticipantAction::Mute, &a).await,
        WriteCommand::Unmute(a) => actions::action(ctx, ParticipantAction::Unmute, &a).await,
        WriteCommand::Hold(a) => {
            let music = match (a.audio_url, a.media_name) {
                (None, None) => ctx.settings.hold_music.clone(),
                (url, name) => crate::config::hold_music(url, name)?,
            };
            actions::hold(ctx, &a.who, music.as_ref()).await
        }
        WriteCommand::Unhold(a) => actions::action(ctx, ParticipantAction::Unhold, &a).await,
        WriteCommand::End(a) => actions::end(ctx, &a).await,
    }
}
