//! `cn_uscc` (CN_USCC): Unified Social Credit Codes of organisations (GB 32100-2015).

use super::boundary::{Resume, glued_to_word};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::ops::Range;

/// Description shown by `sluice explain cn_uscc`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_uscc",
    entity: "CN_USCC",
    is_secret: false,
    summary: "Unified Social Credit Codes (18 chars, GB 32100 check and inner GB 11714 check).",
    doc: "Detects Unified Social Credit Codes (统一社会信用代码): 18 chars over the alphabet \
`0-9A-Y` without I, O, S, V, Z. Position 1 is the registering authority, 2 the category, 3-8 the \
division code (digits), 9-17 the organisation code and 18 the check char. A candidate must pass \
both the GB 32100 MOD 31 check (weights 3^(i-1) mod 31) and the GB 11714 check of the inner \
organisation code, and must not touch other ASCII letters or digits. Authorities `A`, `N`, `Y` are \
accepted (python-stdnum wrongly rejects them).\n\
Why it matters: the code identifies a company; codes starting `92` belong to individual \
businesses (个体工商户), i.e. a natural person.\n\
Example: `统一社会信用代码91110000600037341L` -> `统一社会信用代码<CN_USCC>`.",
};

pub(crate) const PATTERN: &str = "[0-9A-Z]{18,}";
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn value(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// True when `code` (18 bytes) has a valid shape, GB 32100 check and inner organisation check.
pub(crate) fn is_valid(code: &[u8]) -> bool {
    if code.len() != 18
        || !matches!(code[0], b'1'..=b'9' | b'A' | b'N' | b'Y')
        || !code[2..8].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let Some(values) = code.iter().map(|&c| value(c)).collect::<Option<Vec<u32>>>() else {
        return false;
    };
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return false;
    }
    // The inner organisation code (positions 9-17) values letters A=10 … Z=35.
    let org = |c: u8| match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 99,
    };
    let sum: u32 = code[8..16]
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&c, w)| org(c) * w)
        .sum();
    let expected = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    };
    code[16] == expected
}

/// True for an all-digit candidate laid out like a resident ID (province and real birth date):
/// a mistyped ID passes the USCC checks one time in ~341 and must not be called a company code.
fn looks_like_resident_id(code: &[u8]) -> bool {
    use super::cn_resident_id::{known_province, number, real_birth_date};
    code.iter().all(u8::is_ascii_digit)
        && known_province(number(&code[..2]))
        && real_birth_date(
            number(&code[6..10]),
            number(&code[10..12]),
            number(&code[12..14]),
        )
}

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let code = text[range.clone()].as_bytes();
    (!glued_to_word(text, &range) && is_valid(code) && !looks_like_resident_id(code))
        .then_some(range)
}

/// Every match lies in one token run (see `segments`); the condition is necessary for one
/// (positions 3-8 are digits).
const SCOPE: Scope = Scope {
    class: Class::Token,
    qualifies: |s| s.len() >= 18 && s.digits >= 6,
    overhang: 0,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.digits >= 7,
        accept,
        SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        found_code("cn_uscc", text)
    }

    #[test]
    fn accepts_published_vectors_glued_to_han() {
        for code in ["91110000600037341L", "91330100799655058B"] {
            assert_eq!(
                codes(&format!("统一社会信用代码{code}，")),
                vec![code.to_owned()]
            );
        }
    }

    #[test]
    fn rejects_bad_check_charset_and_glued_runs() {
        for text in [
            "91110000600037341N",
            "9111000060003IOZSV",
            "91110000600037341LA",
            "X91110000600037341L",
            "110101199003074477",
            // Passes both USCC checks but is an ID-shaped number (failing the ID checksum).
            "330106200606287720",
        ] {
            assert!(codes(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn inner_organisation_check_is_enforced() {
        // Recompute a code whose outer check passes but whose inner check does not.
        let mut body = b"91110000600037351".to_vec();
        let values: Vec<u32> = body.iter().map(|&c| value(c).unwrap()).collect();
        let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        body.push(ALPHABET[((31 - sum % 31) % 31) as usize]);
        assert!(!is_valid(&body));
    }
}
