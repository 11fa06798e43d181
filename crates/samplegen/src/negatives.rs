//! Hard negatives: values that look sensitive to a careless detector but are not — order
//! numbers, timestamps, dotted version strings, 18-digit numbers failing the resident-id
//! checksum and card-like numbers failing Luhn. Each is redrawn until the over-eager
//! [`audit`](crate::audit) scanner finds nothing in it, so redacting one is a false positive.

use crate::audit::is_clean;
use crate::calendar::{
    compact_date, compact_timestamp, days_from_civil, epoch_seconds, spaced_timestamp,
};
use crate::checksum::{gb11643_check_char, luhn_check_digit};
use crate::pii::ADDRESS_CODES;
use crate::rng::Rng;

/// The kind of a hard negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NegativeKind {
    /// An order, report or work-order number.
    OrderNumber,
    /// A date-time, separated or compact.
    Timestamp,
    /// A version string, including dotted quads that are not valid addresses.
    Version,
    /// 18 digits with a real province and date but a wrong check character.
    IdChecksumFail,
    /// A 16- or 19-digit number with a card prefix that fails Luhn.
    CardLuhnFail,
}

impl NegativeKind {
    /// Stable name used in the ground truth files.
    pub fn code(self) -> &'static str {
        match self {
            NegativeKind::OrderNumber => "order_number",
            NegativeKind::Timestamp => "timestamp",
            NegativeKind::Version => "version",
            NegativeKind::IdChecksumFail => "id_checksum_fail",
            NegativeKind::CardLuhnFail => "card_luhn_fail",
        }
    }
}

/// Draws with `draw` until the value is clean; gives up after a bounded number of tries (the
/// tests check every committed negative, so a give-up would be caught).
fn clean_draw(rng: &mut Rng, mut draw: impl FnMut(&mut Rng) -> String) -> String {
    let mut value = draw(rng);
    for _ in 0..64 {
        if is_clean(&value) {
            break;
        }
        value = draw(rng);
    }
    value
}

/// A day in 2024–2025.
fn recent_day(rng: &mut Rng) -> i64 {
    days_from_civil(2024, 1, 1) + rng.below(731) as i64
}

/// An order or reference number such as `ORD-20250314-000123`, `SO202503140123` or
/// `RPT2025031400012`.
pub fn order_number(rng: &mut Rng) -> String {
    clean_draw(rng, |rng| {
        let date = compact_date(recent_day(rng));
        match rng.below(4) {
            0 => format!("ORD-{date}-{}", rng.digits(6)),
            1 => format!("SO{date}{}", rng.digits(4)),
            2 => format!("RPT{date}{}", rng.digits(5)),
            _ => format!("WO-{}-{}", &date[..6], rng.digits(5)),
        }
    })
}

/// A timestamp: `2025-03-14 09:30:15`, `2025-03-14T09:30:15+08:00` or `20250314093015`.
pub fn timestamp(rng: &mut Rng) -> String {
    clean_draw(rng, |rng| {
        let seconds = epoch_seconds(2024, 1, 1) + rng.below(731 * 86_400) as i64;
        match rng.below(3) {
            0 => spaced_timestamp(seconds),
            1 => crate::calendar::iso_timestamp(seconds, "+08:00"),
            _ => compact_timestamp(seconds),
        }
    })
}

/// A version string: `v2.3.14`, or a four-part build number whose last part exceeds 255
/// (`2.4.1.1024`) or whose third part does (`10.2.300.7`) — IPv4-shaped, but not an address.
pub fn version(rng: &mut Rng) -> String {
    clean_draw(rng, |rng| match rng.below(3) {
        0 => format!(
            "v{}.{}.{}",
            rng.between(1, 9),
            rng.between(0, 20),
            rng.between(0, 40)
        ),
        1 => format!(
            "{}.{}.{}.{}",
            rng.between(1, 9),
            rng.between(0, 12),
            rng.between(0, 9),
            rng.between(256, 4_999)
        ),
        _ => format!(
            "{}.{}.{}.{}",
            rng.between(1, 12),
            rng.between(0, 9),
            rng.between(256, 999),
            rng.between(0, 99)
        ),
    })
}

/// 18 digits shaped exactly like a resident id (real address code and birth date) whose last
/// digit is not the check character.
pub fn id_checksum_fail(rng: &mut Rng) -> String {
    clean_draw(rng, |rng| {
        let birth = days_from_civil(1950, 1, 1) + rng.below(20_000) as i64;
        let mut body = format!(
            "{}{}{:03}",
            rng.pick(&ADDRESS_CODES),
            compact_date(birth),
            rng.between(1, 999)
        );
        let right = gb11643_check_char(&body).unwrap_or('X');
        let wrong = (0..10)
            .map(|d| char::from(b'0' + d))
            .filter(|c| *c != right)
            .nth(rng.below(9) as usize)
            .unwrap_or('0');
        body.push(wrong);
        body
    })
}

/// A 16-digit (Visa or UnionPay prefix) or 19-digit (UnionPay) number failing Luhn.
pub fn card_luhn_fail(rng: &mut Rng) -> String {
    clean_draw(rng, |rng| {
        let (mut payload, len) = match rng.below(3) {
            0 => ("4".to_string(), 16),
            1 => ("62".to_string(), 16),
            _ => ("62".to_string(), 19),
        };
        let missing = len - 1 - payload.len();
        rng.push_digits(&mut payload, missing);
        let right = luhn_check_digit(&payload);
        let wrong = (right + 1 + rng.below(9) as u8) % 10;
        payload.push(char::from(b'0' + wrong));
        payload
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::{gb11643_checksum_ok, luhn_valid};

    #[test]
    fn every_negative_is_clean() {
        let mut rng = Rng::new(21);
        for _ in 0..2_000 {
            for value in [
                order_number(&mut rng),
                timestamp(&mut rng),
                version(&mut rng),
                id_checksum_fail(&mut rng),
                card_luhn_fail(&mut rng),
            ] {
                assert!(is_clean(&value), "{value}");
            }
        }
    }

    #[test]
    fn id_lookalikes_fail_the_checksum_but_keep_the_shape() {
        let mut rng = Rng::new(22);
        for _ in 0..500 {
            let v = id_checksum_fail(&mut rng);
            assert_eq!(v.len(), 18);
            assert!(!gb11643_checksum_ok(&v), "{v}");
            assert!(ADDRESS_CODES.contains(&&v[..6]));
            assert!(
                crate::pii::birth_days(&v).is_some(),
                "real birth date in {v}"
            );
        }
    }

    #[test]
    fn card_lookalikes_fail_luhn() {
        let mut rng = Rng::new(23);
        for _ in 0..500 {
            let v = card_luhn_fail(&mut rng);
            assert!(v.len() == 16 || v.len() == 19);
            assert!(!luhn_valid(&v), "{v}");
        }
    }

    #[test]
    fn versions_are_not_addresses() {
        let mut rng = Rng::new(24);
        for _ in 0..500 {
            let v = version(&mut rng);
            assert!(v.parse::<std::net::Ipv4Addr>().is_err(), "{v}");
        }
    }
}
