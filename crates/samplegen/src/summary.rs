//! Counts of what was generated, per file and dataset, printed after a run and rendered into
//! the samples README.

use crate::truth::{Negative, Plant, RowKind};
use std::collections::BTreeMap;
use std::fmt;

/// What one generated file contains.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSummary {
    /// File name inside the dataset directory.
    pub file: String,
    /// Format and encoding, e.g. `JSONL, UTF-8, gzip`.
    pub format: String,
    /// Records (blank lines excluded, malformed ones included).
    pub records: u64,
    /// Blank lines.
    pub blank_lines: u64,
    /// Planted duplicates.
    pub duplicates: u64,
    /// Defective records by defect code.
    pub defects: BTreeMap<&'static str, u64>,
    /// Planted sensitive values by entity code.
    pub planted: BTreeMap<&'static str, u64>,
    /// Hard negatives.
    pub hard_negatives: u64,
    /// Size on disk.
    pub bytes: u64,
}

impl FileSummary {
    /// An empty tally for `file`.
    pub fn new(file: &str, format: &str) -> Self {
        FileSummary {
            file: file.to_string(),
            format: format.to_string(),
            ..FileSummary::default()
        }
    }

    /// Counts one written record.
    pub fn count(&mut self, kind: &RowKind, plants: &[Plant], negatives: &[Negative]) {
        self.records += 1;
        match kind {
            RowKind::Clean => {}
            RowKind::Duplicate { .. } => self.duplicates += 1,
            RowKind::Defective(defect) => *self.defects.entry(defect.code).or_default() += 1,
        }
        for plant in plants {
            *self.planted.entry(plant.entity.code()).or_default() += 1;
        }
        self.hard_negatives += negatives.len() as u64;
    }

    /// Total defective records.
    pub fn defect_total(&self) -> u64 {
        self.defects.values().sum()
    }

    /// Total planted values.
    pub fn planted_total(&self) -> u64 {
        self.planted.values().sum()
    }
}

/// The files of one dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    /// Directory name, e.g. `support-tickets`.
    pub name: &'static str,
    /// One entry per generated file, in generation order.
    pub files: Vec<FileSummary>,
}

/// Everything a run generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The seed used.
    pub seed: u64,
    /// The row-count multiplier used.
    pub scale: u32,
    /// One entry per dataset.
    pub datasets: Vec<DatasetSummary>,
}

/// `a 3, b 1`, or `none`.
pub fn join_counts(counts: &BTreeMap<&'static str, u64>) -> String {
    if counts.is_empty() {
        return "none".to_string();
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sluice-samplegen: seed {}, scale {}",
            self.seed, self.scale
        )?;
        for dataset in &self.datasets {
            for file in &dataset.files {
                writeln!(
                    f,
                    "{}/{}: {} records, {} duplicates, {} defective, {} blank lines, {} planted values, {} hard negatives, {} bytes",
                    dataset.name,
                    file.file,
                    file.records,
                    file.duplicates,
                    file.defect_total(),
                    file.blank_lines,
                    file.planted_total(),
                    file.hard_negatives,
                    file.bytes
                )?;
                writeln!(f, "    defects: {}", join_counts(&file.defects))?;
                writeln!(f, "    planted: {}", join_counts(&file.planted))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::Entity;
    use crate::text::Variant;
    use crate::truth::{Defect, RowRef};

    #[test]
    fn counts_rows_by_kind_and_values_by_entity() {
        let mut s = FileSummary::new("t.jsonl", "JSONL");
        let plant = |entity| Plant {
            field: "text".into(),
            entity,
            value: "v".into(),
        };
        s.count(
            &RowKind::Clean,
            &[plant(Entity::Email), plant(Entity::Phone)],
            &[],
        );
        s.count(
            &RowKind::Defective(Defect::quarantined("malformed_json")),
            &[plant(Entity::Email)],
            &[],
        );
        let of = RowRef {
            file: "t.jsonl".into(),
            row: 0,
            line: 1,
        };
        s.count(
            &RowKind::Duplicate {
                of,
                variant: Variant::Identical,
            },
            &[],
            &[],
        );
        assert_eq!(
            (s.records, s.duplicates, s.defect_total(), s.planted_total()),
            (3, 1, 1, 3)
        );
        assert_eq!(join_counts(&s.planted), "EMAIL 2, PHONE 1");
        assert_eq!(join_counts(&BTreeMap::new()), "none");
    }
}
