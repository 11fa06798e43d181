//! `stripe_key` (SECRET_STRIPE_KEY): Stripe secret and restricted API keys.

use super::boundary::{Resume, glued_to_word};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain stripe_key`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "stripe_key",
    entity: "SECRET_STRIPE_KEY",
    is_secret: true,
    summary: "Stripe secret/restricted keys: sk_/rk_ + test|live|prod + 10-99 chars; whsec_ signing secrets.",
    doc: "Detects Stripe API secrets (gitleaks `stripe-access-token`): secret `sk_` and restricted \
`rk_` keys for `test`, `live` or `prod` followed by 10 to 99 letters/digits, and webhook signing \
secrets `whsec_` + 32 or more chars. Publishable `pk_` keys are public by design and not reported. \
The key must not touch other ASCII letters or digits.\n\
Why it matters: a live secret key moves money.\n\
Example: `sk_live_4eC39HqLyjWDarjtT1zdp7dc` -> `<SECRET_STRIPE_KEY>`.",
};

const PATTERN: &str = "(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99}|whsec_[0-9A-Za-z]{32,}";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    (!glued_to_word(text, &range)).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.letters >= 10,
        accept,
        &["sk_", "rk_", "whsec_"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    #[test]
    fn finds_secret_and_restricted_keys() {
        assert_eq!(
            found_code("stripe_key", "密钥sk_live_4eC39HqLyjWDarjtT1zdp7dc。"),
            vec!["sk_live_4eC39HqLyjWDarjtT1zdp7dc"]
        );
        assert_eq!(
            found_code("stripe_key", "rk_test_51H8abcdEFGH12"),
            vec!["rk_test_51H8abcdEFGH12"]
        );
    }

    #[test]
    fn rejects_publishable_short_and_glued_keys() {
        for text in [
            "pk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "sk_live_short",
            "ask_live_4eC39HqLyjWDarjtT1zdp7dc",
        ] {
            assert!(found_code("stripe_key", text).is_empty(), "{text}");
        }
    }
}
