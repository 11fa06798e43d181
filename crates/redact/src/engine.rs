//! The engine: runs the enabled detectors over one value and resolves overlapping findings.

use crate::RedactError;
use crate::detector::{Detector, Settled, TextStats};
use crate::detectors::CATALOGUE;
use crate::fold::Folded;
use crate::segments::{CLASSES, REACH, Scope, Segments, Window, whole};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::BTreeMap;
use std::ops::Range;

/// The selector that enables the whole catalogue.
pub const DEFAULT_SELECTION: &str = "default";

/// One finding in a value, in byte offsets of the original (unfolded) text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Detection {
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Entity type, e.g. `EMAIL`.
    pub entity: &'static str,
    /// Code of the detector that found it, e.g. `email`.
    pub detector: &'static str,
}

/// A set of compiled detectors, kept in catalogue priority order.
pub struct Engine {
    /// `(catalogue index, detector)`, ascending by index.
    detectors: Vec<(usize, Box<dyn Detector>)>,
    /// An automaton over the anchors of every detector that has some, ASCII-case-insensitive;
    /// `None` when no detector has anchors or it failed to build.
    anchors: Option<AhoCorasick>,
    /// For each anchor pattern: the position in `detectors` of its detector.
    anchor_owner: Vec<usize>,
    /// Leave private, loopback, link-local and other non-public IP addresses unredacted.
    keep_private_ip: bool,
    /// The scopes of the scoped detectors, by class index: segments keep only runs they use.
    scopes: [Vec<Scope>; CLASSES],
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.detectors.iter().map(|(_, d)| d.info().code))
            .finish()
    }
}

impl Engine {
    /// An engine with every detector of the catalogue.
    pub fn all() -> Result<Engine, RedactError> {
        Engine::new(&[DEFAULT_SELECTION])
    }

