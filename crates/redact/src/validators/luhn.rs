//! The Luhn (mod 10) check used by payment cards.

/// True when `digits` (ASCII `0`–`9` only, at least 2) pass the Luhn check: from the right,
/// double every second digit, subtract 9 from results above 9, and the sum is a multiple of 10.
pub fn is_valid(digits: &[u8]) -> bool {
    if digits.len() < 2 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_vectors() {
        for ok in [
            "4111111111111111",
            "6222021234567890128",
            "6228481234567894",
            "79927398713",
        ] {
            assert!(is_valid(ok.as_bytes()), "{ok}");
        }
    }

    #[test]
    fn rejects_wrong_check_digit_and_non_digits() {
        for bad in [
            "6222021234567890127",
            "4111111111111112",
            "79927398710",
            "4111-1111",
            "",
            "0",
        ] {
            assert!(!is_valid(bad.as_bytes()), "{bad}");
        }
    }
}
