//! The common detector shape: one candidate regex, a stats prefilter and an accept function
//! (neighbour checks, validators, context). Most catalogue entries are one of these.

use super::boundary::{Pattern, Resume, scan_in};
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Scope, Window};
use std::ops::Range;

/// Decides on one candidate range of `text`; may narrow it.
pub(crate) type Accept = fn(&str, Range<usize>) -> Option<Range<usize>>;

/// A detector made of a candidate pattern and an accept function.
pub(crate) struct Simple {
    info: &'static DetectorInfo,
    pattern: Pattern,
    resume: Resume,
    may: fn(&TextStats) -> bool,
    accept: Accept,
    anchors: &'static [&'static str],
    scope: Option<Scope>,
}

impl Simple {
    /// The one constructor the public shapes below share.
    fn build(
        info: &'static DetectorInfo,
        pattern: &str,
        resume: Resume,
        may: fn(&TextStats) -> bool,
        accept: Accept,
        anchors: &'static [&'static str],
        scope: Option<Scope>,
    ) -> Result<Box<dyn Detector>, regex::Error> {
        Ok(Box::new(Simple {
            info,
            pattern: Pattern::new(pattern)?,
            resume,
            may,
            accept,
            anchors,
            scope,
        }))
    }

    /// Compiles `pattern` into a boxed detector.
    pub fn boxed(
        info: &'static DetectorInfo,
        pattern: &str,
        resume: Resume,
        may: fn(&TextStats) -> bool,
        accept: Accept,
    ) -> Result<Box<dyn Detector>, regex::Error> {
        Simple::anchored(info, pattern, resume, may, accept, &[])
    }

    /// Like [`Simple::boxed`], with anchors (see [`Detector::anchors`]).
    pub fn anchored(
        info: &'static DetectorInfo,
        pattern: &str,
        resume: Resume,
        may: fn(&TextStats) -> bool,
        accept: Accept,
        anchors: &'static [&'static str],
    ) -> Result<Box<dyn Detector>, regex::Error> {
        Simple::build(info, pattern, resume, may, accept, anchors, None)
    }

    /// Like [`Simple::boxed`], with a scope (see [`Detector::scope`]): `scope` must hold every
    /// match of `pattern`.
    pub fn scoped(
        info: &'static DetectorInfo,
        pattern: &str,
        resume: Resume,
        may: fn(&TextStats) -> bool,
        accept: Accept,
        scope: Scope,
    ) -> Result<Box<dyn Detector>, regex::Error> {
        Simple::build(info, pattern, resume, may, accept, &[], Some(scope))
    }

    /// Like [`Simple::scoped`], with anchors as well (see [`Detector::anchors`]): the engine
    /// skips the detector without an anchor and then searches only the scope's windows.
    pub fn scoped_anchored(
        info: &'static DetectorInfo,
        pattern: &str,
        resume: Resume,
        may: fn(&TextStats) -> bool,
        accept: Accept,
        scope: Scope,
        anchors: &'static [&'static str],
    ) -> Result<Box<dyn Detector>, regex::Error> {
        Simple::build(info, pattern, resume, may, accept, anchors, Some(scope))
    }
}

impl Detector for Simple {
    fn info(&self) -> &'static DetectorInfo {
        self.info
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        (self.may)(stats)
    }

    fn anchors(&self) -> &'static [&'static str] {
        self.anchors
    }

    fn scope(&self) -> Option<Scope> {
        self.scope
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        let accept = self.accept;
        scan_in(&self.pattern, text, windows, out, self.resume, |range| {
            accept(text, range)
        })
    }
}