    /// An engine with the detectors named by `selection`: detector codes, or `default` for the
    /// whole catalogue. Unknown codes are an error; repeats are ignored.
    pub fn new<S: AsRef<str>>(selection: &[S]) -> Result<Engine, RedactError> {
        let mut enabled = vec![false; CATALOGUE.len()];
        for selected in selection {
            let selected = selected.as_ref();
            if selected == DEFAULT_SELECTION {
                enabled.fill(true);
                continue;
            }
            let index = CATALOGUE
                .iter()
                .position(|entry| entry.info.code == selected)
                .ok_or_else(|| RedactError::UnknownDetector {
                    code: selected.to_owned(),
                    known: CATALOGUE
                        .iter()
                        .map(|e| e.info.code)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            enabled[index] = true;
        }
        let mut detectors = Vec::new();
        for (index, entry) in CATALOGUE.iter().enumerate() {
            if enabled[index] {
                let detector = (entry.build)().map_err(|source| RedactError::Pattern {
                    code: entry.info.code,
                    source,
                })?;
                detectors.push((index, detector));
            }
        }
        let mut engine = Engine {
            detectors,
            anchors: None,
            anchor_owner: Vec::new(),
            keep_private_ip: false,
            scopes: Default::default(),
        };
        engine.build_anchors();
        engine.collect_scopes();
        Ok(engine)
    }

    /// (Re)builds the anchor automaton from the detectors' [`Detector::anchors`].
    fn build_anchors(&mut self) {
        let mut patterns: Vec<&str> = Vec::new();
        self.anchor_owner.clear();
        for (position, (_, detector)) in self.detectors.iter().enumerate() {
            for anchor in detector.anchors() {
                patterns.push(anchor);
                self.anchor_owner.push(position);
            }
        }
        // One pass of a DFA reporting every (overlapping) occurrence: the question is only
        // which anchors occur. Tried first: a leftmost search restarted one byte after each hit,
        // split over automata of 32 anchors so each kept its vectorised (Teddy) prefilter, over
        // a lowered copy of the text. Ticket text is full of short anchors (`key`, `auth`,
        // `bic`), so the restarts and three passes cost more than the DFA's one walk (−6 % of
        // the engine's instructions, faster per core on every corpus). A build failure would
        // only cost the prefilter: the engine then runs every detector (correct, just slower).
        self.anchors = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .ascii_case_insensitive(true)
                .build(&patterns)
                .ok()
        };
        if self.anchors.is_none() {
            self.anchor_owner.clear();
        }
    }

    /// (Re)collects the detectors' scopes by class.
    fn collect_scopes(&mut self) {
        self.scopes = Default::default();
        for (_, detector) in &self.detectors {
            if let Some(scope) = detector.scope() {
                self.scopes[scope.class.index()].push(scope);
            }
        }
    }

    /// Per detector position: false when it has anchors and none occurs in `text`.
    fn fired(&self, text: &str) -> Fired {
        let Some(automaton) = &self.anchors else {
            return Fired::new(self.detectors.len(), true);
        };
        let mut fired = Fired::new(self.detectors.len(), false);
        for (position, (_, detector)) in self.detectors.iter().enumerate() {
            if detector.anchors().is_empty() {
                fired.set(position);
            }
        }
        for found in automaton.find_overlapping_iter(text) {
            if let Some(&position) = self.anchor_owner.get(found.pattern().as_usize()) {
                fired.set(position);
            }
        }
        fired
    }

    /// Adds a detector declared in the pipeline file; it ranks after every catalogue detector
    /// (and after those added before it) in overlap resolution.
    pub(crate) fn push_declared(&mut self, detector: Box<dyn Detector>) {
        let priority = CATALOGUE.len() + self.detectors.len();
        self.detectors.push((priority, detector));
        self.build_anchors();
        self.collect_scopes();
    }

    /// Leaves non-public IP addresses (private, loopback, link-local, documentation, reserved;
    /// see the `ipv4` and `ipv6` detectors) unredacted when `keep` is true.
    pub fn set_keep_private_ip(&mut self, keep: bool) {
        self.keep_private_ip = keep;
    }

    /// True when a candidate of detector `code` over `candidate` is dropped by the IP option.
    fn kept_ip(&self, code: &str, candidate: &str) -> bool {
        if !self.keep_private_ip {
            return false;
        }
        match code {
            "ipv4" => candidate
                .parse()
                .is_ok_and(crate::detectors::ipv4::is_non_public),
            "ipv6" => candidate
                .parse()
                .is_ok_and(crate::detectors::ipv6::is_non_public),
            _ => false,
        }
    }

    /// Entity types the enabled detectors report, in priority order without repeats.
    pub fn entities(&self) -> Vec<&'static str> {
        let mut entities: Vec<&'static str> = Vec::new();
        for (_, detector) in &self.detectors {
            let entity = detector.info().entity;
            if !entities.contains(&entity) {
                entities.push(entity);
            }
        }
        entities
    }

