//! `confmod`: parses the command line, runs the console, the demo, the sim or
//! a one-shot command, and turns the outcome into an exit code.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use confmod::cli::{Cli, Command};
use confmod::commands::{self, Ctx};
use confmod::config::{self, ProcessEnv};
use confmod::error::{EXIT_OK, Error};
use confmod::{runtime, sim};

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
    let cli = Cli::parse();
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
        return tokio()?.block_on(runtime::run_console(&settings, cli.console.conference));
    };
    match command {
        Command::Sim(args) => {
            let config = config::sim_config(&args)?;
            tokio()?
                .block_on(sim::serve_forever(config, args.port))
                .map_err(Error::Sim)
        }
        Command::Demo(args) => {
            let settings = config::resolve(&cli.global, &cli.console, &ProcessEnv)?;
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
    }
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
