//! Row identity (`RecordId` + `SourceRef`) and quarantine records for one input file.

use crate::problem::Problem;
use sluice_core::{RecordId, Removal, RowMeta, SourceRef};
use std::sync::OnceLock;

/// Cap on a quarantined record's content, so one giant broken record cannot bloat quarantine.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;

/// `raw` cut to at most [`MAX_CONTENT_BYTES`], at a char boundary.
pub(crate) fn quarantine_content(raw: &str) -> String {
    raw[..raw.floor_char_boundary(MAX_CONTENT_BYTES)].to_owned()
}

/// Everything needed to name a row of one input: the file's digest, which a streamed read may
/// learn only after it has parsed its first records (the digest is computed beside the parse).
#[derive(Debug, Clone)]
pub(crate) struct RowIdentity {
    /// The file's sha256 once known; `None` inside when it could not be computed.
    sha256: OnceLock<Option<String>>,
    input: u32,
}

impl RowIdentity {
    /// The identity of input `input` whose digest is `sha256`.
    pub(crate) fn new(sha256: String, input: u32) -> Self {
        RowIdentity {
            sha256: OnceLock::from(Some(sha256)),
            input,
        }
    }

    /// The identity of input `input` whose digest is still being computed: naming a row waits
    /// for [`RowIdentity::settle`].
    pub(crate) fn pending(input: u32) -> Self {
        RowIdentity {
            sha256: OnceLock::new(),
            input,
        }
    }

    /// Records the file's digest (`None`: it could not be computed); only the first call counts.
    pub(crate) fn settle(&self, sha256: Option<String>) {
        let _ = self.sha256.set(sha256);
    }

    /// Whether the digest is settled (computed or failed), so naming a row will not wait.
    pub(crate) fn is_settled(&self) -> bool {
        self.sha256.get().is_some()
    }

    /// Whether the digest could not be computed (the read is going to fail).
    pub(crate) fn failed(&self) -> bool {
        matches!(self.sha256.get(), Some(None))
    }

    /// Blocks until the digest is settled.
    pub(crate) fn wait(&self) {
        self.sha256.wait();
    }

    /// Identity of record `row` (0-based) starting on 1-based `line`, once the digest is
    /// settled (a failed digest names nothing that is kept: the read fails).
    pub(crate) fn meta(&self, row: u64, line: u64) -> RowMeta {
        let sha256 = self.sha256.wait().as_deref().unwrap_or("");
        RowMeta {
            id: RecordId::new(sha256, row),
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

    #[test]
    fn a_pending_identity_names_rows_once_settled_and_only_the_first_digest_counts() {
        let ids = RowIdentity::pending(1);
        assert!(!ids.is_settled() && !ids.failed());
        std::thread::scope(|scope| {
            let named = scope.spawn(|| ids.meta(2, 3));
            std::thread::sleep(std::time::Duration::from_millis(20));
            ids.settle(Some("cd".repeat(32)));
            ids.settle(Some("ef".repeat(32)));
            assert_eq!(named.join().unwrap().id.as_str(), "cdcdcdcdcdcdcdcd:2");
        });
        assert!(ids.is_settled() && !ids.failed());
        assert_eq!(
            ids.meta(2, 3),
            RowIdentity::new("cd".repeat(32), 1).meta(2, 3)
        );
    }

    #[test]
    fn a_failed_digest_is_settled_and_says_so() {
        let ids = RowIdentity::pending(0);
        ids.settle(None);
        ids.settle(Some("ab".repeat(32)));
        assert!(ids.is_settled() && ids.failed());
    }
}