    /// Codes of the enabled detectors, in priority order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.detectors.iter().map(|(_, d)| d.info().code).collect()
    }

    /// Every finding in `text` after overlap resolution, sorted by start. Offsets are bytes of
    /// `text` itself, although detectors see it with full-width forms folded to ASCII and
    /// zero-width characters removed.
    ///
    /// Detectors reject candidates glued to digits, and the digits that glue may belong to
    /// another finding (`192.168.1.10．13812345678`: the phone makes the address look like a
    /// five-part run). So after a round with findings, they are blanked out as `<<…>` (the same
    /// neighbours a placeholder leaves) and the text is scanned again until a round finds
    /// nothing. That makes redaction idempotent: redacted text holds nothing left to find.
    ///
    /// Only detectors whose first search did not [settle](Settled) the text search again. A
    /// settled search reported every match of an assertion-free pattern as matched; when each
    /// of those also lies inside the kept findings, the next text holds no match at all. Proof:
    /// say the next text had a match `x` at `s`. The pattern cannot match a blank, so `x` lies
    /// outside every blanked finding, in bytes the first text also had, and without look-around
    /// the pattern matched `x` there as well. The first (leftmost) search reached `s` from the
    /// end of a reported match before `s`; from there it reports the leftmost match, which starts
    /// at or before `s`. That match (the one after the last ending at or before `s`) ends after
    /// `s`, so it covers `s`, and it was blanked: `x` starts on a blank, which it cannot match.
    /// Later texts only lose more bytes to blanks, so the detector stays settled.
    pub fn detect(&self, text: &str) -> Vec<Detection> {
        if self.detectors.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let folded = Folded::new(text);
        // Blanking only removes text, so the first round's stats and anchor hits are a superset
        // of any later round's: every prefilter that passes later passes on them, and running a
        // detector a later prefilter would have skipped finds nothing (its anchors and counts
        // are necessary conditions), so they are computed once.
        let stats = TextStats::of(&folded.text);
        let fired = self.fired(&folded.text);
        // The detectors that search again in later rounds: fired ones that did not settle.
        let mut unsettled = Fired::new(self.detectors.len(), false);
        let mut found = self.detect_round(&folded.text, &stats, &fired, None, Some(&mut unsettled));
        let mut scanned: Vec<u8> = Vec::new();
        let mut fresh = found.len();
        for _ in 1..MAX_ROUNDS {
            if fresh == 0 {
                break;
            }
            if scanned.is_empty() {
                scanned = folded.text.as_bytes().to_vec();
            }
            let blanked = &found[found.len() - fresh..];
            for d in blanked {
                blank_out(&mut scanned, d.range.clone());
            }
            // Blanking replaces whole chars with ASCII, so the bytes stay UTF-8.
            let Ok(text) = std::str::from_utf8(&scanned) else {
                break;
            };
            let round = if unscoped() {
                self.detect_round(text, &TextStats::of(text), &self.fired(text), None, None)
            } else {
                // Only what the last round blanked changed, so scoped detectors rescan only the
                // windows within their reach of it (see `detect_round`).
                let changed: Vec<Range<usize>> = blanked.iter().map(|d| d.range.clone()).collect();
                self.detect_round(text, &stats, &unsettled, Some(&changed), None)
            };
            fresh = round.len();
            found.extend(round);
        }
        found.sort_by_key(|c| c.range.start);
        found
            .into_iter()
            .map(|c| {
                let range = folded.to_original(c.range);
                Detection {
                    start: range.start,
                    end: range.end,
                    entity: c.entity,
                    detector: c.detector,
                }
            })
            .collect()
    }

    /// One pass of every enabled detector over `text`, overlaps resolved, in `text`'s offsets.
    ///
    /// `changed` (ascending, disjoint) holds the spans the previous round blanked out; `None`
    /// for a first round. Then a scoped detector searches only the windows within [`REACH`]
    /// bytes of a changed span (unless its scope has an overhang). That finds everything a full
    /// round finds: windows without overhang are searched independently, and a window farther
    /// away holds the same bytes, with the same bytes around it, as in the previous round, so it
    /// yields the candidates it yielded then, and each of those was kept (and is now blanked,
    /// which no pattern matches) or overlapped a kept one (so it overlaps a changed span, which
    /// the window would then be near).
    ///
    /// With `unsettled`, it gets the detectors (by position) that ran and did not settle the
    /// text: their search did not [settle](Settled), or a match it reported is not wholly
    /// covered by the kept candidates (it lost an overlap, or the IP option dropped it).
    fn detect_round(
        &self,
        text: &str,
        stats: &TextStats,
        fired: &Fired,
        changed: Option<&[Range<usize>]>,
        mut unsettled: Option<&mut Fired>,
    ) -> Vec<Candidate> {
        let mut guard = SCRATCH.with(|cell| cell.take());
        let Scratch {
            segments,
            windows,
            ranges,
            settled_matches,
        } = &mut guard;
        settled_matches.clear();
        match changed {
            // Only windows near a changed span are searched (see below), so only the runs
            // there are cut.
            Some(changed) => segments.focus(changed, REACH, text.len()),
            None => segments.reset(),
        }
        let mut candidates = Vec::new();
        for (position, (priority, detector)) in self.detectors.iter().enumerate() {
            if !fired.get(position) || !detector.may_match(stats) {
                continue;
            }
            ranges.clear();
            let settled = match detector.scope().filter(|_| !cfg!(test) || !unscoped()) {
                Some(scope) => {
                    let keep = &self.scopes[scope.class.index()];
                    segments.windows(&scope, Some(keep), text, windows);
                    // With an overhang a match may run into the next window, so where one window's
                    // search ends decides where the next begins; those detectors rescan all.
                    if let Some(changed) = changed.filter(|_| scope.overhang == 0) {
                        windows.retain(|w| near_changed(changed, w));
                    }
                    if windows.is_empty() {
                        // Scope windows hold every match: there was none to report.
                        Settled::Yes
                    } else {
                        detector.find_in(text, windows, ranges)
                    }
                }
                None => detector.find_in(text, &[whole(text)], ranges),
            };
            if let Some(unsettled) = unsettled.as_deref_mut() {
                match settled {
                    Settled::Yes => {
                        settled_matches.extend(ranges.iter().map(|r| (position, r.clone())));
                    }
                    Settled::No => unsettled.set(position),
                }
            }
            let info = detector.info();
            candidates.extend(
                ranges
                    .drain(..)
                    .filter(|r| !r.is_empty() && r.end <= text.len())
                    .filter(|r| !self.kept_ip(info.code, &text[r.clone()]))
                    .map(|range| Candidate {
                        range,
                        priority: *priority,
                        entity: info.entity,
                        detector: info.code,
                    }),
            );
        }
        let kept = resolve_overlaps(candidates);
        if let Some(unsettled) = unsettled {
            for (position, range) in settled_matches.iter() {
                if !covered(&kept, range) {
                    unsettled.set(*position);
                }
            }
        }
        SCRATCH.with(|cell| cell.set(guard));
        kept
    }
}

