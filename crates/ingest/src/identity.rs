//! Row identity (`RecordId` + `SourceRef`) and quarantine records for one input file.

use crate::problem::Problem;
use sluice_core::{RecordId, Removal, RowMeta, SourceRef};

/// Cap on a quarantined record's content, so one giant broken record cannot bloat quarantine.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;

/// `raw` cut to at most [`MAX_CONTENT_BYTES`], at a char boundary.
pub(crate) fn quarantine_content(raw: &str) -> String {
    raw[..raw.floor_char_boundary(MAX_CONTENT_BYTES)].to_owned()
}

/// Everything needed to name a row of one input.
#[derive(Debug, Clone)]
pub(crate) struct RowIdentity {
    sha256: String,
    input: u32,
}

impl RowIdentity {
    pub(crate) fn new(sha256: String, input: u32) -> Self {
        RowIdentity { sha256, input }
    }

    /// Identity of record `row` (0-based) starting on 1-based `line`.
    pub(crate) fn meta(&self, row: u64, line: u64) -> RowMeta {
        RowMeta {
            id: RecordId::new(&self.sha256, row),
            source: SourceRef {
                input: self.input,
                row,
                line,
            },
        }
    }

    /// The removal of record `row` for `problem`, carrying its (capped) raw content.
    pub(crate) fn removal(
        &self,
        row: u64,
        line: u64,
        problem: Problem,
        content: Option<&str>,
    ) -> Removal {
        Removal {
            row: self.meta(row, line),
            reason: problem.reason,
            detail: problem.detail,
            survivor: None,
            content: content.map(quarantine_content),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::ReasonCode;

    #[test]
    fn content_is_capped_at_a_char_boundary() {
        let short = "短文本";
        assert_eq!(quarantine_content(short), short);
        // 3-byte chars: 64 KiB is not a multiple of 3, so the cut must back off.
        let long = "长".repeat(MAX_CONTENT_BYTES);
        let cut = quarantine_content(&long);
        assert!(cut.len() <= MAX_CONTENT_BYTES && cut.len() > MAX_CONTENT_BYTES - 3);
        assert!(cut.chars().all(|c| c == '长'));
        let ascii = "a".repeat(MAX_CONTENT_BYTES + 10);
        assert_eq!(quarantine_content(&ascii).len(), MAX_CONTENT_BYTES);
    }

    #[test]
    fn ids_and_removals_name_file_row_and_line() {
        let ids = RowIdentity::new("ab".repeat(32), 3);
        let meta = ids.meta(5, 9);
        assert_eq!(meta.id.as_str(), "abababababababab:5");
        assert_eq!(
            meta.source,
            SourceRef {
                input: 3,
                row: 5,
                line: 9
            }
        );
        let removal = ids.removal(5, 9, Problem::column_count(2, 3), Some("raw text"));
        assert_eq!(removal.reason, ReasonCode::PARSE_COLUMN_COUNT);
        assert_eq!(removal.content.as_deref(), Some("raw text"));
        assert_eq!(removal.row, meta);
    }
}
