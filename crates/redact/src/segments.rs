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

/// Number of classes.
pub const CLASSES: usize = 3;

impl Class {
    /// Position of the class in per-class arrays.
    pub fn index(self) -> usize {
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

/// A 256-entry lookup table of a `const fn(u8) -> u8`, built at compile time.
macro_rules! byte_table {
    ($f:ident) => {{
        let mut table = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            table[i] = $f(i as u8);
            i += 1;
        }
        table
    }};
}

static BITS: [u8; 256] = byte_table!(class_bits);

/// What a byte adds to a segment's counts: an index into [`Counts`] (0: nothing counted).
const fn kind(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => 1,
        b'.' => 2,
        b':' => 3,
        b'@' => 4,
        b'+' => 5,
        _ => 0,
    }
}

static KINDS: [u8; 256] = byte_table!(kind);

/// Bit `i` set: the byte is a seed of the class with index `i`, a byte every run some scope of
/// that class qualifies must hold. The engine cuts only runs around seeds, so the scan over the
/// rest of the text is one table lookup per byte. Digits seed every class (every numeric and
/// upper-case scope counts digits); token runs are also seeded by the separators of the
/// token scopes without digits: `@` (e-mail), `:` (IPv6, MAC), `-` and `.` (MAC).
const fn seed_bits(b: u8) -> u8 {
    let digit = b.is_ascii_digit() as u8;
    let token = (digit == 1 || matches!(b, b'@' | b':' | b'-' | b'.')) as u8;
    token | (digit << 1) | (digit << 2)
}

static SEEDS: [u8; 256] = byte_table!(seed_bits);

/// Per-kind counters of one run, indexed by [`kind`].
type Counts = [u32; 6];

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
///
/// A scoped detector also promises that
/// - every run holding a match contains a seed byte of the class (see [`seed_bits`]): a digit,
///   or for token runs one of `@ : - .`;
/// - deciding on a match looks at no byte more than [`REACH`] bytes outside the window it was
///   found in (neighbour checks, context words). The engine relies on it to rescan, after a
///   detection round, only the windows near what that round found.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// Class of the runs.
    pub class: Class,
    /// False when the run cannot hold a match.
    pub qualifies: fn(&Segment) -> bool,
    /// Bytes a match may extend past the run's end.
    pub overhang: usize,
}

/// How far, in bytes, a scoped detector may look outside its window to decide on a match: the
/// context window of 20 chars (`detectors::context`) is at most 80 bytes, plus margin.
pub const REACH: usize = 96;

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

/// The segments of one text, cut per class on first use (most texts need only some classes).
/// The buffers are kept between texts (see [`Segments::reset`]), so a long-lived `Segments`
/// allocates nothing per text.
#[derive(Debug, Default)]
pub struct Segments {
    by_class: [Vec<Segment>; CLASSES],
    /// Per class: `by_class` holds the runs of the current text.
    ready: [bool; CLASSES],
    /// Ascending, disjoint byte ranges: when not empty, only runs meeting one of them are cut
    /// (see [`Segments::focus`]).
    focus: Vec<Range<usize>>,
}

impl Segments {
    /// Cuts `text` into every run of every class.
    pub fn of(text: &str) -> Self {
        let mut segments = Segments::default();
        for class in [Class::Token, Class::Numeric, Class::UpperNum] {
            segments.class(class, text, None);
        }
        segments
    }

    /// Forgets the runs of the previous text, keeping the buffers.
    pub fn reset(&mut self) {
        self.ready = [false; CLASSES];
        self.focus.clear();
    }

    /// Like [`Segments::reset`], and from now on cuts only the runs that meet a byte within
    /// `margin` bytes of one of `spans` (ascending, disjoint; an empty list is no restriction)
    /// of a text of `len` bytes: those are exactly the runs whose windows lie within `margin`
    /// bytes of a span, found without walking the rest of the text. When the ranges cover more
    /// than [`FOCUS_MAX_SHARE`] of the text the whole text is cut instead: the focused cut
    /// grows every run it meets, the whole cut only those around seeds, so on a short ticket
    /// with a finding or two the focus cost more than it saved (7 % of detection).
    pub fn focus(&mut self, spans: &[Range<usize>], margin: usize, len: usize) {
        self.reset();
        for span in spans {
            let near = span.start.saturating_sub(margin)..span.end.saturating_add(margin);
            match self.focus.last_mut() {
                Some(last) if near.start <= last.end => last.end = last.end.max(near.end),
                _ => self.focus.push(near),
            }
        }
        let covered: usize = self
            .focus
            .iter()
            .map(|r| r.end.min(len) - r.start.min(len))
            .sum();
        if covered.saturating_mul(FOCUS_MAX_SHARE.1) > len.saturating_mul(FOCUS_MAX_SHARE.0) {
            self.focus.clear();
        }
    }

