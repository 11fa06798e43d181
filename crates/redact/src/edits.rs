//! What redaction decided for one batch, collected while its columns are rewritten: spans,
//! rows to quarantine (with value-free details), fields to drop, and the counters.

use crate::policy::Action;
use sluice_core::{FieldPath, RowMeta, Span, StageReport};
use std::collections::BTreeMap;

/// How many findings a quarantine detail lists before summarising the rest.
const DETAIL_LIMIT: usize = 5;

/// One finding before it is turned into a [`Span`] (which needs the row's id).
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    /// Row of the batch.
    pub row: usize,
    /// Column index of the top-level field.
    pub column: usize,
    /// Path of the edited value.
    pub path: FieldPath,
    /// List element index, 0 outside lists.
    pub element: u32,
    /// Entity type.
    pub entity: String,
    /// Detector code (`column` for whole-column rules).
    pub detector: &'static str,
    /// Char offsets in the original value.
    pub chars: (u32, u32),
    /// What was done.
    pub action: Action,
}

impl Finding {
    /// `EMAIL in messages[].content (element 1) at chars 3..23`: names, types, offsets only.
    fn describe(&self) -> String {
        let element = if self.path.as_str().contains("[]") {
            format!(" (element {})", self.element)
        } else {
            String::new()
        };
        format!(
            "{} in {}{} at chars {}..{}",
            self.entity, self.path, element, self.chars.0, self.chars.1
        )
    }
}

/// The decisions collected for one batch.
#[derive(Debug)]
pub(crate) struct BatchEdits {
    findings: Vec<Finding>,
    /// Per row: true when some finding quarantines it.
    quarantined: Vec<bool>,
    /// Column index → per-row "set this field to null".
    dropped: BTreeMap<usize, Vec<bool>>,
}

impl BatchEdits {
    /// No decisions yet for a batch of `rows` rows.
    pub fn new(rows: usize) -> Self {
        BatchEdits {
            findings: Vec::new(),
            quarantined: vec![false; rows],
            dropped: BTreeMap::new(),
        }
    }

    /// Records a finding and what its action implies for the row.
    pub fn record(&mut self, finding: Finding) {
        let rows = self.quarantined.len();
        match finding.action {
            Action::Quarantine => {
                if let Some(flag) = self.quarantined.get_mut(finding.row) {
                    *flag = true;
                }
            }
            Action::DropField => {
                let mask = self
                    .dropped
                    .entry(finding.column)
                    .or_insert_with(|| vec![false; rows]);
                if let Some(flag) = mask.get_mut(finding.row) {
                    *flag = true;
                }
            }
            Action::Placeholder
            | Action::Mask
            | Action::IndexedPlaceholder
            | Action::Pseudonym
            | Action::PseudonymFormat
            | Action::Remove => {}
        }
        self.findings.push(finding);
    }

    /// Column index → rows whose field must become null.
    pub fn dropped(&self) -> &BTreeMap<usize, Vec<bool>> {
        &self.dropped
    }

    /// Per row: true to keep it, false when it is quarantined.
    pub fn keep_mask(&self) -> Vec<bool> {
        self.quarantined.iter().map(|q| !q).collect()
    }

    /// The value-free quarantine detail of each quarantined row, in row order.
    pub fn quarantine_details(&self) -> Vec<String> {
        let mut per_row: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for finding in &self.findings {
            if finding.action == Action::Quarantine {
                per_row
                    .entry(finding.row)
                    .or_default()
                    .push(finding.describe());
            }
        }
        per_row
            .into_values()
            .map(|mut parts| {
                let more = parts.len().saturating_sub(DETAIL_LIMIT);
                parts.truncate(DETAIL_LIMIT);
                let mut detail = parts.join("; ");
                if more > 0 {
                    detail.push_str(&format!("; and {more} more"));
                }
                detail
            })
            .collect()
    }

