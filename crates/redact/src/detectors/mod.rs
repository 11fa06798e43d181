//! The catalogue: the one list of detectors, in priority order (earlier wins ties in overlap
//! resolution, so more specific detectors come first).

mod boundary;
pub mod cn_mobile;
pub mod cn_resident_id;
pub mod email;
pub mod ipv4;
pub mod payment_card;
pub mod phone_e164;

use crate::detector::{Detector, DetectorInfo};

/// One catalogue entry: the description and how to build the detector (compiling its patterns).
pub(crate) struct Entry {
    /// Static description.
    pub info: &'static DetectorInfo,
    /// Compiles the detector.
    pub build: fn() -> Result<Box<dyn Detector>, regex::Error>,
}

/// Every detector, highest priority first. The resident ID precedes the card because 18-digit IDs
/// of some provinces (62, 65, 35…) can also pass Luhn with a card prefix; the Chinese mobile
/// precedes the generic international phone so `+86` numbers are attributed to it.
pub(crate) static CATALOGUE: [Entry; 6] = [
    Entry {
        info: &cn_resident_id::INFO,
        build: cn_resident_id::build,
    },
    Entry {
        info: &payment_card::INFO,
        build: payment_card::build,
    },
    Entry {
        info: &cn_mobile::INFO,
        build: cn_mobile::build,
    },
    Entry {
        info: &phone_e164::INFO,
        build: phone_e164::build,
    },
    Entry {
        info: &email::INFO,
        build: email::build,
    },
    Entry {
        info: &ipv4::INFO,
        build: ipv4::build,
    },
];

/// Descriptions of every detector in the catalogue, in priority order (for `sluice list`).
pub fn catalogue() -> Vec<DetectorInfo> {
    CATALOGUE.iter().map(|entry| *entry.info).collect()
}

/// The description of the detector with this code (for `sluice explain CODE`).
pub fn describe(code: &str) -> Option<DetectorInfo> {
    CATALOGUE
        .iter()
        .find(|entry| entry.info.code == code)
        .map(|entry| *entry.info)
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::Entry;

    /// The substrings of `text` that the detector of `entry` accepts (no folding).
    pub fn found(entry: &Entry, text: &str) -> Vec<String> {
        let detector = (entry.build)().unwrap();
        let mut ranges = Vec::new();
        detector.find(text, &mut ranges);
        ranges.into_iter().map(|r| text[r].to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_every_entry_builds() {
        let codes: BTreeSet<_> = CATALOGUE.iter().map(|e| e.info.code).collect();
        assert_eq!(codes.len(), CATALOGUE.len());
        for entry in &CATALOGUE {
            let detector = (entry.build)().unwrap();
            assert_eq!(detector.info().code, entry.info.code);
            assert!(!entry.info.doc.is_empty() && !entry.info.summary.is_empty());
            assert!(
                entry
                    .info
                    .entity
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
            );
        }
    }

    #[test]
    fn describe_finds_known_codes_only() {
        assert_eq!(describe("email").map(|i| i.entity), Some("EMAIL"));
        assert!(describe("EMAIL").is_none());
        assert_eq!(catalogue().len(), CATALOGUE.len());
    }
}
