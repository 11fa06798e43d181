//! The three sample datasets, one module each, and the plumbing they share.

pub mod claims;
pub mod logs;
pub mod tickets;

use crate::error::GenError;
use crate::rng::Rng;
use crate::sink::{Compression, RecordWriter, TextEncoding};
use crate::summary::FileSummary;
use crate::text::Variant;
use crate::truth::{Negative, Plant, RowKind, RowRef, TruthWriter};
use std::path::Path;

/// A file being generated: its writer and its running tally.
pub(crate) struct Output {
    writer: RecordWriter,
    summary: FileSummary,
}

/// Bytes of one record, either text (encoded with the file's encoding) or raw bytes.
pub(crate) enum Record<'a> {
    /// Text, terminator included.
    Text(&'a str),
    /// Raw bytes written as they are, terminator included.
    Bytes(&'a [u8]),
}

impl Output {
    /// Creates `dir/file`; `format` describes it for the README (e.g. `CSV, GBK`).
    pub fn create(
        dir: &Path,
        file: &str,
        format: &str,
        compression: Compression,
        encoding: TextEncoding,
    ) -> Result<Self, GenError> {
        Ok(Output {
            writer: RecordWriter::create(dir, file, compression, encoding)?,
            summary: FileSummary::new(file, format),
        })
    }

    /// Writes header lines (not records).
    pub fn header(&mut self, text: &str) -> Result<(), GenError> {
        self.writer.header(text)
    }

    /// Writes one record and its ground truth; returns where it landed.
    pub fn write(
        &mut self,
        truth: &mut TruthWriter,
        record: Record<'_>,
        kind: &RowKind,
        plants: &[Plant],
        negatives: &[Negative],
    ) -> Result<RowRef, GenError> {
        let at = match record {
            Record::Text(text) => self.writer.record(text)?,
            Record::Bytes(bytes) => self.writer.raw_record(bytes)?,
        };
        truth.row(&at, kind, plants, negatives)?;
        self.summary.count(kind, plants, negatives);
        Ok(at)
    }

    /// Writes a blank line and lists it in the ground truth.
    pub fn blank_line(&mut self, truth: &mut TruthWriter) -> Result<(), GenError> {
        let line = self.writer.blank_line()?;
        truth.blank_line(self.writer.file(), line)?;
        self.summary.blank_lines += 1;
        Ok(())
    }

    /// Closes the file and returns its tally.
    pub fn finish(self) -> Result<FileSummary, GenError> {
        let mut summary = self.summary;
        summary.bytes = self.writer.finish()?;
        Ok(summary)
    }
}

/// The planted values of a duplicate: values in key fields changed like the key text.
pub(crate) fn vary_plants(
    plants: &[Plant],
    variant: Variant,
    in_key: impl Fn(&str) -> bool,
) -> Vec<Plant> {
    plants
        .iter()
        .map(|p| Plant {
            value: if in_key(&p.field) {
                variant.apply(&p.value)
            } else {
                p.value.clone()
            },
            ..p.clone()
        })
        .collect()
}

/// The hard negatives of a duplicate, changed like [`vary_plants`].
pub(crate) fn vary_negatives(
    negatives: &[Negative],
    variant: Variant,
    in_key: impl Fn(&str) -> bool,
) -> Vec<Negative> {
    negatives
        .iter()
        .map(|n| Negative {
            value: if in_key(&n.field) {
                variant.apply(&n.value)
            } else {
                n.value.clone()
            },
            ..n.clone()
        })
        .collect()
}

/// Seconds for record `i` of `n`, spread evenly over `span` seconds from `start` with jitter,
/// so times increase through the file at any scale.
pub(crate) fn spread_time(rng: &mut Rng, start: i64, span: i64, i: u64, n: u64) -> i64 {
    let step = (span / n.max(1) as i64).max(1);
    start + (i as i64) * step + rng.below(step as u64) as i64
}
