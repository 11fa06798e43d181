//! Physical line numbers of byte offsets.

/// Where the newlines of a text are, to turn byte offsets into 1-based line numbers.
#[derive(Debug)]
pub(crate) struct LineIndex {
    newlines: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        LineIndex {
            newlines: memchr::memchr_iter(b'\n', bytes).collect(),
            len: bytes.len(),
        }
    }

    /// The 1-based line holding byte `offset` (a `\n` belongs to the line it ends).
    pub(crate) fn line_of(&self, offset: usize) -> u64 {
        self.newlines.partition_point(|&n| n < offset) as u64 + 1
    }

    /// How many lines the text has (a final line without `\n` counts).
    pub(crate) fn total(&self) -> u64 {
        let unterminated_tail = self
            .newlines
            .last()
            .map_or(self.len > 0, |&n| n + 1 < self.len);
        self.newlines.len() as u64 + u64::from(unterminated_tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines() {
        let index = LineIndex::new(b"ab\ncd\n\nef");
        assert_eq!(index.line_of(0), 1);
        assert_eq!(index.line_of(2), 1);
        assert_eq!(index.line_of(3), 2);
        assert_eq!(index.line_of(6), 3);
        assert_eq!(index.line_of(7), 4);
        assert_eq!(index.total(), 4);
    }

    #[test]
    fn totals_count_an_unterminated_last_line() {
        assert_eq!(LineIndex::new(b"").total(), 0);
        assert_eq!(LineIndex::new(b"a").total(), 1);
        assert_eq!(LineIndex::new(b"a\n").total(), 1);
        assert_eq!(LineIndex::new(b"\n\n").total(), 2);
        assert_eq!(LineIndex::new(b"a\nb").total(), 2);
    }
}
