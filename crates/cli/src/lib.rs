//! sluice's command line: parses arguments, runs one command, maps the outcome to an exit code
//! (0 ok, 1 a data gate or verification failed, 2 error). Data goes to stdout; logs, progress
//! and diagnostics go to stderr.

mod args;
mod commands;
mod exit;
mod summary;

use clap::Parser;
pub use exit::Exit;

/// Entry point of the `sluice` binary.
pub fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    init_tracing(cli.verbose);
    let exit = match cli.command {
        args::Command::Run(a) => commands::run::execute(a),
        args::Command::Check(a) => commands::check::execute(a),
        args::Command::Inspect(a) => commands::inspect::execute(a),
        args::Command::Verify(a) => commands::verify::execute(a),
        args::Command::Report(a) => commands::report::execute(a),
        args::Command::Emit(a) => commands::emit::execute(a),
        args::Command::Scan(a) => commands::scan::execute(a),
        args::Command::Trace(a) => commands::trace::execute(a),
        args::Command::List(a) => commands::list::execute(a),
        args::Command::Explain(a) => commands::explain::execute(a),
    };
    exit.into()
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .try_init();
}
