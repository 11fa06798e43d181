//! A deliberately over-eager scanner for anything that looks sensitive: digit runs that pass
//! Luhn, the resident-id checksum or look like a Chinese mobile, `@`, `+` before a digit, and
//! dotted quads of octets. Hard negatives are drawn until this finds nothing in them, and the
//! tests run it over every free-text field with the planted values cut out — so the ground
//! truth lists *every* sensitive-looking value in the samples, not just most of them.

use crate::checksum::{gb11643_checksum_ok, luhn_valid};
use crate::text::fold_width;

/// What a suspicious span looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspicion {
    /// 12–19 digits that pass Luhn.
    CardLike,
    /// 11 digits `1[3-9]…`.
    MobileLike,
    /// 18 chars that pass the GB 11643 checksum.
    ResidentIdLike,
    /// An `@` (ASCII or full-width).
    EmailLike,
    /// A `+` directly before a digit.
    E164Like,
    /// Four dot-separated numbers of 1–3 digits, each at most 255.
    Ipv4Like,
}

/// Every suspicion in `text`, possibly overlapping, in no particular order.
pub fn scan(text: &str) -> Vec<Suspicion> {
    let chars: Vec<char> = text.chars().map(fold_width).collect();
    let mut found = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '@' => found.push(Suspicion::EmailLike),
            '+' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                found.push(Suspicion::E164Like);
            }
            _ => {}
        }
    }
    scan_digit_runs(&chars, &mut found);
    scan_dotted_quads(&chars, &mut found);
    found
}

/// True when [`scan`] finds nothing.
pub fn is_clean(text: &str) -> bool {
    scan(text).is_empty()
}

/// Digit groups joined by single spaces or hyphens form a run; every contiguous sub-run of
/// groups is checked, since detectors accept grouped numbers and separators may also just be
/// ordinary punctuation between two numbers.
fn scan_digit_runs(chars: &[char], found: &mut Vec<Suspicion>) {
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut groups: Vec<String> = Vec::new();
        loop {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            groups.push(chars[start..i].iter().collect());
            let joins = i + 1 < chars.len()
                && matches!(chars[i], ' ' | '-')
                && chars[i + 1].is_ascii_digit();
            if !joins {
                break;
            }
            i += 1;
        }
        let x_follows = chars.get(i).is_some_and(|c| matches!(c, 'X' | 'x'));
        check_groups(&groups, x_follows, found);
    }
}

fn check_groups(groups: &[String], x_follows: bool, found: &mut Vec<Suspicion>) {
    for first in 0..groups.len() {
        let mut joined = String::new();
        for (last, group) in groups.iter().enumerate().skip(first) {
            joined.push_str(group);
            let n = joined.len();
            if (12..=19).contains(&n) && luhn_valid(&joined) {
                found.push(Suspicion::CardLike);
            }
            if n == 11 && joined.starts_with('1') && joined.as_bytes()[1] >= b'3' {
                found.push(Suspicion::MobileLike);
            }
            if n == 18 && gb11643_checksum_ok(&joined) {
                found.push(Suspicion::ResidentIdLike);
            }
            if n == 17
                && last + 1 == groups.len()
                && x_follows
                && gb11643_checksum_ok(&format!("{joined}X"))
            {
                found.push(Suspicion::ResidentIdLike);
            }
        }
    }
}

/// Maximal runs of digits and dots; any four consecutive parts that are all octets count.
fn scan_dotted_quads(chars: &[char], found: &mut Vec<Suspicion>) {
    let mut i = 0;
    while i < chars.len() {
        if !(chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        let parts: Vec<&str> = token.split('.').collect();
        let is_octet =
            |p: &&str| (1..=3).contains(&p.len()) && p.parse::<u16>().is_ok_and(|v| v <= 255);
        if parts.windows(4).any(|w| w.iter().all(is_octet)) {
            found.push(Suspicion::Ipv4Like);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_kind() {
        assert_eq!(scan("卡号4111111111111111"), [Suspicion::CardLike]);
        assert_eq!(scan("手机13812345678，"), [Suspicion::MobileLike]);
        assert_eq!(scan("手机１３８１２３４５６７８"), [Suspicion::MobileLike]);
        assert!(scan("身份证号11010519491231002X").contains(&Suspicion::ResidentIdLike));
        assert!(scan("身份证号110101199003074477").contains(&Suspicion::ResidentIdLike));
        assert_eq!(scan("邮箱zhangsan@example.com"), [Suspicion::EmailLike]);
        assert_eq!(scan("call +447700900123"), [Suspicion::E164Like]);
        assert_eq!(scan("PLC 192.168.1.20 down"), [Suspicion::Ipv4Like]);
    }

    #[test]
    fn finds_grouped_numbers() {
        assert!(scan("6222 0212 3456 7890 128").contains(&Suspicion::CardLike));
        assert!(scan("138-1234-5678").contains(&Suspicion::MobileLike));
        assert!(scan("+86 138 1234 5678").contains(&Suspicion::MobileLike));
        // Order numbers are checked too: these groups join to 14 Luhn-valid digits.
        assert_eq!(scan("ORD-20250314-000123"), [Suspicion::CardLike]);
    }

    #[test]
    fn ignores_lookalikes() {
        for clean in [
            "订单ORD-20250314-000124已发货",
            "版本2.4.1.1024，时间2025-03-14 09:30:15",
            "金额3500.00元，温度85℃",
            "4111111111111112",
            "110105194912310021 不是身份证",
            "192.168.1.300",
            "v2.3.14",
            "12345678901",
        ] {
            assert!(is_clean(clean), "{clean}: {:?}", scan(clean));
        }
    }
}
