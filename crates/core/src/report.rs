//! Per-stage counters that end up in the manifest's funnel.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts one stage produced. Maps are ordered so the manifest is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// Rows the stage received.
    pub rows_in: u64,
    /// Rows it passed on.
    pub rows_out: u64,
    /// Rows removed, by reason code.
    pub removed: BTreeMap<String, u64>,
    /// Rows flagged but kept (warn-severity rules), by code.
    pub flagged: BTreeMap<String, u64>,
    /// Redactions by entity type.
    pub redactions_by_type: BTreeMap<String, u64>,
    /// Redactions by field path.
    pub redactions_by_field: BTreeMap<String, u64>,
    /// Stage-specific counters (e.g. `exact_groups`), by name.
    pub counters: BTreeMap<String, u64>,
}

impl StageReport {
    /// Adds `other`'s counts into `self` (used to fold per-batch reports in batch order).
    pub fn merge(&mut self, other: &StageReport) {
        self.rows_in += other.rows_in;
        self.rows_out += other.rows_out;
        for (into, from) in [
            (&mut self.removed, &other.removed),
            (&mut self.flagged, &other.flagged),
            (&mut self.redactions_by_type, &other.redactions_by_type),
            (&mut self.redactions_by_field, &other.redactions_by_field),
        ] {
            for (k, v) in from {
                *into.entry(k.clone()).or_default() += v;
            }
        }
        // Counters add up, except maxima (`*.max`), which stay maxima across batches.
        for (k, v) in &other.counters {
            let into = self.counters.entry(k.clone()).or_default();
            if k.ends_with(".max") {
                *into = (*into).max(*v);
            } else {
                *into += v;
            }
        }
    }

    /// Total rows removed, whatever the reason.
    pub fn removed_total(&self) -> u64 {
        self.removed.values().sum()
    }

    /// True when every row that came in either went out or was removed with a reason.
    pub fn conserves(&self) -> bool {
        self.rows_in == self.rows_out + self.removed_total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_and_conservation_checks() {
        let mut a = StageReport {
            rows_in: 3,
            rows_out: 2,
            ..Default::default()
        };
        a.removed.insert("DUP_EXACT".into(), 1);
        let mut b = StageReport {
            rows_in: 2,
            rows_out: 1,
            ..Default::default()
        };
        b.removed.insert("DUP_EXACT".into(), 1);
        a.counters.insert("tokens.max".into(), 7);
        a.counters.insert("tokens.total".into(), 7);
        b.counters.insert("tokens.max".into(), 5);
        b.counters.insert("tokens.total".into(), 5);
        a.merge(&b);
        assert_eq!(a.counters["tokens.max"], 7);
        assert_eq!(a.counters["tokens.total"], 12);
        assert_eq!(a.rows_in, 5);
        assert_eq!(a.removed["DUP_EXACT"], 2);
        assert!(a.conserves());
        a.rows_out += 1;
        assert!(!a.conserves());
    }
}