/// True when the `kept` candidates (ascending, disjoint) cover every byte of `range`.
fn covered(kept: &[Candidate], range: &Range<usize>) -> bool {
    let mut from = range.start;
    let first = kept.partition_point(|k| k.range.end <= from);
    for k in &kept[first..] {
        if k.range.start > from {
            return false;
        }
        from = k.range.end;
        if from >= range.end {
            return true;
        }
    }
    false
}

/// Buffers a detection round reuses, so scanning a value allocates little.
#[derive(Default)]
struct Scratch {
    segments: Segments,
    windows: Vec<Window>,
    ranges: Vec<Range<usize>>,
    /// `(detector position, match)` of the settled searches, checked against the kept spans.
    settled_matches: Vec<(usize, Range<usize>)>,
}

thread_local! {
    /// This thread's scratch buffers: taken for a round and put back after it (a nested or
    /// panicking round just starts from empty buffers).
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// True when a changed span (of `changed`, ascending and disjoint) lies within [`REACH`] bytes
/// of `window`'s searched text.
fn near_changed(changed: &[Range<usize>], window: &Window) -> bool {
    let from = window.start.saturating_sub(REACH);
    let to = window.hay_end.saturating_add(REACH);
    // The first changed span ending after `from`; it is near when it starts before `to`.
    let first = changed.partition_point(|c| c.end <= from);
    changed.get(first).is_some_and(|c| c.start < to)
}

/// Which detectors (by position in the engine) may run on a text: a bit set, since an engine
/// holds a few dozen detectors.
struct Fired {
    bits: Vec<u64>,
}

impl Fired {
    /// `len` detectors, all set to `value`.
    fn new(len: usize, value: bool) -> Self {
        let fill = if value { u64::MAX } else { 0 };
        Fired {
            bits: vec![fill; len.div_ceil(64)],
        }
    }

    fn get(&self, position: usize) -> bool {
        self.bits
            .get(position / 64)
            .is_some_and(|word| word & (1 << (position % 64)) != 0)
    }

    fn set(&mut self, position: usize) {
        if let Some(word) = self.bits.get_mut(position / 64) {
            *word |= 1 << (position % 64);
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Tests set it to run every detector over the whole text, the reference that scoped
    /// search must reproduce.
    static UNSCOPED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn unscoped() -> bool {
    UNSCOPED.with(std::cell::Cell::get)
}

#[cfg(not(test))]
fn unscoped() -> bool {
    false
}

/// Detection rounds per value. Each round after the first only finds candidates that an earlier
/// finding had glued to; real text needs two at most, the cap bounds adversarial input.
const MAX_ROUNDS: usize = 8;

/// The bytes a finding is blanked out with before the next round: `<` then `>` at its end.
pub(crate) const BLANKS: [u8; 2] = [b'<', b'>'];

/// Overwrites `range` with `<<…>` ([`BLANKS`]): no catalogue pattern matches `<` or `>`, and the
/// neighbours it leaves are what a `<ENTITY>` placeholder leaves.
fn blank_out(bytes: &mut [u8], range: Range<usize>) {
    if let Some(span) = bytes.get_mut(range) {
        span.fill(BLANKS[0]);
        if let Some(last) = span.last_mut() {
            *last = BLANKS[1];
        }
    }
}

/// A finding in folded-text offsets, before overlap resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    range: Range<usize>,
    priority: usize,
    entity: &'static str,
    detector: &'static str,
}

/// Keeps a set of non-overlapping candidates: longer spans first, then lower catalogue index,
/// then earlier start; each is kept unless it overlaps one already kept. The order is total, so
/// the result never depends on the order detectors ran in.
fn resolve_overlaps(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| {
        b.range
            .len()
            .cmp(&a.range.len())
            .then(a.priority.cmp(&b.priority))
            .then(a.range.start.cmp(&b.range.start))
    });
    // Kept spans by start. They are disjoint, so ends ascend with starts and the last span
    // starting before a candidate's end is the only one that can overlap it.
    let mut kept: BTreeMap<usize, Candidate> = BTreeMap::new();
    for candidate in candidates {
        let overlaps = kept
            .range(..candidate.range.end)
            .next_back()
            .is_some_and(|(_, k)| k.range.end > candidate.range.start);
        if !overlaps {
            kept.insert(candidate.range.start, candidate);
        }
    }
    kept.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(engine: &Engine, text: &str) -> Vec<(String, &'static str)> {
        engine
            .detect(text)
            .into_iter()
            .map(|d| (text[d.start..d.end].to_owned(), d.detector))
            .collect()
    }

    fn candidate(range: Range<usize>, priority: usize, detector: &'static str) -> Candidate {
        Candidate {
            range,
            priority,
            entity: "X",
            detector,
        }
    }

    #[test]
    fn longer_span_wins_then_priority_then_start() {
        let resolved = resolve_overlaps(vec![
            candidate(0..5, 0, "short"),
            candidate(2..10, 3, "long"),
            candidate(12..16, 2, "low"),
            candidate(12..16, 1, "high"),
            candidate(20..24, 0, "first"),
            candidate(22..26, 0, "second"),
        ]);
        let picked: Vec<_> = resolved.iter().map(|d| d.detector).collect();
        assert_eq!(picked, vec!["long", "high", "first"]);
        assert_eq!(resolved[0].range, 2..10);
    }

    #[test]
    fn resolution_ignores_input_order() {
        let a = vec![
            candidate(0..4, 1, "a"),
            candidate(2..6, 0, "b"),
            candidate(5..9, 2, "c"),
        ];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(resolve_overlaps(a), resolve_overlaps(b));
    }

    #[test]
    fn finds_han_adjacent_entities_in_one_text() {
        let engine = Engine::all().unwrap();
        let text = "手机13812345678，邮箱zhangsan@example.com，身份证号110101199003074477，卡号4111111111111111";
        assert_eq!(
            found(&engine, text),
            vec![
                ("13812345678".to_owned(), "cn_mobile"),
                ("zhangsan@example.com".to_owned(), "email"),
                ("110101199003074477".to_owned(), "cn_resident_id"),
                ("4111111111111111".to_owned(), "payment_card"),
            ]
        );
    }

    #[test]
    fn plus_86_numbers_go_to_cn_mobile_not_the_generic_phone() {
        let engine = Engine::all().unwrap();
        assert_eq!(
            found(&engine, "+86 138 1234 5678"),
            vec![("+86 138 1234 5678".to_owned(), "cn_mobile")]
        );
        assert_eq!(
            found(&engine, "+1 202 555 0143"),
            vec![("+1 202 555 0143".to_owned(), "phone_e164")]
        );
    }

    #[test]
    fn email_wins_over_the_phone_inside_it() {
        let engine = Engine::all().unwrap();
        assert_eq!(
            found(&engine, "13812345678@qq.com"),
            vec![("13812345678@qq.com".to_owned(), "email")]
        );
    }

    #[test]
    fn resident_id_wins_a_tie_with_a_luhn_valid_card() {
        // A valid Gansu (62) ID that is also Luhn-valid with the UnionPay prefix.
        let id = (0..1000)
            .map(|seq| format!("62010219900101{seq:03}"))
            .find_map(|body| {
                let check = crate::validators::gb11643::check_char(body.as_bytes())?;
                let id = format!("{body}{}", check as char);
                crate::validators::luhn::is_valid(id.as_bytes()).then_some(id)
            })
            .unwrap();
        let engine = Engine::all().unwrap();
        assert_eq!(found(&engine, &id), vec![(id.clone(), "cn_resident_id")]);
    }

    #[test]
    fn full_width_digits_and_signs_are_found_in_original_offsets() {
        let engine = Engine::all().unwrap();
        let text = "手机：１３８１２３４５６７８，邮箱：ＺＨＡＮＧ＠ＱＱ．ＣＯＭ";
        assert_eq!(
            found(&engine, text),
            vec![
                ("１３８１２３４５６７８".to_owned(), "cn_mobile"),
                ("ＺＨＡＮＧ＠ＱＱ．ＣＯＭ".to_owned(), "email"),
            ]
        );
    }

    #[test]
    fn zero_width_chars_inside_numbers_do_not_hide_them() {
        let engine = Engine::all().unwrap();
        let text = "手机138\u{200B}1234\u{200B}5678";
        assert_eq!(
            found(&engine, text),
            vec![("138\u{200B}1234\u{200B}5678".to_owned(), "cn_mobile")]
        );
    }

    #[test]
    fn a_finding_that_glued_a_neighbour_frees_it_in_the_next_round() {
        let engine = Engine::all().unwrap();
        assert_eq!(
            found(&engine, "192.168.1.10．13812345678"),
            vec![
                ("192.168.1.10".to_owned(), "ipv4"),
                ("13812345678".to_owned(), "cn_mobile"),
            ]
        );
        // Genuinely glued digits stay rejected: nothing here is a finding.
        assert!(engine.detect("1.2.3.4.5 138123456789").is_empty());
    }

    #[test]
    fn a_detector_that_sees_around_its_matches_searches_again() {
        // `\\b` sees the blanked phone number: `ZZ` is glued to its digits in the first round
        // and stands alone in the second, so only a search that did not settle finds it.
        let text = "手机13812345678ZZ";
        for (pattern, expected) in [("\\bZZ", 1), ("\\bZZ\\b", 1), ("\\bYY", 0)] {
            let mut engine = Engine::new(&["cn_mobile"]).unwrap();
            let info = crate::detectors::custom::leak_info("zz", "ZZ", String::new());
            let custom = crate::detectors::custom::custom_regex(info, pattern).unwrap();
            engine.push_declared(custom);
            let zz = engine
                .detect(text)
                .iter()
                .filter(|d| d.detector == "zz")
                .count();
            assert_eq!(zz, expected, "{pattern}");
        }
    }

    #[test]
    fn covered_needs_every_byte_under_kept_candidates() {
        let kept = vec![
            candidate(0..4, 0, "a"),
            candidate(4..8, 0, "b"),
            candidate(10..12, 0, "c"),
        ];
        assert!(covered(&kept, &(1..7)));
        assert!(covered(&kept, &(10..12)));
        assert!(!covered(&kept, &(6..11)));
        assert!(!covered(&kept, &(12..13)));
        assert!(!covered(&[], &(0..1)));
    }

    #[test]
    fn blanking_keeps_length_and_leaves_placeholder_like_edges() {
        let mut bytes = b"ab1234cd".to_vec();
        blank_out(&mut bytes, 2..6);
        assert_eq!(bytes, b"ab<<<>cd");
        blank_out(&mut bytes, 6..20);
        assert_eq!(bytes, b"ab<<<>cd");
    }

    #[test]
    fn selection_enables_only_named_detectors() {
        let engine = Engine::new(&["email"]).unwrap();
        assert_eq!(engine.codes(), vec!["email"]);
        assert!(engine.detect("手机13812345678").is_empty());
        assert_eq!(Engine::all().unwrap().codes().len(), CATALOGUE.len());
        let err = Engine::new(&["email", "bogus"]).unwrap_err();
        assert!(err.to_string().contains("`bogus`"));
        assert!(
            Engine::new::<&str>(&[])
                .unwrap()
                .detect("a@b.co")
                .is_empty()
        );
    }

    #[test]
    fn anchors_gate_detectors_case_insensitively() {
        let engine = Engine::all().unwrap();
        let position = |code: &str| engine.codes().iter().position(|c| *c == code).unwrap();
        let fired = engine.fired("加qq 123456789");
        assert!(fired.get(position("qq_number")));
        assert!(!fired.get(position("cn_passport")) && !fired.get(position("jwt")));
        // Unanchored detectors always run.
        assert!(fired.get(position("cn_mobile")) && fired.get(position("email")));
        let fired = engine.fired("PASSPORT E12345678 and GHP_");
        assert!(fired.get(position("cn_passport")) && fired.get(position("github_token")));
        assert_eq!(
            found(&engine, "加QQ 123456789"),
            vec![("123456789".to_owned(), "qq_number")]
        );
        assert!(engine.detect("号码123456789").is_empty());
    }

    /// Random texts built from fragments that make detectors fire, glue and split.
    fn random_texts(count: usize) -> Vec<String> {
        const FRAGMENTS: &[&str] = &[
            "1",
            "23",
            "456",
            "7890",
            "138",
            "4111",
            "6222",
            "0",
            "86",
            "+",
            "+44 ",
            "+86",
            "00",
            " ",
            " ",
            "-",
            ".",
            "..",
            ":",
            "::",
            "@",
            "a",
            "Z",
            "x",
            "X",
            "ext. ",
            "转",
            "手机",
            "卡号",
            "身份证",
            "，",
            "。",
            "１２",
            "３",
            "＠",
            "\u{200B}",
            "(",
            ")",
            "(0)",
            "GB",
            "DE89",
            "ab",
            "example.com",
            "zhang",
            "10.0.0.",
            "192.168.",
            "fe80",
            "2001:db8",
            "AA:BB",
            "-CC",
            "\n",
            "\t",
            "年",
            "月",
            "京A",
            "Visa ",
            "card ",
            "qq",
            "v",
            "1101051949123100",
            "2X",
            "91350100M000100Y4",
            "3",
            "Tel",
            "555",
            "0143",
            "010-",
            // Long seedless stretches, so the segment cut skips whole blocks between seeds.
            "The customer asked for a refund and ",
            "客户反映昨天下午在门店购买的商品存在质量问题",
            "version ",
            "SSN ",
            // Assignments for `generic_secret`, which reports only the values of its matches.
            "api_key",
            "password",
            "密码",
            " = ",
            "=",
            ":=",
            "：",
            "'",
            "Xk9#mQ2$vL7pWz4",
            "q8Wv2LmZ7xR4tY1uPo9s",
            ",",
        ];
        let mut next = crate::detectors::test_util::indexes(0x5eed);
        (0..count)
            .map(|_| {
                let len = 1 + next(40);
                (0..len).map(|_| FRAGMENTS[next(FRAGMENTS.len())]).collect()
            })
            .collect()
    }

    #[test]
    fn scoped_search_finds_exactly_what_a_whole_text_scan_finds() {
        let engine = Engine::all().unwrap();
        let mut findings = 0;
        for text in random_texts(30_000) {
            let scoped = engine.detect(&text);
            UNSCOPED.with(|u| u.set(true));
            let whole = engine.detect(&text);
            UNSCOPED.with(|u| u.set(false));
            assert_eq!(scoped, whole, "{text:?}");
            findings += whole.len();
        }
        // The corpus must exercise the detectors, or the comparison proves nothing.
        assert!(findings > 3_000, "{findings}");
    }

    #[test]
    fn private_ips_are_kept_only_when_asked() {
        let mut engine = Engine::all().unwrap();
        let text = "内网192.168.1.10，公网8.8.8.8，本机127.0.0.1，v6 fe80::1 和 2400:cb00::1";
        let all: Vec<_> = found(&engine, text).into_iter().map(|(v, _)| v).collect();
        assert_eq!(
            all,
            vec![
                "192.168.1.10",
                "8.8.8.8",
                "127.0.0.1",
                "fe80::1",
                "2400:cb00::1"
            ]
        );
        engine.set_keep_private_ip(true);
        let public: Vec<_> = found(&engine, text).into_iter().map(|(v, _)| v).collect();
        assert_eq!(public, vec!["8.8.8.8", "2400:cb00::1"]);
    }

    #[test]
    fn text_without_candidates_yields_nothing() {
        let engine = Engine::all().unwrap();
        for text in ["", "今天天气很好", "order 12345", "price 3.14 and 2.5"] {
            assert!(engine.detect(text).is_empty(), "{text}");
        }
    }
}
