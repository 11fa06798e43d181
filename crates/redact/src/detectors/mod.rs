//! The catalogue: the one list of detectors, in priority order (earlier wins ties in overlap
//! resolution, so more specific detectors come first).

pub mod alibaba_access_key_id;
pub mod aws_access_key_id;
pub mod aws_secret_key;
mod boundary;
pub mod cn_landline;
pub mod cn_mobile;
pub mod cn_passport;
pub mod cn_resident_id;
pub mod cn_resident_id_15;
pub mod cn_travel_permit;
pub mod cn_uscc;
pub mod cn_vehicle_plate;
mod context;
pub(crate) mod custom;
pub mod date_of_birth;
pub mod email;
pub mod generic_secret;
pub mod github_token;
pub mod gitlab_token;
pub mod iban;
pub mod ipv4;
pub mod ipv6;
pub mod jwt;
pub mod mac_address;
pub mod payment_card;
pub mod phone_e164;
pub mod phone_national;
pub mod private_key;
pub mod qq_number;
mod runs;
mod simple;
pub mod slack_token;
pub mod stripe_key;
pub mod swift_bic;
pub mod tencent_secret_id;
pub mod url_credentials;
pub mod us_ssn;
pub mod wechat_id;

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
pub(crate) static CATALOGUE: &[Entry] = &[
    Entry {
        info: &private_key::INFO,
        build: private_key::build,
    },
    Entry {
        info: &jwt::INFO,
        build: jwt::build,
    },
    Entry {
        info: &url_credentials::INFO,
        build: url_credentials::build,
    },
    Entry {
        info: &aws_access_key_id::INFO,
        build: aws_access_key_id::build,
    },
    Entry {
        info: &aws_secret_key::INFO,
        build: aws_secret_key::build,
    },
    Entry {
        info: &github_token::INFO,
        build: github_token::build,
    },
    Entry {
        info: &gitlab_token::INFO,
        build: gitlab_token::build,
    },
    Entry {
        info: &slack_token::INFO,
        build: slack_token::build,
    },
    Entry {
        info: &stripe_key::INFO,
        build: stripe_key::build,
    },
    Entry {
        info: &alibaba_access_key_id::INFO,
        build: alibaba_access_key_id::build,
    },
    Entry {
        info: &tencent_secret_id::INFO,
        build: tencent_secret_id::build,
    },
    Entry {
        info: &cn_resident_id::INFO,
        build: cn_resident_id::build,
    },
    Entry {
        info: &cn_resident_id_15::INFO,
        build: cn_resident_id_15::build,
    },
    Entry {
        info: &cn_uscc::INFO,
        build: cn_uscc::build,
    },
    Entry {
        info: &payment_card::INFO,
        build: payment_card::build,
    },
    Entry {
        info: &iban::INFO,
        build: iban::build,
    },
    Entry {
        info: &cn_mobile::INFO,
        build: cn_mobile::build,
    },
    Entry {
        info: &cn_landline::INFO,
        build: cn_landline::build,
    },
    Entry {
        info: &phone_e164::INFO,
        build: phone_e164::build,
    },
    Entry {
        info: &phone_national::INFO,
        build: phone_national::build,
    },
    Entry {
        info: &us_ssn::INFO,
        build: us_ssn::build,
    },
    Entry {
        info: &email::INFO,
        build: email::build,
    },
    Entry {
        info: &ipv6::INFO,
        build: ipv6::build,
    },
    Entry {
        info: &ipv4::INFO,
        build: ipv4::build,
    },
    Entry {
        info: &mac_address::INFO,
        build: mac_address::build,
    },
    Entry {
        info: &cn_vehicle_plate::INFO,
        build: cn_vehicle_plate::build,
    },
    Entry {
        info: &cn_passport::INFO,
        build: cn_passport::build,
    },
    Entry {
        info: &cn_travel_permit::INFO,
        build: cn_travel_permit::build,
    },
    Entry {
        info: &swift_bic::INFO,
        build: swift_bic::build,
    },
    Entry {
        info: &qq_number::INFO,
        build: qq_number::build,
    },
    Entry {
        info: &wechat_id::INFO,
        build: wechat_id::build,
    },
    Entry {
        info: &date_of_birth::INFO,
        build: date_of_birth::build,
    },
    Entry {
        info: &generic_secret::INFO,
        build: generic_secret::build,
    },
];

/// Descriptions of every detector in the catalogue, in priority order (for `sluice list`).
pub fn catalogue() -> Vec<DetectorInfo> {
    CATALOGUE.iter().map(|entry| *entry.info).collect()
}

/// True when a secret detector of the catalogue reports `entity`.
pub(crate) fn is_secret_entity(entity: &str) -> bool {
    CATALOGUE
        .iter()
        .any(|entry| entry.info.is_secret && entry.info.entity == entity)
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

    /// A seeded generator of indexes below `n` (a 64-bit LCG's high bits): test texts that are
    /// the same on every run.
    pub fn indexes(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed;
        move |n| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        }
    }

    /// The substrings of `text` that the detector of `entry` accepts (no folding).
    pub fn found(entry: &Entry, text: &str) -> Vec<String> {
        let detector = (entry.build)().unwrap();
        let mut ranges = Vec::new();
        detector.find(text, &mut ranges);
        ranges.into_iter().map(|r| text[r].to_owned()).collect()
    }

    /// The substrings of `text` that the detector with `code` accepts (no folding).
    pub fn found_code(code: &str, text: &str) -> Vec<String> {
        let entry = super::CATALOGUE
            .iter()
            .find(|e| e.info.code == code)
            .unwrap();
        found(entry, text)
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
        for entry in CATALOGUE {
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
