//! What redaction decided for one batch, collected while its columns are rewritten: spans,
//! rows to quarantine (with value-free details), fields to drop, and the counters.

use crate::policy::Action;
use sluice_core::{FieldPath, RowMeta, Span, SpanKind, StageReport};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many findings a quarantine detail lists before summarising the rest.
const DETAIL_LIMIT: usize = 5;

/// One finding as a scan reports it, borrowing its names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Finding<'a> {
    /// Row of the batch.
    pub row: usize,
    /// Column index of the top-level field.
    pub column: usize,
    /// Path of the edited value.
    pub path: &'a FieldPath,
    /// List element index, 0 outside lists.
    pub element: u32,
    /// Entity type.
    pub entity: &'a str,
    /// Detector code (`column` for whole-column rules).
    pub detector: &'static str,
    /// Char offsets in the original value.
    pub chars: (u32, u32),
    /// What was done.
    pub action: Action,
}

/// The names a batch's findings share: a batch has thousands of findings and a handful of
/// these, so a finding holds an index instead of copies of the strings.
#[derive(Debug)]
struct Names {
    path: FieldPath,
    entity: String,
    detector: &'static str,
    action: Action,
}

impl Names {
    fn is(&self, finding: &Finding<'_>) -> bool {
        self.detector == finding.detector
            && self.action == finding.action
            && self.entity == finding.entity
            && self.path == *finding.path
    }

    /// The shared span kind of these names, with `action` as the action taken.
    fn kind(&self, action: Action) -> Arc<SpanKind> {
        Arc::new(SpanKind {
            field: self.path.as_str().to_owned(),
            entity: self.entity.clone(),
            detector: self.detector.to_owned(),
            action: action.name().to_owned(),
        })
    }
}

/// A recorded finding: its names are an index into the batch's [`Names`].
#[derive(Debug, Clone, Copy)]
struct Recorded {
    row: usize,
    column: usize,
    names: usize,
    element: u32,
    chars: (u32, u32),
    action: Action,
}

impl Recorded {
    /// `EMAIL in messages[].content (element 1) at chars 3..23`: names, types, offsets only.
    fn describe(&self, names: &Names) -> String {
        let element = if names.path.as_str().contains("[]") {
            format!(" (element {})", self.element)
        } else {
            String::new()
        };
        format!(
            "{} in {}{} at chars {}..{}",
            names.entity, names.path, element, self.chars.0, self.chars.1
        )
    }
}

/// The decisions collected for one batch.
#[derive(Debug)]
pub(crate) struct BatchEdits {
    findings: Vec<Recorded>,
    names: Vec<Names>,
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
            names: Vec::new(),
            quarantined: vec![false; rows],
            dropped: BTreeMap::new(),
        }
    }

    /// Records a finding and what its action implies for the row.
    pub fn record(&mut self, finding: Finding<'_>) {
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
        let names = match self.names.iter().position(|n| n.is(&finding)) {
            Some(index) => index,
            None => {
                self.names.push(Names {
                    path: finding.path.clone(),
                    entity: finding.entity.to_owned(),
                    detector: finding.detector,
                    action: finding.action,
                });
                self.names.len() - 1
            }
        };
        self.findings.push(Recorded {
            row: finding.row,
            column: finding.column,
            names,
            element: finding.element,
            chars: finding.chars,
            action: finding.action,
        });
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
                    .push(finding.describe(&self.names[finding.names]));
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
    /// value is gone whatever their own action was. Spans of the same names share one kind.
    pub fn into_spans(self, rows: &[RowMeta], report: &mut StageReport) -> Vec<Span> {
        let BatchEdits {
            mut findings,
            names,
            dropped,
            ..
        } = self;
        // Per names: the kind as recorded and the kind inside a dropped field, made on first use.
        let mut kinds: Vec<[Option<Arc<SpanKind>>; 2]> = vec![[None, None]; names.len()];
        let mut counts = vec![0u64; names.len()];
        // Stable: keeps field order and value order within each row.
        findings.sort_by_key(|f| f.row);
        let spans = findings
            .into_iter()
            .filter_map(|f| {
                let row = rows.get(f.row)?;
                let in_dropped_field = dropped
                    .get(&f.column)
                    .and_then(|mask| mask.get(f.row))
                    .copied()
                    .unwrap_or(false);
                let (variant, action) = if in_dropped_field && f.action != Action::Quarantine {
                    (1, Action::DropField)
                } else {
                    (0, f.action)
                };
                counts[f.names] += 1;
                let kind =
                    kinds[f.names][variant].get_or_insert_with(|| names[f.names].kind(action));
                Some(Span {
                    source: row.source,
                    kind: Arc::clone(kind),
                    element: f.element,
                    start: f.chars.0,
                    end: f.chars.1,
                })
            })
            .collect();
        for (names, n) in names.iter().zip(counts).filter(|(_, n)| *n > 0) {
            *report
                .redactions_by_type
                .entry(names.entity.clone())
                .or_default() += n;
            *report
                .redactions_by_field
                .entry(names.path.as_str().to_owned())
                .or_default() += n;
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{RecordId, SourceRef};

    static CONTENT: std::sync::LazyLock<FieldPath> =
        std::sync::LazyLock::new(|| FieldPath::root("messages").elements().child("content"));

    fn finding(row: usize, column: usize, action: Action) -> Finding<'static> {
        Finding {
            row,
            column,
            path: &CONTENT,
            element: 2,
            entity: "EMAIL",
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
        edits.record(finding(1, 0, Action::Placeholder));
        let mut report = StageReport::default();
        let spans = edits.into_spans(&metas(2), &mut report);
        let summary: Vec<_> = spans
            .iter()
            .map(|s| (s.source.row, s.kind.action.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (0, "drop_field"),
                (0, "drop_field"),
                (1, "placeholder"),
                (1, "placeholder")
            ]
        );
        assert_eq!(spans[0].kind, spans[1].kind);
        // Findings recorded with the same names share one kind.
        assert!(Arc::ptr_eq(&spans[2].kind, &spans[3].kind));
        assert_eq!(report.redactions_by_type["EMAIL"], 4);
        assert_eq!(report.redactions_by_field["messages[].content"], 4);
    }
}
