//! The tag step of exact deduplication: one sha256 per row over its normalised key fields.
//!
//! The hashed bytes are an unambiguous encoding of the key: each field starts with U+001F and a
//! kind marker (so null, empty text and an absent column differ), every value is length-prefixed
//! (so no text can forge a field boundary), and nested values contribute each string leaf with its
//! path and list position (so `role` and `content`, or turn 0 and turn 1, cannot be confused).

use crate::normalize::Normalizer;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::util::display::array_value_to_string;
use sha2::{Digest, Sha256};
use sluice_core::CoreError;
use sluice_core::FieldPath;
use sluice_core::strings::visit_strings;

/// A row's exact-dedup key digest.
pub type KeyDigest = [u8; 32];

const FIELD_SEPARATOR: u8 = 0x1F;

/// What a key field held in a row; the marker byte goes into the hash.
#[derive(Clone, Copy)]
#[repr(u8)]
enum FieldKind {
    Null = b'N',
    Absent = b'A',
    Text = b'S',
    Int = b'I',
    Float = b'F',
    Bool = b'B',
    Nested = b'L',
    OtherScalar = b'O',
}

fn kind_of(data_type: &DataType) -> FieldKind {
    match data_type {
        DataType::Utf8 => FieldKind::Text,
        DataType::Int64 => FieldKind::Int,
        DataType::Float64 => FieldKind::Float,
        DataType::Boolean => FieldKind::Bool,
        DataType::List(_) | DataType::Struct(_) => FieldKind::Nested,
        _ => FieldKind::OtherScalar,
    }
}

