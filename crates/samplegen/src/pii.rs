//! Synthetic but *valid* sensitive values: Chinese resident ids and mobiles, E.164 phones,
//! emails, Luhn-valid payment cards and IPv4 addresses. Every value passes the checks a good
//! detector applies, so a detector that misses one has a real recall problem.

use crate::calendar::{civil_from_days, compact_date, days_from_civil};
use crate::checksum::{CN_MOBILE_PREFIXES, gb11643_check_char, luhn_check_digit};
use crate::names::Person;
use crate::rng::Rng;
use crate::text::to_full_width;

/// The kind of a planted sensitive value, named as sluice's entity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entity {
    /// An email address.
    Email,
    /// A phone number (Chinese mobile or international E.164).
    Phone,
    /// A Chinese resident identity card number.
    CnResidentId,
    /// A payment card number.
    PaymentCard,
    /// An IPv4 address.
    IpAddress,
    /// A person's name in a structured name field (never in free text).
    Person,
}

impl Entity {
    /// The entity type code, e.g. `CN_RESIDENT_ID`.
    pub fn code(self) -> &'static str {
        match self {
            Entity::Email => "EMAIL",
            Entity::Phone => "PHONE",
            Entity::CnResidentId => "CN_RESIDENT_ID",
            Entity::PaymentCard => "PAYMENT_CARD",
            Entity::IpAddress => "IP_ADDRESS",
            Entity::Person => "PERSON",
        }
    }
}

/// Real GB/T 2260 county-level codes (e.g. 110105 = 北京市朝阳区, 440305 = 深圳市南山区).
pub const ADDRESS_CODES: [&str; 20] = [
    "110101", "110105", "120101", "210102", "230102", "310104", "310115", "320102", "330106",
    "350203", "370202", "420111", "430104", "440106", "440305", "500103", "510104", "530102",
    "610113", "650102",
];

/// A valid 18-char resident id: real address code, real birth date (1950–2005), sequence and
/// MOD 11-2 check character; about half the ids ending in `X` use a lower-case `x`.
pub fn cn_resident_id(rng: &mut Rng) -> String {
    let first = days_from_civil(1950, 1, 1);
    let last = days_from_civil(2005, 12, 31);
    let birth = first + rng.below((last - first + 1) as u64) as i64;
    let mut body = String::with_capacity(18);
    let area = *rng.pick(&ADDRESS_CODES);
    body.push_str(area);
    body.push_str(&compact_date(birth));
    body.push_str(&format!("{:03}", rng.between(1, 999)));
    let check = gb11643_check_char(&body).unwrap_or('0');
    body.push(if check == 'X' && rng.percent(50) {
        'x'
    } else {
        check
    });
    body
}

/// 11 digits with an allocated mobile prefix.
pub fn cn_mobile_digits(rng: &mut Rng) -> String {
    let mut out = rng.pick(&CN_MOBILE_PREFIXES).to_string();
    rng.push_digits(&mut out, 8);
    out
}

/// A Chinese mobile as people write it: mostly bare, sometimes grouped 3-4-4 or with +86.
pub fn cn_mobile(rng: &mut Rng) -> String {
    let d = cn_mobile_digits(rng);
    let (a, b, c) = (&d[..3], &d[3..7], &d[7..]);
    match rng.weighted(&[60, 14, 10, 10, 6]) {
        0 => d,
        1 => format!("{a}-{b}-{c}"),
        2 => format!("{a} {b} {c}"),
        3 => format!("+86 {d}"),
        _ => format!("+86{d}"),
    }
}

/// A Chinese mobile typed with full-width digits, as Chinese input methods sometimes produce.
pub fn cn_mobile_full_width(rng: &mut Rng) -> String {
    to_full_width(&cn_mobile_digits(rng))
}

/// An international number in E.164 form (`+`, country code, subscriber number), mostly
/// compact and sometimes grouped with spaces. UK and AU numbers come from ranges reserved for
/// fiction (07700 900xxx, 0491 570xxx); the others are shaped like real mobile plans.
pub fn intl_phone(rng: &mut Rng) -> String {
    let (country, national) = match rng.below(7) {
        0 => ("44", format!("7700900{}", rng.digits(3))),
        1 => ("61", format!("491570{}", rng.digits(3))),
        2 => {
            let area = rng.pick(&["201", "212", "305", "312", "415", "617", "646", "713"]);
            let exchange = rng.between(2, 9);
            ("1", format!("{area}{exchange}{}", rng.digits(6)))
        }
        3 => (
            "852",
            format!("{}{}", rng.pick(&["5", "6", "9"]), rng.digits(7)),
        ),
        4 => ("65", format!("{}{}", rng.pick(&["8", "9"]), rng.digits(7))),
        5 => (
            "49",
            format!("15{}{}", rng.pick(&["1", "2", "7"]), rng.digits(8)),
        ),
        _ => ("81", format!("90{}", rng.digits(8))),
    };
    if rng.percent(20) {
        format!("+{country} {}", group_national(&national))
    } else {
        format!("+{country}{national}")
    }
}

