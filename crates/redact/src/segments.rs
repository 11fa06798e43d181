//! Segments: maximal runs of one ASCII byte class in a (folded) text, with cheap counts, so a
//! detector whose every match lies inside one such run runs its regex only over the runs that
//! can hold a match instead of over the whole value.
//!
//! The restriction is exact, not a heuristic: a detector declares a [`Scope`] only when every
//! byte its pattern can match is in the class, and its `qualifies` test is a necessary condition
//! for a match inside a run (e.g. "at least 11 digits" for an 11-digit number). Since regex
//! matches of such a pattern can never cross a run boundary, scanning the qualifying runs in
//! order finds the same matches as scanning the text.

use std::ops::Range;

/// A byte class segments are cut by. Non-ASCII bytes belong to no class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Printable ASCII without space (`!`..`~`): tokens such as e-mails, IDs, addresses.
    Token,
    /// Digits, space and `-`, `.`, `+`, `(`, `)`: grouped numbers (cards, phones).
    Numeric,
    /// Upper-case ASCII letters, digits and space (IBANs).
    UpperNum,
}

const CLASSES: usize = 3;

impl Class {
    fn index(self) -> usize {
        match self {
            Class::Token => 0,
            Class::Numeric => 1,
            Class::UpperNum => 2,
        }
    }
}

/// Bit `i` set: the byte belongs to the class with index `i`.
const fn class_bits(b: u8) -> u8 {
    let token = (b >= 0x21 && b <= 0x7e) as u8;
    let numeric =
        (b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'+' | b'(' | b')')) as u8;
    let upper_num = (b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ') as u8;
    token | (numeric << 1) | (upper_num << 2)
}

static BITS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = class_bits(i as u8);
        i += 1;
    }
    table
};

/// One maximal run of a class, with the counts `qualifies` tests look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Segment {
    /// First byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// ASCII digits in the run.
    pub digits: u32,
    /// `.` in the run.
    pub dots: u32,
    /// `:` in the run.
    pub colons: u32,
    /// The run holds `@`.
    pub has_at: bool,
    /// The run holds `+`.
    pub has_plus: bool,
}

impl Segment {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for a run of no bytes (never produced by [`Segments::of`]).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Where a detector's matches can be: the class of the runs holding them, a necessary condition
/// on a run, and how many bytes a match may run past its run's end (a non-class suffix such as a
/// `转123` extension; 0 for most).
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// Class of the runs.
    pub class: Class,
    /// False when the run cannot hold a match.
    pub qualifies: fn(&Segment) -> bool,
    /// Bytes a match may extend past the run's end.
    pub overhang: usize,
}

/// A part of the text a scoped detector searches: matches must start in `start..end`, and the
/// regex sees the text only up to `hay_end` (`end` plus the scope's overhang).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First byte a match may start at.
    pub start: usize,
    /// A match starts before this.
    pub end: usize,
    /// The haystack ends here.
    pub hay_end: usize,
}

/// The segments of every class of one text, computed in one pass.
#[derive(Debug, Default)]
pub struct Segments {
    by_class: [Vec<Segment>; CLASSES],
}

impl Segments {
    /// Cuts `text` into the runs of every class.
    pub fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut segments = Segments::default();
        let mut open: [Option<Segment>; CLASSES] = [None; CLASSES];
        for (i, &b) in bytes.iter().enumerate() {
            let bits = BITS[usize::from(b)];
            for (class, slot) in open.iter_mut().enumerate() {
                if bits & (1 << class) == 0 {
                    if let Some(mut segment) = slot.take() {
                        segment.end = i;
                        segments.by_class[class].push(segment);
                    }
                    continue;
                }
                let segment = slot.get_or_insert(Segment {
                    start: i,
                    ..Segment::default()
                });
                match b {
                    b'0'..=b'9' => segment.digits += 1,
                    b'.' => segment.dots += 1,
                    b':' => segment.colons += 1,
                    b'@' => segment.has_at = true,
                    b'+' => segment.has_plus = true,
                    _ => {}
                }
            }
        }
        for (class, slot) in open.iter_mut().enumerate() {
            if let Some(mut segment) = slot.take() {
                segment.end = bytes.len();
                segments.by_class[class].push(segment);
            }
        }
        segments
    }

    /// The windows of `scope` in `text` (the text these segments were cut from), in order.
    pub fn windows(&self, scope: &Scope, text: &str, out: &mut Vec<Window>) {
        out.clear();
        for segment in &self.by_class[scope.class.index()] {
            if !(scope.qualifies)(segment) {
                continue;
            }
            let mut hay_end = (segment.end + scope.overhang).min(text.len());
            while !text.is_char_boundary(hay_end) {
                hay_end += 1;
            }
            out.push(Window {
                start: segment.start,
                end: segment.end,
                hay_end,
            });
        }
    }

    #[cfg(test)]
    fn ranges(&self, class: Class) -> Vec<Range<usize>> {
        self.by_class[class.index()]
            .iter()
            .map(|s| s.start..s.end)
            .collect()
    }
}

/// The window covering all of `text`: what an unscoped detector searches.
pub fn whole(text: &str) -> Window {
    Window {
        start: 0,
        end: text.len(),
        hay_end: text.len(),
    }
}

/// The byte range of a window's possible match starts.
pub fn starts(window: &Window) -> Range<usize> {
    window.start..window.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_per_class_with_counts() {
        let text = "手机 138-1234 a@b.c，ID AB12 x:y";
        let segments = Segments::of(text);
        let token: Vec<&str> = segments
            .ranges(Class::Token)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(token, vec!["138-1234", "a@b.c", "ID", "AB12", "x:y"]);
        let numeric: Vec<&str> = segments
            .ranges(Class::Numeric)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(numeric, vec![" 138-1234 ", ".", " ", "12 "]);
        let email = segments.by_class[0][1];
        assert!(email.has_at && email.dots == 1 && email.digits == 0);
        assert_eq!(segments.by_class[0][0].digits, 7);
        assert_eq!(segments.by_class[0][4].colons, 1);
        let upper: Vec<&str> = segments
            .ranges(Class::UpperNum)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(upper, vec![" 138", "1234 ", "ID AB12 "]);
    }

    #[test]
    fn windows_keep_qualifying_runs_and_extend_to_char_boundaries() {
        let text = "号0101234567转12 和 55";
        let segments = Segments::of(text);
        let scope = Scope {
            class: Class::Numeric,
            qualifies: |s| s.digits >= 10,
            overhang: 2,
        };
        let mut windows = Vec::new();
        segments.windows(&scope, text, &mut windows);
        assert_eq!(windows.len(), 1);
        let w = windows[0];
        assert_eq!(&text[w.start..w.end], "0101234567");
        // Two bytes into `转` round up to its end.
        assert_eq!(&text[w.end..w.hay_end], "转");
        assert_eq!(starts(&whole(text)), 0..text.len());
    }

    #[test]
    fn empty_and_non_ascii_texts_have_no_runs() {
        assert!(Segments::of("").ranges(Class::Token).is_empty());
        assert!(Segments::of("中文").ranges(Class::Numeric).is_empty());
    }
}
