//! Text helpers: full-width folding, the normalised dedup key, and the variants that turn a
//! record into a near-identical copy which exact dedup must still catch.

use std::collections::HashSet;

/// Maps a full-width ASCII form (U+FF01–U+FF5E) to ASCII and U+3000 to a space; other chars are
/// returned unchanged. For the characters the samples use this equals NFKC.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// ASCII letters and digits turned into their full-width forms (`１３８`, `ＡＢ`); everything
/// else, punctuation included, is kept.
pub fn to_full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// The text exact dedup compares: width-folded (≈ NFKC), lower-cased, whitespace runs collapsed
/// to one space and trimmed — the pipeline's default `normalize` list.
pub fn normalize_key(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(fold_width)
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How a planted duplicate differs from the row it copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// A byte-identical copy, id included (the same record exported twice).
    Identical,
    /// A new id and time, the same text (a resubmission).
    Resubmitted,
    /// A new id; the key text in ASCII capitals.
    UpperCase,
    /// A new id; every space in the key text doubled.
    DoubledSpaces,
    /// A new id; ASCII letters and digits in the key text written full-width.
    FullWidth,
}

impl Variant {
    /// Every variant, in the order the generator cycles through them.
    pub const ALL: [Variant; 5] = [
        Variant::Identical,
        Variant::Resubmitted,
        Variant::UpperCase,
        Variant::DoubledSpaces,
        Variant::FullWidth,
    ];

    /// Stable name used in the ground truth files.
    pub fn code(self) -> &'static str {
        match self {
            Variant::Identical => "identical",
            Variant::Resubmitted => "resubmitted",
            Variant::UpperCase => "upper_case",
            Variant::DoubledSpaces => "doubled_spaces",
            Variant::FullWidth => "full_width",
        }
    }

    /// True when the copy keeps the original's id.
    pub fn keeps_id(self) -> bool {
        self == Variant::Identical
    }

    /// Applies the variant to one piece of key text. The change is char-local, so applying it
    /// to a planted value gives exactly the substring that appears in the changed text.
    pub fn apply(self, s: &str) -> String {
        match self {
            Variant::Identical | Variant::Resubmitted => s.to_string(),
            Variant::UpperCase => s.to_ascii_uppercase(),
            Variant::DoubledSpaces => s.replace(' ', "  "),
            Variant::FullWidth => to_full_width(s),
        }
    }
}

/// Remembers the normalised keys of the rows written so far, so that the only exact duplicates
/// in a dataset are the planted ones (a template drawing the same values twice is redrawn).
#[derive(Debug, Default)]
pub struct KeyGuard {
    seen: HashSet<u64>,
}

impl KeyGuard {
    /// Records `key` (already normalised); false when it was seen before.
    pub fn insert(&mut self, key: &str) -> bool {
        self.seen.insert(fnv1a64(key.as_bytes()))
    }
}

/// 64-bit FNV-1a: stable, dependency-free, good enough to tell keys apart.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_inverts_full_width() {
        let original = "Call 13812345678, email Li.Na@example.com";
        let wide = to_full_width(original);
        assert_ne!(wide, original);
        assert!(wide.contains('@') && wide.contains('１'));
        let back: String = wide.chars().map(fold_width).collect();
        assert_eq!(back, original);
        assert_eq!(fold_width('，'), ',');
        assert_eq!(fold_width('\u{3000}'), ' ');
        assert_eq!(fold_width('设'), '设');
    }

    #[test]
    fn every_variant_normalises_to_the_original_key() {
        let text = "Order ORD-20250314-000123: 我的手机号是13812345678，请回电 Thanks";
        for variant in Variant::ALL {
            let changed = variant.apply(text);
            assert_eq!(normalize_key(&changed), normalize_key(text), "{variant:?}");
        }
        assert_ne!(Variant::UpperCase.apply(text), text);
        assert_ne!(Variant::DoubledSpaces.apply(text), text);
        assert_ne!(Variant::FullWidth.apply(text), text);
    }

    #[test]
    fn variants_are_char_local() {
        let value = "Li.Na+cs@example.com";
        let text = format!("邮箱 {value} 谢谢");
        for variant in Variant::ALL {
            assert!(
                variant.apply(&text).contains(&variant.apply(value)),
                "{variant:?}"
            );
        }
    }

    #[test]
    fn key_normalisation_keeps_real_differences() {
        assert_ne!(normalize_key("order 123"), normalize_key("order 124"));
        assert_ne!(normalize_key("ab"), normalize_key("a b"));
        assert_eq!(normalize_key("  A\tB  "), "a b");
    }

    #[test]
    fn guard_reports_repeats_only() {
        let mut guard = KeyGuard::default();
        assert!(guard.insert("a"));
        assert!(guard.insert("b"));
        assert!(!guard.insert("a"));
    }
}
