//! `confmod`: parses the command line, runs the console, the demo, the sim or
//! a one-shot command, and turns the outcome into an exit code.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use confmod::cli::{Cli, Command};
use confmod::commands::{self, Ctx};
use confmod::config::{self, ProcessEnv};
use confmod::error::{EXIT_OK, Error, usage};
use confmod::{runtime, sanitize_line, sim};

fn main() -> ExitCode {
    // Panics and unexpected errors are reported with their causes; the
    // console wraps the panic hook so that the terminal is restored first.
    let colour =
        io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let _ = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(report_usage(e)),
    };
    ExitCode::from(match run(cli) {
        Ok(()) => EXIT_OK,
        Err(e) => report(e),
    })
}

fn run(cli: Cli) -> Result<(), Error> {
    let tokio = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)
    };
    let Some(command) = cli.command else {
        let settings = config::resolve(&cli.global, &cli.console, &ProcessEnv)?;
        return tokio()?.block_on(runtime::run_console(&settings, cli.conference));
    };
    // the console's own flags mean nothing to another command
    let console_only = match &command {
        Command::Demo(_) => None,
        _ => cli
            .console
            .given()
            .or(cli.conference.map(|_| "--conference")),
    };
    if let Some(flag) = console_only {
        return Err(usage(format!(
            "{flag} is a flag of the console (confmod, confmod demo)"
        ))
        .into());
    }
    match command {
        Command::Sim(args) => {
            let config = config::sim_config(&args)?;
            tokio()?
                .block_on(sim::serve_forever(config, args.port))
                .map_err(Error::Sim)
        }
        Command::Demo(args) => {
            let console = args.console.or(&cli.console);
            let settings = config::resolve(&cli.global, &console, &ProcessEnv)?;
            tokio()?.block_on(runtime::run_demo(&settings, &args))
        }
        Command::Read(command) => {
            let ctx = Ctx::new(&cli.global, &cli.console)?;
            tokio()?.block_on(commands::read(&ctx, command))
        }
        Command::Write(command) => {
            let ctx = Ctx::new(&cli.global, &cli.console)?;
            tokio()?.block_on(commands::write(&ctx, command))
        }
        Command::Audit(args) => {
            let ctx = Ctx::new(&cli.global, &cli.console)?;
            commands::audit(&ctx, &args)
        }
    }
}

/// A command line clap refused, said in at most two short lines: what is
/// wrong (with the values it allows; a value it quotes is cut short and made
/// safe to print), and one hint (a similar flag, the usage or `--help`).
/// Help and version are printed as they are.
fn report_usage(e: clap::Error) -> u8 {
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return code;
    }
    // clap's paragraphs: the error (with the arguments or values it lists
    // below it), then tips, the usage and where to read more
    let text = e.render().to_string();
    let mut paragraphs = text.split("\n\n").filter(|p| !p.trim().is_empty());
    let join = |p: &str| p.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let mut what = paragraphs.next().map(join).unwrap_or_default();
    let rest: Vec<String> = paragraphs.map(join).collect();
    if e.kind() == ErrorKind::ValueValidation
        && let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
            e.get(ContextKind::InvalidArg),
            e.get(ContextKind::InvalidValue),
        )
    {
        let why = std::error::Error::source(&e)
            .map(|s| s.to_string())
            .unwrap_or_default();
        what = format!(
            "error: invalid value '{}' for '{arg}': {why}",
            sanitize_line(value, 40)
        );
    }
    let hint = ["tip:", "Usage:", "For more information"]
        .iter()
        .find_map(|start| rest.iter().find(|l| l.starts_with(start)));
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", sanitize_line(&what, 300));
    if let Some(hint) = hint {
        let _ = writeln!(err, "{}", sanitize_line(hint, 200));
    }
    code
}

/// Says what went wrong on stderr and gives the exit code: one line for an
/// error of the input or of the API, the whole chain of causes otherwise.
fn report(e: Error) -> u8 {
    if e.is_closed_pipe() {
        return EXIT_OK;
    }
    let code = e.exit_code();
    let mut err = io::stderr().lock();
    let _ = match e {
        Error::Reported | Error::Interrupted { .. } => Ok(()),
        e if e.is_expected() => writeln!(err, "error: {e}"),
        e => writeln!(err, "error: {:?}", color_eyre::Report::new(e)),
    };
    code
}
