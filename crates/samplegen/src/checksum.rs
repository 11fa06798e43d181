//! Validators for the planted identifiers: Luhn (payment cards), GB 11643 MOD 11-2 (Chinese
//! resident ids) and the allocated Chinese mobile prefixes (research notes §1.2, §1.3).

use crate::calendar::is_real_date;

/// True when `digits` (ASCII digits only, at least 2) passes the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    digits.len() >= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits, false).is_multiple_of(10)
}

/// The digit that makes `payload` followed by it Luhn-valid.
pub fn luhn_check_digit(payload: &str) -> u8 {
    ((10 - luhn_sum(payload, true) % 10) % 10) as u8
}

/// Luhn sum; `payload_only` means a check digit will still be appended (so the rightmost
/// payload digit is doubled).
fn luhn_sum(digits: &str, payload_only: bool) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            let doubled = (i % 2 == 1) != payload_only;
            match (doubled, d * 2) {
                (true, x) if x > 9 => x - 9,
                (true, x) => x,
                (false, _) => d,
            }
        })
        .sum()
}

/// GB 11643 weights `2^(18-i) mod 11` for positions 1..=17.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check characters indexed by the weighted sum mod 11.
const ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The check character of an 18-char resident id whose first 17 chars are `body`
/// (`None` unless `body` is exactly 17 ASCII digits).
pub fn gb11643_check_char(body: &str) -> Option<char> {
    if body.len() != 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(ID_CHECK_CHARS[(sum % 11) as usize]))
}

/// True when `id` is 17 digits plus the right MOD 11-2 check character (`x` accepted).
pub fn gb11643_checksum_ok(id: &str) -> bool {
    let (Some(body), Some(last)) = (id.get(..17), id.get(17..)) else {
        return false;
    };
    last.len() == 1
        && gb11643_check_char(body).is_some_and(|c| {
            last.chars()
                .next()
                .is_some_and(|l| l.to_ascii_uppercase() == c)
        })
}

/// Province-level prefixes in use (GB/T 2260 plus 71/81/82/83 for Taiwan, Hong Kong, Macau).
pub const PROVINCE_PREFIXES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

/// Full validity: checksum, a real province prefix and a real birth date from 1880 on.
pub fn is_valid_cn_resident_id(id: &str) -> bool {
    if !gb11643_checksum_ok(id) {
        return false;
    }
    let field = |range: std::ops::Range<usize>| id.get(range).and_then(|s| s.parse::<u32>().ok());
    let province_ok = id.get(..2).is_some_and(|p| PROVINCE_PREFIXES.contains(&p));
    match (field(6..10), field(10..12), field(12..14)) {
        (Some(y), Some(m), Some(d)) => province_ok && y >= 1880 && is_real_date(i64::from(y), m, d),
        _ => false,
    }
}

/// Allocated Chinese mobile prefixes (research notes §1.2, from MIIT/ITU updates).
pub const CN_MOBILE_PREFIXES: [u16; 53] = [
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 145, 147, 149, 150, 151, 152, 153, 155, 156,
    157, 158, 159, 162, 165, 166, 167, 170, 171, 172, 173, 175, 176, 177, 178, 180, 181, 182, 183,
    184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 195, 196, 197, 198, 199,
];

/// True for 11 ASCII digits with an allocated mobile prefix.
pub fn is_allocated_cn_mobile(digits: &str) -> bool {
    digits.len() == 11
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits
            .get(..3)
            .and_then(|p| p.parse::<u16>().ok())
            .is_some_and(|p| CN_MOBILE_PREFIXES.contains(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_reference_vectors() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("6222021234567890128"));
        assert!(luhn_valid("6228481234567894"));
        assert!(!luhn_valid("6222021234567890127"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(
            !luhn_valid("4111 1111 1111 1111"),
            "separators are the caller's job"
        );
        assert!(!luhn_valid("0"));
    }

    #[test]
    fn luhn_check_digit_completes_payloads() {
        assert_eq!(luhn_check_digit("411111111111111"), 1);
        assert_eq!(luhn_check_digit("622202123456789012"), 8);
        for payload in ["7992739871", "62220212345678901", "3400000000000"] {
            let full = format!("{payload}{}", luhn_check_digit(payload));
            assert!(luhn_valid(&full), "{full}");
        }
    }

    #[test]
    fn resident_id_reference_vectors() {
        for valid in [
            "11010519491231002X",
            "360426199101010071",
            "44011320141005001x",
            "440524188001010014",
            "110101199003074477",
        ] {
            assert!(is_valid_cn_resident_id(valid), "{valid}");
        }
        for invalid in [
            "110105194912310021",
            "11010519491331002X",
            "36042619910102009X",
            "990426199112010074",
            "11010519491231002",
            "1101051949123100XX",
        ] {
            assert!(!is_valid_cn_resident_id(invalid), "{invalid}");
        }
        assert!(
            gb11643_checksum_ok("990426199112010074"),
            "checksum alone passes"
        );
        assert_eq!(gb11643_check_char("11010519491231002"), Some('X'));
        assert_eq!(gb11643_check_char("1101051949123100"), None);
    }

    #[test]
    fn mobile_prefixes() {
        assert!(is_allocated_cn_mobile("13812345678"));
        assert!(is_allocated_cn_mobile("19912345678"));
        assert!(!is_allocated_cn_mobile("14012345678"));
        assert!(!is_allocated_cn_mobile("17912345678"));
        assert!(!is_allocated_cn_mobile("1381234567"));
        assert!(!is_allocated_cn_mobile("1381234567a"));
        assert!(CN_MOBILE_PREFIXES.windows(2).all(|w| w[0] < w[1]));
    }
}