    /// The runs of `class` in `text` (the text of every call since the last reset), cut on
    /// first use. With `keep` (the scopes of the class), only runs around seed bytes that one
    /// of them qualifies are cut: most runs of real text (words, single spaces) qualify for
    /// none, and cutting and storing them was most of the cost.
    fn class(&mut self, class: Class, text: &str, keep: Option<&[Scope]>) -> &[Segment] {
        let index = class.index();
        if !self.ready[index] {
            self.by_class[index].clear();
            // A scope with an overhang needs every window in order (see the engine), so its
            // class is always cut whole.
            let whole = self.focus.is_empty()
                || keep.is_some_and(|scopes| scopes.iter().any(|scope| scope.overhang > 0));
            if whole {
                cut(text.as_bytes(), class, keep, &mut self.by_class[index]);
            } else {
                cut_near(
                    text.as_bytes(),
                    class,
                    keep,
                    &self.focus,
                    &mut self.by_class[index],
                );
            }
            self.ready[index] = true;
        }
        &self.by_class[index]
    }

    /// The windows of `scope` in `text` (the text of every call since the last reset), in
    /// order. `keep` is `None` or the scopes of the class of every call since the last reset
    /// (`scope` among them).
    pub fn windows(
        &mut self,
        scope: &Scope,
        keep: Option<&[Scope]>,
        text: &str,
        out: &mut Vec<Window>,
    ) {
        out.clear();
        for segment in self.class(scope.class, text, keep) {
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
    fn ranges(&mut self, class: Class, text: &str) -> Vec<Range<usize>> {
        self.class(class, text, None)
            .iter()
            .map(|s| s.start..s.end)
            .collect()
    }
}

/// The largest share of a text (numerator, denominator) a focused cut covers; above it the
/// whole text is cut (see [`Segments::focus`]).
pub const FOCUS_MAX_SHARE: (usize, usize) = (1, 4);

/// Bytes tested at once by [`skip_seedless`].
const BLOCK: usize = 32;

/// The start of the first block of [`BLOCK`] bytes from `from` on that may hold a seed (digits;
/// with `token` also `@ : - .`), or the start of the last partial block. A branch-free test per
/// block, so most of a text without seeds is passed over a block at a time.
fn skip_seedless(bytes: &[u8], from: usize, token: bool) -> usize {
    let separators = u8::from(token);
    let mut at = from;
    while let Some(block) = bytes
        .get(at..at + BLOCK)
        .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok())
    {
        let mut seeded = 0u8;
        for &b in block {
            let digit = u8::from(b.wrapping_sub(b'0') < 10);
            let separator = u8::from(b == b'@')
                | u8::from(b == b':')
                | u8::from(b == b'-')
                | u8::from(b == b'.');
            seeded |= digit | (separator & separators);
        }
        if seeded != 0 {
            break;
        }
        at += BLOCK;
    }
    at
}

/// Appends the maximal runs of `class` in `bytes` to `out`, with their counts. Without `keep`
/// every run; with it only the runs holding a seed byte that one of its scopes qualifies, found
/// by skipping to the next seed and growing the run around it.
fn cut(bytes: &[u8], class: Class, keep: Option<&[Scope]>, out: &mut Vec<Segment>) {
    let mask = 1u8 << class.index();
    let member = |b: u8| BITS[usize::from(b)] & mask != 0;
    let table = if keep.is_some() { &SEEDS } else { &BITS };
    let token = class == Class::Token;
    // Runs are disjoint: `done` is where the last one ended, so growing back stops there.
    let mut done = 0;
    loop {
        // Skip blocks without a seed in bulk (the test vectorises), then find the byte.
        let from = if keep.is_some() {
            skip_seedless(bytes, done, token)
        } else {
            done
        };
        let Some(skip) = bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|b| table[usize::from(*b)] & mask != 0))
        else {
            break;
        };
        let seed = from + skip;
        let mut start = seed;
        while start > done && member(bytes[start - 1]) {
            start -= 1;
        }
        let (segment, _) = grow(bytes, start, mask);
        if wanted(keep, &segment) {
            out.push(segment);
        }
        // A seed is a member, so the run holds it and the scan advances past it.
        done = segment.end.max(seed + 1);
    }
}

