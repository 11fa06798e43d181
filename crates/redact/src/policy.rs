//! Actions: what happens to a detected span, and how replacements are written.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// What to do with a detected entity (or with a whole structured column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Replace the span with `<ENTITY>`, e.g. `<EMAIL>`.
    Placeholder,
    /// Keep the last 4 chars of the span and replace the others with `*`.
    Mask,
    /// Set the whole top-level field of the row to null.
    DropField,
    /// Remove the row from the training set (`PII_QUARANTINE`).
    Quarantine,
    /// Replace with `<ENTITY_N>`, numbered per record: the same value gets the same number
    /// everywhere in the record (`<PERSON_1>` … `<PERSON_1>`, `<PERSON_2>`).
    IndexedPlaceholder,
    /// Replace with a keyed pseudonym `<ENTITY_7f3a9c2e>` (HMAC-SHA256): the same value gets the
    /// same token across records, files and runs that use the same key.
    Pseudonym,
    /// Like `pseudonym` but keeping the format where one exists: e-mails become
    /// `u7f3a9c2e@pseudo.invalid`, phones keep length and separators with keyed digits.
    PseudonymFormat,
    /// Delete the span (no marker left).
    Remove,
}

impl Action {
    /// The action's name as written in pipeline files and spans (`drop_field`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Placeholder => "placeholder",
            Action::Mask => "mask",
            Action::DropField => "drop_field",
            Action::Quarantine => "quarantine",
            Action::IndexedPlaceholder => "indexed_placeholder",
            Action::Pseudonym => "pseudonym",
            Action::PseudonymFormat => "pseudonym_format",
            Action::Remove => "remove",
        }
    }

    /// True for the actions that need a pseudonym key.
    pub fn needs_key(self) -> bool {
        matches!(self, Action::Pseudonym | Action::PseudonymFormat)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Chars kept at the end of a masked span.
const MASK_KEEP: usize = 4;
/// The masking char.
const MASK_CHAR: char = '*';

/// The placeholder for an entity type: `EMAIL` → `<EMAIL>`.
pub fn placeholder(entity: &str) -> String {
    format!("<{entity}>")
}

/// `value` with every char but the last four replaced by `*` (`13812345678` → `*******5678`).
/// Spans of four chars or fewer are masked entirely, or the mask would show the whole value.
pub fn mask(value: &str) -> String {
    let total = value.chars().count();
    if total <= MASK_KEEP {
        return MASK_CHAR.to_string().repeat(total);
    }
    let hidden = total - MASK_KEEP;
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < hidden { MASK_CHAR } else { c })
        .collect()
}

/// `original` with each byte range replaced by its text. Ranges must be disjoint and on char
/// boundaries; they are applied right to left so earlier offsets stay valid.
pub fn apply_replacements(original: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut ordered: Vec<&(Range<usize>, String)> = edits.iter().collect();
    ordered.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    // The engine's spans are disjoint and on char boundaries: then the text is built in one
    // pass from the front (splicing from the back moves the tail once per edit).
    let disjoint = ordered
        .windows(2)
        .all(|pair| pair[1].0.end <= pair[0].0.start);
    if disjoint
        && ordered.iter().all(|(range, _)| {
            range.start <= range.end
                && original.is_char_boundary(range.start)
                && original.is_char_boundary(range.end)
        })
    {
        let grown: usize = ordered.iter().map(|(_, r)| r.len()).sum();
        let mut out = String::with_capacity(original.len() + grown);
        let mut at = 0;
        for (range, replacement) in ordered.iter().rev() {
            out.push_str(&original[at..range.start]);
            out.push_str(replacement);
            at = range.end;
        }
        out.push_str(&original[at..]);
        return out;
    }
    let mut out = original.to_owned();
    for (range, replacement) in ordered {
        let valid = range.start <= range.end
            && range.end <= out.len()
            && out.is_char_boundary(range.start)
            && out.is_char_boundary(range.end);
        // Ranges come from the engine and are always valid; a bad one is a bug, never a panic.
        debug_assert!(
            valid,
            "replacement range {range:?} is not on char boundaries"
        );
        if valid {
            out.replace_range(range.clone(), replacement);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for action in [
            Action::Placeholder,
            Action::Mask,
            Action::DropField,
            Action::Quarantine,
            Action::IndexedPlaceholder,
            Action::Pseudonym,
            Action::PseudonymFormat,
            Action::Remove,
        ] {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.name()));
            let back: Action = serde_json::from_str(&json).unwrap();
            assert_eq!(back, action);
        }
        assert!(serde_json::from_str::<Action>("\"DropField\"").is_err());
    }

    #[test]
    fn placeholder_wraps_entity() {
        assert_eq!(placeholder("CN_RESIDENT_ID"), "<CN_RESIDENT_ID>");
    }

    #[test]
    fn mask_keeps_last_four_chars() {
        assert_eq!(mask("13812345678"), "*******5678");
        assert_eq!(mask("１３８１２３４５６７８"), "*******５６７８");
        assert_eq!(mask("1234"), "****");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn replacements_apply_right_to_left_in_any_order() {
        let text = "手机13812345678和a@b.co";
        let phone = text.find("138").unwrap();
        let email = text.find("a@").unwrap();
        let edits = vec![
            (phone..phone + 11, "<PHONE>".to_owned()),
            (email..text.len(), "<EMAIL>".to_owned()),
        ];
        assert_eq!(apply_replacements(text, &edits), "手机<PHONE>和<EMAIL>");
        let reversed: Vec<_> = edits.into_iter().rev().collect();
        assert_eq!(apply_replacements(text, &reversed), "手机<PHONE>和<EMAIL>");
        // Insertions at one point keep their right-to-left order.
        let inserts = vec![(2..2, "A".to_owned()), (2..2, "B".to_owned())];
        assert_eq!(apply_replacements("xyz", &inserts), "xyBAz");
        // Overlapping edits (never from the engine) still splice right to left.
        let overlapping = vec![(1..4, "X".to_owned()), (2..5, "Y".to_owned())];
        assert_eq!(apply_replacements("abcdef", &overlapping), "aX");
    }
}