fn write_bytes(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// Computes each row's key digest over `fields` of `data`, in row order. Rows whose key fields are
/// all null (or absent) get `None`.
pub fn row_keys(
    data: &RecordBatch,
    fields: &[String],
    normalizer: &Normalizer,
) -> Result<Vec<Option<KeyDigest>>, CoreError> {
    row_keys_with(data, fields, normalizer, &mut |_, _| {})
}

/// [`row_keys`], also handing every normalised text value of the key fields to `on_text` with its
/// row, in field then value order (so near dedup shingles the text normalised once, here).
pub fn row_keys_with(
    data: &RecordBatch,
    fields: &[String],
    normalizer: &Normalizer,
    on_text: &mut dyn FnMut(usize, &str),
) -> Result<Vec<Option<KeyDigest>>, CoreError> {
    let rows = data.num_rows();
    let mut hashers: Vec<Sha256> = (0..rows).map(|_| Sha256::new()).collect();
    let mut has_value = vec![false; rows];
    let (mut normalized, mut scratch) = (String::new(), String::new());

    for name in fields {
        let Some(column) = data.column_by_name(name) else {
            for hasher in &mut hashers {
                hasher.update([FIELD_SEPARATOR, FieldKind::Absent as u8]);
            }
            continue;
        };
        let kind = kind_of(column.data_type());
        for (row, hasher) in hashers.iter_mut().enumerate() {
            if column.is_null(row) {
                hasher.update([FIELD_SEPARATOR, FieldKind::Null as u8]);
            } else {
                hasher.update([FIELD_SEPARATOR, kind as u8]);
                has_value[row] = true;
            }
        }
        match kind {
            FieldKind::Text | FieldKind::Nested => {
                visit_strings(
                    column.as_ref(),
                    &FieldPath::root(name),
                    &mut |site, text| {
                        normalizer.apply_into(text, &mut normalized, &mut scratch);
                        let hasher = &mut hashers[site.row];
                        write_bytes(hasher, site.path.as_str().as_bytes());
                        hasher.update(site.element.to_le_bytes());
                        write_bytes(hasher, normalized.as_bytes());
                        on_text(site.row, &normalized);
                    },
                );
            }
            FieldKind::Int => {
                let values = column.as_primitive::<Int64Type>();
                for (row, value) in values.iter().enumerate() {
                    if let Some(v) = value {
                        write_bytes(&mut hashers[row], v.to_string().as_bytes());
                    }
                }
            }
            FieldKind::Float => {
                let values = column.as_primitive::<Float64Type>();
                for (row, value) in values.iter().enumerate() {
                    if let Some(v) = value {
                        write_bytes(&mut hashers[row], v.to_string().as_bytes());
                    }
                }
            }
            FieldKind::Bool => {
                let values = column.as_boolean();
                for (row, value) in values.iter().enumerate() {
                    if let Some(v) = value {
                        write_bytes(&mut hashers[row], if v { b"true" } else { b"false" });
                    }
                }
            }
            FieldKind::OtherScalar => {
                for (row, hasher) in hashers.iter_mut().enumerate() {
                    if column.is_valid(row) {
                        let text = array_value_to_string(column.as_ref(), row)?;
                        write_bytes(hasher, text.as_bytes());
                    }
                }
            }
            FieldKind::Null | FieldKind::Absent => {}
        }
    }

    Ok(hashers
        .into_iter()
        .zip(has_value)
        .map(|(hasher, has_value)| has_value.then(|| hasher.finalize().into()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalization;
    use arrow::json::ReaderBuilder;
    use sluice_core::{FieldSpec, FieldType, TargetSchema};

    fn schema(fields: &[(&str, FieldType)]) -> TargetSchema {
        TargetSchema {
            fields: fields
                .iter()
                .map(|(name, ty)| FieldSpec {
                    name: (*name).to_owned(),
                    source: (*name).to_owned(),
                    ty: ty.clone(),
                    required: false,
                })
                .collect(),
        }
    }

    fn batch(schema: &TargetSchema, rows: &[serde_json::Value]) -> RecordBatch {
        let mut decoder = ReaderBuilder::new(schema.arrow_schema())
            .build_decoder()
            .unwrap();
        decoder.serialize(rows).unwrap();
        decoder.flush().unwrap().unwrap()
    }

    fn keys(
        schema: &TargetSchema,
        fields: &[&str],
        rows: &[serde_json::Value],
    ) -> Vec<Option<KeyDigest>> {
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        let normalizer = Normalizer::new(&Normalization::defaults());
        row_keys(&batch(schema, rows), &fields, &normalizer).unwrap()
    }

    #[test]
    fn null_empty_and_absent_differ() {
        let s = schema(&[("a", FieldType::String), ("b", FieldType::String)]);
        let rows = [
            serde_json::json!({"a": null, "b": "x"}),
            serde_json::json!({"a": "", "b": "x"}),
        ];
        let k = keys(&s, &["a", "b"], &rows);
        assert_ne!(k[0], k[1]);
        let absent = keys(&s, &["zzz", "b"], &rows[..1]);
        assert_ne!(absent[0], k[0]);
        assert!(absent[0].is_some());
    }

    #[test]
    fn all_null_key_gives_none() {
        let s = schema(&[("a", FieldType::String), ("n", FieldType::Int64)]);
        let rows = [
            serde_json::json!({"a": null, "n": null}),
            serde_json::json!({"a": null, "n": 0}),
        ];
        let k = keys(&s, &["a", "n"], &rows);
        assert!(k[0].is_none());
        assert!(k[1].is_some());
    }

    #[test]
    fn field_boundaries_cannot_be_forged() {
        let s = schema(&[("a", FieldType::String), ("b", FieldType::String)]);
        let rows = [
            serde_json::json!({"a": "ab", "b": "c"}),
            serde_json::json!({"a": "a", "b": "bc"}),
            serde_json::json!({"a": "a\u{1f}S", "b": "c"}),
        ];
        let k = keys(&s, &["a", "b"], &rows);
        assert_ne!(k[0], k[1]);
        assert_ne!(k[1], k[2]);
    }

    #[test]
    fn scalars_use_canonical_text() {
        let s = schema(&[
            ("n", FieldType::Int64),
            ("x", FieldType::Float64),
            ("f", FieldType::Bool),
            ("t", FieldType::String),
        ]);
        let rows = [
            serde_json::json!({"n": 7, "x": 1.5, "f": true}),
            serde_json::json!({"n": 7, "x": 1.5, "f": true}),
            serde_json::json!({"n": 7, "x": 1.5, "f": false}),
            serde_json::json!({"n": 8, "x": 1.5, "f": true}),
        ];
        let k = keys(&s, &["n", "x", "f"], &rows);
        assert_eq!(k[0], k[1]);
        assert_ne!(k[0], k[2]);
        assert_ne!(k[0], k[3]);
        // The number 7 and the text "7" are different keys.
        let text_row = [serde_json::json!({"t": "7"})];
        let int_row = [serde_json::json!({"n": 7})];
        assert_ne!(
            keys(&s, &["t"], &text_row)[0],
            keys(&s, &["n"], &int_row)[0]
        );
    }

    #[test]
    fn nested_messages_key_on_roles_contents_and_positions() {
        let s = schema(&[("messages", FieldType::messages())]);
        let rows = [
            serde_json::json!({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}),
            serde_json::json!({"messages": [{"role": "USER", "content": " hi "}, {"role": "assistant", "content": "HELLO"}]}),
            // Same strings, roles and contents swapped.
            serde_json::json!({"messages": [{"role": "Hi", "content": "user"}, {"role": "Hello", "content": "assistant"}]}),
            // Same strings, turns reordered.
            serde_json::json!({"messages": [{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Hi"}]}),
            // One content moved to the other turn.
            serde_json::json!({"messages": [{"role": "user", "content": null}, {"role": "assistant", "content": "Hi"}]}),
            serde_json::json!({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": null}]}),
            serde_json::json!({"messages": []}),
            serde_json::json!({"messages": null}),
        ];
        let k = keys(&s, &["messages"], &rows);
        assert_eq!(k[0], k[1]);
        assert_ne!(k[0], k[2]);
        assert_ne!(k[0], k[3]);
        assert_ne!(k[4], k[5]);
        assert!(k[6].is_some());
        assert!(k[7].is_none());
    }
}