/// True when a cut keeps `segment`: every run without `keep`, else those one of its scopes
/// qualifies.
fn wanted(keep: Option<&[Scope]>, segment: &Segment) -> bool {
    keep.is_none_or(|scopes| scopes.iter().any(|scope| (scope.qualifies)(segment)))
}

/// The run of the class `mask` from `start` (a member byte, or the end of `bytes`) to its end,
/// with its counts, and whether it holds a seed of the class.
fn grow(bytes: &[u8], start: usize, mask: u8) -> (Segment, bool) {
    // One pass with a table of counters: on runs this short (words, numbers) it measured faster
    // than finding the end first and counting with vectorised comparisons.
    let mut counts: Counts = [0; 6];
    let mut seeded = 0u8;
    let mut end = start;
    for &b in bytes.get(start..).unwrap_or_default() {
        if BITS[usize::from(b)] & mask == 0 {
            break;
        }
        counts[usize::from(KINDS[usize::from(b)])] += 1;
        seeded |= SEEDS[usize::from(b)];
        end += 1;
    }
    let segment = Segment {
        start,
        end,
        digits: counts[1],
        dots: counts[2],
        colons: counts[3],
        has_at: counts[4] > 0,
        has_plus: counts[5] > 0,
    };
    (segment, seeded & mask != 0)
}