    /// The spans in row order (field order, then value order within a row), with counters
    /// added to `report`. Findings inside a dropped field report `drop_field`, since the whole
    /// value is gone whatever their own action was.
    pub fn into_spans(self, rows: &[RowMeta], report: &mut StageReport) -> Vec<Span> {
        let dropped = self.dropped;
        let mut findings = self.findings;
        // Stable: keeps field order and value order within each row.
        findings.sort_by_key(|f| f.row);
        findings
            .into_iter()
            .filter_map(|f| {
                let row = rows.get(f.row)?;
                let in_dropped_field = dropped
                    .get(&f.column)
                    .and_then(|mask| mask.get(f.row))
                    .copied()
                    .unwrap_or(false);
                let action = if in_dropped_field && f.action != Action::Quarantine {
                    Action::DropField
                } else {
                    f.action
                };
                count(&mut report.redactions_by_type, &f.entity);
                count(&mut report.redactions_by_field, f.path.as_str());
                Some(Span {
                    record: row.id.clone(),
                    source: row.source,
                    field: f.path,
                    element: f.element,
                    entity: f.entity,
                    detector: f.detector.to_owned(),
                    start: f.chars.0,
                    end: f.chars.1,
                    action: action.name().to_owned(),
                })
            })
            .collect()
    }
}

/// Adds one to `key`'s counter, copying the key only the first time it is seen (a batch has
/// thousands of spans and a handful of distinct entities and fields).
fn count(counters: &mut BTreeMap<String, u64>, key: &str) {
    match counters.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counters.insert(key.to_owned(), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{RecordId, SourceRef};

    fn finding(row: usize, column: usize, action: Action) -> Finding {
        Finding {
            row,
            column,
            path: FieldPath::root("messages").elements().child("content"),
            element: 2,
            entity: "EMAIL".to_owned(),
            detector: "email",
            chars: (3, 23),
            action,
        }
    }

    fn metas(n: u64) -> Vec<RowMeta> {
        (0..n)
            .map(|i| RowMeta {
                id: RecordId::new("feed", i),
                source: SourceRef {
                    input: 0,
                    row: i,
                    line: i + 1,
                },
            })
            .collect()
    }

    #[test]
    fn quarantine_and_drop_decisions_per_row() {
        let mut edits = BatchEdits::new(3);
        edits.record(finding(1, 0, Action::Quarantine));
        edits.record(finding(2, 0, Action::DropField));
        edits.record(finding(0, 0, Action::Placeholder));
        assert_eq!(edits.keep_mask(), vec![true, false, true]);
        assert_eq!(edits.dropped()[&0], vec![false, false, true]);
        assert_eq!(
            edits.quarantine_details(),
            vec!["EMAIL in messages[].content (element 2) at chars 3..23"]
        );
    }

    #[test]
    fn long_details_are_summarised() {
        let mut edits = BatchEdits::new(1);
        for _ in 0..7 {
            edits.record(finding(0, 0, Action::Quarantine));
        }
        let details = edits.quarantine_details();
        assert!(details[0].ends_with("; and 2 more"), "{}", details[0]);
    }

    #[test]
    fn spans_come_in_row_order_and_dropped_fields_report_drop_field() {
        let mut edits = BatchEdits::new(2);
        edits.record(finding(1, 0, Action::Placeholder));
        edits.record(finding(0, 0, Action::Placeholder));
        edits.record(finding(0, 0, Action::DropField));
        let mut report = StageReport::default();
        let spans = edits.into_spans(&metas(2), &mut report);
        let summary: Vec<_> = spans
            .iter()
            .map(|s| (s.record.as_str().to_owned(), s.action.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("feed:0".to_owned(), "drop_field"),
                ("feed:0".to_owned(), "drop_field"),
                ("feed:1".to_owned(), "placeholder"),
            ]
        );
        assert_eq!(report.redactions_by_type["EMAIL"], 3);
        assert_eq!(report.redactions_by_field["messages[].content"], 3);
    }
}
