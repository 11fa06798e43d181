//! Configuration errors that point at the offending line of the pipeline file.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::ops::Range;
use thiserror::Error;

/// A problem in a pipeline file, reported with the file's text and the span at fault so the
/// terminal shows the exact TOML line, before any data is read.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(sluice::config))]
pub struct ConfigError {
    /// What is wrong, naming keys and fields but never data values.
    pub message: String,
    /// The pipeline file's text.
    #[source_code]
    pub source_code: NamedSource<String>,
    /// Where in the file.
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    /// Text shown under the span.
    pub label: String,
    /// An optional hint on how to fix it.
    #[help]
    pub help: Option<String>,
}

impl ConfigError {
    /// An error at `span` of the file `name` whose text is `source`.
    pub fn new(
        name: &str,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            message: message.into(),
            source_code: NamedSource::new(name, source.to_owned()),
            span: span.map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
            label: "here".to_owned(),
            help: None,
        }
    }

    /// Adds a fix-it hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The 1-based line of the span, if any (used by tests and plain-text output).
    pub fn line(&self) -> Option<usize> {
        let span = self.span?;
        let text = self.source_code.inner();
        let upto = text.get(..span.offset())?;
        Some(upto.matches('\n').count() + 1)
    }
}
