//! The one-shot, scriptable subcommands, and the dispatch of every command.

pub mod actions;
pub mod list;
pub mod output;
pub mod sim_args;
pub mod update;

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Command, Format};
use crate::config::{self, ProcessEnv, Settings, UsageError};
use crate::telnyx::{ApiError, Client, ParticipantAction, RetryNotice};

/// Exit codes, as documented in the README.
pub const EXIT_OK: u8 = 0;
pub const EXIT_API: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// How a command failed.
#[derive(Debug)]
pub enum CmdError {
    /// Bad input: exit 2.
    Usage(UsageError),
    /// The API or the network: exit 1.
    Api(ApiError),
    /// An API error about one item (e.g. "participant X").
    Context(String, ApiError),
    /// Failures already reported in detail (a bulk update's summary): exit 1.
    Reported,
    /// Writing the output failed: exit 1, or quietly 0 when the reader went away.
    Io(io::Error),
    /// Anything else (starting a server): exit 1.
    Other(String),
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Usage(e) => write!(f, "{e}"),
            CmdError::Api(e) => write!(f, "{e}"),
            CmdError::Context(what, e) => write!(f, "{what}: {e}"),
            CmdError::Reported => f.write_str("some requests failed"),
            CmdError::Io(e) => write!(f, "cannot write output: {e}"),
            CmdError::Other(e) => f.write_str(e),
        }
    }
}

impl CmdError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CmdError::Usage(_) => EXIT_USAGE,
            _ => EXIT_API,
        }
    }
}

impl From<UsageError> for CmdError {
    fn from(e: UsageError) -> Self {
        CmdError::Usage(e)
    }
}

impl From<ApiError> for CmdError {
    fn from(e: ApiError) -> Self {
        CmdError::Api(e)
    }
}

impl From<io::Error> for CmdError {
    fn from(e: io::Error) -> Self {
        CmdError::Io(e)
    }
}

/// What a one-shot command needs: resolved settings and the output format.
pub struct Ctx {
    pub settings: Settings,
    pub format: Format,
    pub verbose: bool,
}

impl Ctx {
    /// The client, with the key from the environment or the key file.
    pub fn client(&self) -> Result<Client, CmdError> {
        let key = config::api_key(&self.settings, &ProcessEnv)?;
        let client = Client::new(&self.settings.client_config(key))
            .map_err(|e| CmdError::Usage(config::usage(e.to_string())))?;
        Ok(if self.verbose {
            client.with_retry_hook(Arc::new(|n: &RetryNotice| eprintln!("confmod: {n}")))
        } else {
            client
        })
    }

    pub fn stdout(&self) -> io::StdoutLock<'static> {
        io::stdout().lock()
    }

    /// Says on stderr that some items of a listing could not be read.
    pub fn report_rejected(&self, rejected: &[String]) {
        if rejected.is_empty() {
            return;
        }
        eprintln!(
            "confmod: {} item(s) of the listing could not be read and are not shown",
            rejected.len()
        );
        for r in rejected.iter().take(5) {
            eprintln!("  {r}");
        }
    }
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let code = match dispatch(cli) {
        Ok(()) => EXIT_OK,
        Err(CmdError::Reported) => EXIT_API,
        // `confmod participants ... | head`: the reader has what it wanted
        Err(CmdError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e}");
            e.exit_code()
        }
    };
    ExitCode::from(code)
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CmdError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CmdError::Other(format!("cannot start the async runtime: {e}")))
}

fn dispatch(cli: Cli) -> Result<(), CmdError> {
    let settings = config::resolve(&cli.global, &cli.console, &ProcessEnv)?;
    let format = cli.global.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let ctx = Ctx {
        settings,
        format,
        verbose: cli.global.verbose,
    };
    let Some(command) = cli.command else {
        return crate::runtime::run_console(&ctx.settings, cli.console.conference.as_deref());
    };
    match command {
        Command::Demo(args) => crate::runtime::run_demo(&ctx.settings, &args),
        Command::Sim(args) => {
            let config = sim_args::config_from_args(&args)?;
            runtime()?
                .block_on(crate::sim::serve_forever(config, args.port))
                .map_err(|e| CmdError::Other(format!("simulator: {e}")))
        }
        other => runtime()?.block_on(one_shot(&ctx, other)),
    }
}

async fn one_shot(ctx: &Ctx, command: Command) -> Result<(), CmdError> {
    let writes = matches!(
        command,
        Command::Update(_)
            | Command::Mute(_)
            | Command::Unmute(_)
            | Command::Hold(_)
            | Command::Unhold(_)
            | Command::End(_)
    );
    if writes && ctx.settings.read_only {
        return Err(config::usage(
            "read-only (--read-only or read_only in the config file): this command would change the conference",
        )
        .into());
    }
    match command {
        Command::Conferences(a) => list::conferences(ctx, &a).await,
        Command::Participants(a) => list::participants(ctx, &a).await,
        Command::Update(a) => update::update(ctx, &a).await,
        Command::Mute(a) => actions::action(ctx, ParticipantAction::Mute, &a).await,
        Command::Unmute(a) => actions::action(ctx, ParticipantAction::Unmute, &a).await,
        Command::Hold(a) => actions::action(ctx, ParticipantAction::Hold, &a).await,
        Command::Unhold(a) => actions::action(ctx, ParticipantAction::Unhold, &a).await,
        Command::End(a) => actions::end(ctx, &a).await,
        Command::Demo(_) | Command::Sim(_) => Err(CmdError::Other(
            "internal: the console commands are not one-shot commands".into(),
        )),
    }
}