/// Groups a national number as `3 4 rest` (e.g. `415 2345 678`), a common way of writing it.
fn group_national(national: &str) -> String {
    let (a, rest) = national.split_at(3.min(national.len()));
    let (b, c) = rest.split_at(4.min(rest.len()));
    [a, b, c]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Email domains reserved for documentation (RFC 2606) and subdomains of them.
pub const CUSTOMER_DOMAINS: [&str; 6] = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "shop.example.org",
    "EXAMPLE.COM",
];

/// Email domains for company staff.
pub const STAFF_DOMAINS: [&str; 2] = ["factory.example.com", "plant.example.net"];

/// An address for `person` at one of `domains`: several local-part styles, sometimes
/// plus-addressed, sometimes in capitals (detectors must be case-insensitive).
pub fn email(rng: &mut Rng, person: &Person, domains: &[&str]) -> String {
    let (g, f) = (person.given.as_str(), person.family.as_str());
    let initial = &g[..1];
    let number = rng.between(1, 99);
    let mut local = match rng.below(5) {
        0 => format!("{g}.{f}"),
        1 => format!("{f}{g}"),
        2 => format!("{f}.{g}{number}"),
        3 => format!("{initial}{f}{number}"),
        _ => format!("{g}_{f}"),
    };
    if rng.percent(15) {
        local.push('+');
        let tag = *rng.pick(&["orders", "billing", "cs", "2025"]);
        local.push_str(tag);
    }
    let domain = *rng.pick(domains);
    let address = format!("{local}@{domain}");
    match rng.weighted(&[75, 15, 10]) {
        0 => address,
        1 => capitalise_words(&address),
        _ => address.to_ascii_uppercase(),
    }
}

/// Upper-cases the first letter after every start, `.`, `_` or `@` (`Wei.Zhang@Example.Com`).
fn capitalise_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper_next = true;
    for c in s.chars() {
        out.push(if upper_next {
            c.to_ascii_uppercase()
        } else {
            c
        });
        upper_next = matches!(c, '.' | '_' | '@');
    }
    out
}

/// Card brands with their prefixes and lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBrand {
    /// Visa, `4`, 16 digits.
    Visa,
    /// Mastercard, `51`–`55`, 16 digits.
    Mastercard,
    /// UnionPay, `62`, 16 digits.
    UnionPay16,
    /// UnionPay, `62`, 19 digits (missed by detectors that stop at 17).
    UnionPay19,
    /// American Express, `34`/`37`, 15 digits.
    Amex,
}

/// A Luhn-valid card number of `brand`, digits only.
pub fn card_digits(rng: &mut Rng, brand: CardBrand) -> String {
    let (mut payload, len) = match brand {
        CardBrand::Visa => ("4".to_string(), 16),
        CardBrand::Mastercard => (format!("5{}", rng.between(1, 5)), 16),
        CardBrand::UnionPay16 => (
            format!("62{}", rng.pick(&["2202", "2848", "1700", "5880"])),
            16,
        ),
        CardBrand::UnionPay19 => (
            format!("62{}", rng.pick(&["2202", "2848", "1700", "5880"])),
            19,
        ),
        CardBrand::Amex => (rng.pick(&["34", "37"]).to_string(), 15),
    };
    let missing = len - 1 - payload.len();
    rng.push_digits(&mut payload, missing);
    let check = luhn_check_digit(&payload);
    payload.push(char::from(b'0' + check));
    payload
}

/// A Luhn-valid card as written in text: mostly compact, sometimes grouped by 4 with spaces or
/// hyphens. UnionPay cards make up half, 19-digit ones a fifth.
pub fn payment_card(rng: &mut Rng) -> String {
    let brand = match rng.weighted(&[25, 15, 30, 20, 10]) {
        0 => CardBrand::Visa,
        1 => CardBrand::Mastercard,
        2 => CardBrand::UnionPay16,
        3 => CardBrand::UnionPay19,
        _ => CardBrand::Amex,
    };
    let digits = card_digits(rng, brand);
    match rng.weighted(&[70, 20, 10]) {
        0 => digits,
        1 => group_by_four(&digits, ' '),
        _ => group_by_four(&digits, '-'),
    }
}

/// `1234 5678 9012 3456` (last group shorter when the length is not a multiple of 4).
pub fn group_by_four(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A public IPv4 address from the documentation ranges (RFC 5737), as a customer's address.
pub fn public_ipv4(rng: &mut Rng) -> String {
    let net = rng.pick(&["192.0.2", "198.51.100", "203.0.113"]);
    format!("{net}.{}", rng.between(1, 254))
}

/// A private IPv4 address (RFC 1918), as a PLC or workstation on a plant network.
pub fn private_ipv4(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("192.168.{}.{}", rng.between(0, 20), rng.between(2, 254)),
        1 => format!(
            "10.{}.{}.{}",
            rng.between(0, 40),
            rng.between(0, 255),
            rng.between(2, 254)
        ),
        _ => format!(
            "172.{}.{}.{}",
            rng.between(16, 31),
            rng.between(0, 255),
            rng.between(2, 254)
        ),
    }
}

