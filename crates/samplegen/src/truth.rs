//! Ground truth written next to each dataset: `planted.jsonl` (every sensitive value and where
//! it is), `hard-negatives.jsonl` (look-alikes that must survive redaction) and
//! `expected.jsonl` (every planted duplicate, defective row and blank line, with the outcome a
//! correct pipeline produces).

use crate::error::GenError;
use crate::negatives::NegativeKind;
use crate::pii::Entity;
use crate::text::Variant;
use fs_err::File;
use serde_json::{Value, json};
use std::io::{BufWriter, Write};
use std::path::Path;

/// A sensitive value planted in a field of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plant {
    /// Field path in the raw record, e.g. `customer.email` or `messages[2].content`.
    pub field: String,
    /// Entity type.
    pub entity: Entity,
    /// The value exactly as it appears in the field.
    pub value: String,
}

/// A hard negative placed in a field of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negative {
    /// Field path in the raw record.
    pub field: String,
    /// What the look-alike is.
    pub kind: NegativeKind,
    /// The value exactly as it appears in the field.
    pub value: String,
}

/// Where a record was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    /// File name inside the dataset directory.
    pub file: String,
    /// 0-based record index in the file (blank lines are not records, malformed lines are).
    pub row: u64,
    /// 1-based physical line where the record starts (after decompression and decoding).
    pub line: u64,
}

/// What a correct pipeline does with a defective row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// Quarantined with a reason code (at ingest or by a validation rule).
    Quarantine,
    /// Depends on the parser's leniency (e.g. an unterminated quote at end of file); either
    /// quarantined or kept, but never dropped silently.
    QuarantineOrKeep,
}

impl Expectation {
    fn code(self) -> &'static str {
        match self {
            Expectation::Quarantine => "quarantine",
            Expectation::QuarantineOrKeep => "quarantine_or_keep",
        }
    }
}

/// A kind of defect a dataset plants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defect {
    /// Stable name, e.g. `malformed_json`.
    pub code: &'static str,
    /// What should happen to the row.
    pub expect: Expectation,
}

impl Defect {
    /// A defect a correct pipeline quarantines.
    pub const fn quarantined(code: &'static str) -> Self {
        Defect {
            code,
            expect: Expectation::Quarantine,
        }
    }
}

/// How a written record relates to the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// An ordinary, valid, unique row.
    Clean,
    /// A copy of an earlier clean row.
    Duplicate {
        /// The row it copies (the survivor under `survivor = "first"`).
        of: RowRef,
        /// How the copy differs.
        variant: Variant,
    },
    /// A deliberately broken row.
    Defective(Defect),
}

impl RowKind {
    /// `clean`, `duplicate` or the defect code.
    pub fn code(&self) -> &'static str {
        match self {
            RowKind::Clean => "clean",
            RowKind::Duplicate { .. } => "duplicate",
            RowKind::Defective(defect) => defect.code,
        }
    }
}

/// Streams the three ground-truth files of one dataset.
pub struct TruthWriter {
    planted: BufWriter<File>,
    negatives: BufWriter<File>,
    expected: BufWriter<File>,
}

impl TruthWriter {
    /// Creates (truncates) the ground-truth files in `dir`.
    pub fn create(dir: &Path) -> Result<Self, GenError> {
        let open = |name: &str| -> Result<BufWriter<File>, GenError> {
            Ok(BufWriter::new(File::create(dir.join(name))?))
        };
        Ok(TruthWriter {
            planted: open("planted.jsonl")?,
            negatives: open("hard-negatives.jsonl")?,
            expected: open("expected.jsonl")?,
        })
    }

    /// Records one written row: its planted values, hard negatives and, unless clean, its
    /// expected outcome.
    pub fn row(
        &mut self,
        at: &RowRef,
        kind: &RowKind,
        plants: &[Plant],
        negatives: &[Negative],
    ) -> Result<(), GenError> {
        for plant in plants {
            let line = json!({
                "file": at.file, "row": at.row, "line": at.line, "field": plant.field,
                "entity": plant.entity.code(), "value": plant.value, "row_kind": kind.code(),
            });
            write_line(&mut self.planted, &line)?;
        }
        for negative in negatives {
            let line = json!({
                "file": at.file, "row": at.row, "line": at.line, "field": negative.field,
                "kind": negative.kind.code(), "value": negative.value, "row_kind": kind.code(),
            });
            write_line(&mut self.negatives, &line)?;
        }
        let expected = match kind {
            RowKind::Clean => return Ok(()),
            RowKind::Duplicate { of, variant } => json!({
                "file": at.file, "row": at.row, "line": at.line, "kind": "duplicate",
                "detail": variant.code(), "expect": "duplicate",
                "of": {"file": of.file, "row": of.row, "line": of.line},
            }),
            RowKind::Defective(defect) => json!({
                "file": at.file, "row": at.row, "line": at.line, "kind": "defect",
                "detail": defect.code, "expect": defect.expect.code(),
            }),
        };
        write_line(&mut self.expected, &expected)
    }

    /// Records a blank line (not a record: it has no row index).
    pub fn blank_line(&mut self, file: &str, line: u64) -> Result<(), GenError> {
        let value = json!({
            "file": file, "row": null, "line": line, "kind": "blank_line",
            "detail": null, "expect": "skip",
        });
        write_line(&mut self.expected, &value)
    }

    /// Flushes all three files.
    pub fn finish(mut self) -> Result<(), GenError> {
        self.planted.flush()?;
        self.negatives.flush()?;
        self.expected.flush()?;
        Ok(())
    }
}

fn write_line(out: &mut impl Write, value: &Value) -> Result<(), GenError> {
    let mut bytes = value.to_string().into_bytes();
    bytes.push(b'\n');
    out.write_all(&bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(row: u64) -> RowRef {
        RowRef {
            file: "f.jsonl".into(),
            row,
            line: row + 1,
        }
    }

    #[test]
    fn writes_one_line_per_value_and_non_clean_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut truth = TruthWriter::create(dir.path()).unwrap();
        let plant = Plant {
            field: "text".into(),
            entity: Entity::Email,
            value: "a@example.com".into(),
        };
        let negative = Negative {
            field: "text".into(),
            kind: NegativeKind::Version,
            value: "v1.2.3".into(),
        };
        truth
            .row(
                &at(0),
                &RowKind::Clean,
                std::slice::from_ref(&plant),
                &[negative],
            )
            .unwrap();
        let dup = RowKind::Duplicate {
            of: at(0),
            variant: Variant::UpperCase,
        };
        truth.row(&at(1), &dup, &[plant], &[]).unwrap();
        truth.blank_line("f.jsonl", 3).unwrap();
        truth.finish().unwrap();

        let read = |name: &str| -> Vec<Value> {
            fs_err::read_to_string(dir.path().join(name))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        let planted = read("planted.jsonl");
        assert_eq!(planted.len(), 2);
        assert_eq!(planted[0]["entity"], "EMAIL");
        assert_eq!(planted[1]["row_kind"], "duplicate");
        assert_eq!(read("hard-negatives.jsonl")[0]["kind"], "version");
        let expected = read("expected.jsonl");
        assert_eq!(expected.len(), 2, "clean rows are not listed");
        assert_eq!(expected[0]["of"]["row"], 0);
        assert_eq!(expected[0]["detail"], "upper_case");
        assert_eq!(expected[1]["kind"], "blank_line");
        assert!(expected[1]["row"].is_null());
    }
}