/// Like [`cut`], but only the runs that meet one of `focus` (ascending, disjoint ranges): the
/// same runs as `cut` followed by dropping those outside every range, walking only the ranges
/// (a run is grown to its full extent on both sides, so its counts are the same).
fn cut_near(
    bytes: &[u8],
    class: Class,
    keep: Option<&[Scope]>,
    focus: &[Range<usize>],
    out: &mut Vec<Segment>,
) {
    let mask = 1u8 << class.index();
    let member = |b: u8| BITS[usize::from(b)] & mask != 0;
    let mut done = 0;
    for range in focus {
        let mut at = range.start.max(done);
        let end = range.end.min(bytes.len());
        while at < end {
            let Some(skip) = bytes[at..end].iter().position(|&b| member(b)) else {
                break;
            };
            let mut start = at + skip;
            while start > done && member(bytes[start - 1]) {
                start -= 1;
            }
            let (segment, seeded) = grow(bytes, start, mask);
            // `cut` only grows runs around seeds; here a run must hold one to match it.
            if (seeded || keep.is_none()) && wanted(keep, &segment) {
                out.push(segment);
            }
            done = segment.end;
            at = done;
        }
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
        let mut segments = Segments::of(text);
        let token: Vec<&str> = segments
            .ranges(Class::Token, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(token, vec!["138-1234", "a@b.c", "ID", "AB12", "x:y"]);
        let numeric: Vec<&str> = segments
            .ranges(Class::Numeric, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(numeric, vec![" 138-1234 ", ".", " ", "12 "]);
        let tokens = segments.class(Class::Token, text, None).to_vec();
        let email = tokens[1];
        assert!(email.has_at && email.dots == 1 && email.digits == 0);
        assert_eq!(tokens[0].digits, 7);
        assert_eq!(tokens[4].colons, 1);
        let upper: Vec<&str> = segments
            .ranges(Class::UpperNum, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(upper, vec![" 138", "1234 ", "ID AB12 "]);
    }

    #[test]
    fn counts_of_long_runs_are_exact() {
        // 1,000 digits, 300 dots, 256 colons, an `@` and a `+` in one token run: no count is
        // capped or spills into another.
        let text = format!(
            "{}{}{}@+ tail",
            "7".repeat(1_000),
            ".".repeat(300),
            ":".repeat(256)
        );
        let mut segments = Segments::of(&text);
        let run = segments.class(Class::Token, &text, None)[0];
        assert_eq!((run.start, run.end), (0, 1_558));
        assert_eq!((run.digits, run.dots, run.colons), (1_000, 300, 256));
        assert!(run.has_at && run.has_plus);
        let plain = "a".repeat(600);
        let mut segments = Segments::of(&plain);
        let run = segments.class(Class::Token, &plain, None)[0];
        assert_eq!((run.digits, run.dots, run.colons), (0, 0, 0));
        assert!(!run.has_at && !run.has_plus);
    }

    #[test]
    fn windows_keep_qualifying_runs_and_extend_to_char_boundaries() {
        let text = "号0101234567转12 和 55";
        let mut segments = Segments::default();
        let scope = Scope {
            class: Class::Numeric,
            qualifies: |s| s.digits >= 10,
            overhang: 2,
        };
        let mut windows = Vec::new();
        segments.windows(&scope, None, text, &mut windows);
        assert_eq!(windows.len(), 1);
        let w = windows[0];
        assert_eq!(&text[w.start..w.end], "0101234567");
        // Two bytes into `转` round up to its end.
        assert_eq!(&text[w.end..w.hay_end], "转");
        assert_eq!(starts(&whole(text)), 0..text.len());
    }

    /// One scope per class, each keeping some runs and dropping others.
    fn test_scopes() -> [Scope; 3] {
        [
            Scope {
                class: Class::Numeric,
                qualifies: |s| s.digits >= 3,
                overhang: 0,
            },
            Scope {
                class: Class::Token,
                qualifies: |s| s.has_at || s.colons >= 1 || s.digits >= 2,
                overhang: 0,
            },
            Scope {
                class: Class::UpperNum,
                qualifies: |s| s.digits >= 2,
                overhang: 0,
            },
        ]
    }

    #[test]
    fn seeded_cut_keeps_exactly_the_qualifying_runs() {
        let scopes = test_scopes();
        let filler = "no seeds in this stretch of words ";
        // The run before `+44` starts two bytes before a block edge its seed lies after.
        let text = format!(
            "{}  +44 20 7946{filler}a@b 号码 12 (555) 0143{filler}x:y{}",
            "x".repeat(2 * BLOCK - 2),
            "中".repeat(40)
        );
        for scope in scopes {
            let mut all = Vec::new();
            cut(text.as_bytes(), scope.class, None, &mut all);
            all.retain(|s| (scope.qualifies)(s));
            let mut seeded = Vec::new();
            cut(text.as_bytes(), scope.class, Some(&[scope]), &mut seeded);
            assert_eq!(seeded, all, "{:?}", scope.class);
            assert!(!seeded.is_empty());
        }
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one-range focus lists are the point
    fn focused_cut_keeps_exactly_the_runs_meeting_the_focus() {
        let scopes = test_scopes();
        let text = "call +44 20 7946 0958 or a@b.cn, 号码 12 (555) 0143 x:y ID AB12 CD34 \
                    the end 1234567 and 98 76 54";
        let bytes = text.as_bytes();
        let focuses: [&[Range<usize>]; 5] = [
            &[0..1],
            &[10..11, 40..41],
            &[3..30, 29..60],
            &[text.len() - 1..text.len() + 50],
            &[0..text.len()],
        ];
        for scope in scopes {
            let mut all = Vec::new();
            cut(bytes, scope.class, Some(&[scope]), &mut all);
            for focus in focuses {
                let mut segments = Segments::default();
                segments.focus(focus, 3, usize::MAX / 8);
                let near = segments.class(scope.class, text, Some(&[scope])).to_vec();
                let expected: Vec<Segment> = all
                    .iter()
                    .filter(|s| {
                        focus
                            .iter()
                            .any(|f| s.start < f.end + 3 && s.end > f.start.saturating_sub(3))
                    })
                    .copied()
                    .collect();
                assert_eq!(near, expected, "{:?} {focus:?}", scope.class);
            }
        }
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one-range focus lists are the point
    fn a_focus_covering_much_of_the_text_cuts_it_whole() {
        let text = format!("12 34{}56 78", " word".repeat(20));
        let scope = Scope {
            class: Class::Numeric,
            qualifies: |s| s.digits >= 2,
            overhang: 0,
        };
        let mut segments = Segments::default();
        // A few bytes of a long text: only the first run is cut.
        segments.focus(&[0..1], 1, text.len());
        let near = segments.class(Class::Numeric, &text, Some(&[scope])).len();
        assert_eq!(near, 1);
        // Most of the text: every run is.
        segments.focus(&[0..text.len() / 2], 1, text.len());
        let whole = segments.class(Class::Numeric, &text, Some(&[scope])).len();
        assert_eq!(whole, 2);
    }

    #[test]
    fn empty_and_non_ascii_texts_have_no_runs() {
        assert!(Segments::of("").ranges(Class::Token, "").is_empty());
        assert!(
            Segments::of("中文")
                .ranges(Class::Numeric, "中文")
                .is_empty()
        );
    }
}
