//! The GB 11643-1999 check character of the 18-char resident identity number (ISO 7064 MOD 11-2).

/// Weights `2^(18−i) mod 11` for positions 1..=17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by the weighted sum mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The check character (`0`–`9` or upper-case `X`) for the first 17 digits, or `None` when
/// `body` is not exactly 17 ASCII digits.
pub fn check_char(body: &[u8]) -> Option<u8> {
    if body.len() != WEIGHTS.len() || !body.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// True when `id` is 17 digits followed by the matching check character (`x` accepted for `X`).
pub fn is_valid(id: &[u8]) -> bool {
    match id.split_last() {
        Some((last, body)) => check_char(body) == Some(last.to_ascii_uppercase()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_example_and_lower_case_x() {
        for ok in [
            "11010519491231002X",
            "11010519491231002x",
            "360426199101010071",
            "44011320141005001x",
            "110101199003074477",
        ] {
            assert!(is_valid(ok.as_bytes()), "{ok}");
        }
    }

    #[test]
    fn rejects_wrong_checks_and_shapes() {
        for bad in [
            "110105194912310021",
            "36042619910102009X",
            "1101051949123100",
            "",
            "11010519491231002Y",
        ] {
            assert!(!is_valid(bad.as_bytes()), "{bad}");
        }
        assert_eq!(check_char(b"1101051949123100a"), None);
    }
}
