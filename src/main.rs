use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Reports panics readably; the console wraps this hook so that the
    // terminal is restored before anything is printed.
    let _ = color_eyre::install();
    let cli = confmod::cli::Cli::parse();
    confmod::commands::run(cli)
}
