//! Exit codes: the contract scripts and CI systems rely on.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything passed (0).
    Ok,
    /// The command worked but the data failed a gate or a check (1).
    DataFailed,
    /// The command could not do its work: bad config, unreadable file, internal error (2).
    Error,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(match exit {
            Exit::Ok => 0,
            Exit::DataFailed => 1,
            Exit::Error => 2,
        })
    }
}

/// Prints an error with its cause chain to stderr and returns [`Exit::Error`].
pub fn fail(context: &str, error: &dyn std::error::Error) -> Exit {
    let mut message = format!("error: {context}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    eprintln!("{message}");
    Exit::Error
}

/// Renders a spanned configuration error (with the TOML line) to stderr.
pub fn report_config_error(error: Box<sluice_pipeline::ConfigError>) -> Exit {
    let report = miette::Report::new_boxed(error);
    eprintln!("{report:?}");
    Exit::Error
}