/// A real birth date inside a resident id, as a day number (for tests).
pub fn birth_days(id: &str) -> Option<i64> {
    let y = id.get(6..10)?.parse().ok()?;
    let m = id.get(10..12)?.parse().ok()?;
    let d = id.get(12..14)?.parse().ok()?;
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::{is_allocated_cn_mobile, is_valid_cn_resident_id, luhn_valid};
    use crate::names::{chinese_person, english_person};
    use crate::text::fold_width;
    use std::net::Ipv4Addr;

    fn digits_of(s: &str) -> String {
        s.chars()
            .map(fold_width)
            .filter(char::is_ascii_digit)
            .collect()
    }

    #[test]
    fn resident_ids_are_fully_valid() {
        let mut rng = Rng::new(11);
        let mut lower_x = 0;
        for _ in 0..2_000 {
            let id = cn_resident_id(&mut rng);
            assert!(is_valid_cn_resident_id(&id), "{id}");
            assert!(birth_days(&id).is_some());
            lower_x += usize::from(id.ends_with('x'));
        }
        assert!(lower_x > 0, "some ids use a lower-case x");
    }

    #[test]
    fn mobiles_have_allocated_prefixes_in_every_format() {
        let mut rng = Rng::new(12);
        for _ in 0..1_000 {
            let written = cn_mobile(&mut rng);
            let digits = digits_of(&written);
            let national = digits
                .strip_prefix("86")
                .filter(|_| written.starts_with('+'));
            assert!(
                is_allocated_cn_mobile(national.unwrap_or(&digits)),
                "{written}"
            );
            let wide = cn_mobile_full_width(&mut rng);
            assert!(wide.chars().all(|c| ('０'..='９').contains(&c)));
            assert!(is_allocated_cn_mobile(&digits_of(&wide)));
        }
    }

    #[test]
    fn intl_phones_are_e164_shaped() {
        let mut rng = Rng::new(13);
        for _ in 0..1_000 {
            let phone = intl_phone(&mut rng);
            assert!(phone.starts_with('+'), "{phone}");
            assert!(phone[1..].chars().all(|c| c.is_ascii_digit() || c == ' '));
            let digits = digits_of(&phone).len();
            assert!((10..=15).contains(&digits), "{phone}");
        }
    }

    #[test]
    fn emails_are_ascii_with_one_at_and_a_reserved_domain() {
        let mut rng = Rng::new(14);
        for i in 0..1_000 {
            let person = if i % 2 == 0 {
                chinese_person(&mut rng)
            } else {
                english_person(&mut rng)
            };
            let address = email(&mut rng, &person, &CUSTOMER_DOMAINS);
            assert!(address.is_ascii());
            let (local, domain) = address.split_once('@').unwrap();
            assert!(!local.is_empty() && !local.contains('@'));
            assert!(
                domain.to_ascii_lowercase().contains("example."),
                "{address}"
            );
        }
    }

    #[test]
    fn cards_pass_luhn_in_every_brand_and_format() {
        let mut rng = Rng::new(15);
        for brand in [
            CardBrand::Visa,
            CardBrand::Mastercard,
            CardBrand::UnionPay16,
            CardBrand::UnionPay19,
            CardBrand::Amex,
        ] {
            let digits = card_digits(&mut rng, brand);
            assert!(luhn_valid(&digits), "{brand:?} {digits}");
        }
        let mut nineteen = 0;
        for _ in 0..1_000 {
            let card = payment_card(&mut rng);
            let digits = digits_of(&card);
            assert!(luhn_valid(&digits), "{card}");
            assert!((15..=19).contains(&digits.len()));
            nineteen += usize::from(digits.len() == 19 && digits.starts_with("62"));
        }
        assert!(
            nineteen > 100,
            "19-digit UnionPay cards are well represented"
        );
        assert_eq!(
            group_by_four("6222021234567890128", ' '),
            "6222 0212 3456 7890 128"
        );
    }

    #[test]
    fn ipv4_addresses_parse() {
        let mut rng = Rng::new(16);
        for _ in 0..1_000 {
            let public: Ipv4Addr = public_ipv4(&mut rng).parse().unwrap();
            assert!(public.is_documentation());
            let private: Ipv4Addr = private_ipv4(&mut rng).parse().unwrap();
            assert!(private.is_private());
        }
    }

    #[test]
    fn entity_codes() {
        assert_eq!(Entity::CnResidentId.code(), "CN_RESIDENT_ID");
        assert_eq!(Entity::IpAddress.code(), "IP_ADDRESS");
    }
}
