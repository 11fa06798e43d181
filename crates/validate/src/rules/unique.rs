//! `unique`: the values of `fields` (together) must not repeat anywhere in the dataset.
//!
//! Two tickets with the same `ticket_id`, two answers for the same `(conversation_id, turn)`:
//! a key that should identify one record names two, so a join upstream fanned out or an export
//! ran twice. Unlike `dedup`, which compares content, `unique` checks declared keys.
//!
//! Uniqueness is a property of the whole dataset, so the stage decides it after every batch has
//! been tagged: each row's key is reduced to a 128-bit digest (the first 16 bytes of the sha256 of
//! a typed, length-prefixed encoding of the key fields — never the values themselves), then the
//! digests are walked in input order. The first occurrence passes; later ones fail with outcome
//! `duplicate`, and the detail names the record id of the first occurrence (ids are not values).
//!
//! Only rows that will be kept can claim a key: a row removed by a row-local `error` rule, or by
//! an earlier `error`-severity `unique` rule, does not, so a quarantined first copy never takes a
//! clean second copy down with it. Such rows are still checked against the keys claimed by kept
//! rows, and counted if they repeat one. Outcomes are the same for every batch size and thread
//! count.
//!
//! Key fields must be scalars (`string`, `int64`, `float64`, `bool`). Strings are compared after
//! trimming surrounding whitespace (`trim = false` to compare exactly) and, with
//! `ignore_case = true`, after Unicode lower-casing. Floats compare by value (`-0.0` equals
//! `0.0`). A row with a null in any key field is the outcome `null`: it fails by default;
//! `on_null = "pass"` lets it through (counted), and null keys then never collide, as in SQL.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "unique"
//! fields = ["conversation_id", "turn"]
//! # id = "unique_conversation_id_turn"   # default
//! # ignore_case = false
//! # trim = true
//! ```

use super::{Check, NullPolicy, Rule, column, declared_field, invalid};
use crate::config::{Severity, ValidateError};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sluice_core::{CoreError, FieldType, TargetSchema};

fn default_trim() -> bool {
    true
}

/// Settings of a `unique` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueConfig {
    /// The key fields; their values together must be unique.
    pub fields: Vec<String>,
    /// Compare strings after Unicode lower-casing.
    #[serde(default)]
    pub ignore_case: bool,
    /// Compare strings after trimming surrounding whitespace (default true).
    #[serde(default = "default_trim")]
    pub trim: bool,
    /// Rule id (default `unique_<field>_<field>…`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
    /// What a null key does (counted as `<id>.null` either way).
    #[serde(default)]
    pub on_null: NullPolicy,
}

impl UniqueConfig {
    /// Checks the key fields exist and are scalars and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self
            .id
            .unwrap_or_else(|| format!("unique_{}", self.fields.join("_")));
        if self.fields.is_empty() {
            return Err(invalid(&id, "`fields` must name at least one field"));
        }
        for (i, field) in self.fields.iter().enumerate() {
            let spec = declared_field(schema, &id, field)?;
            if self.fields[..i].contains(field) {
                return Err(ValidateError::DuplicateField {
                    rule: id,
                    field: field.clone(),
                });
            }
            if matches!(spec.ty, FieldType::List(_) | FieldType::Struct(_)) {
                return Err(ValidateError::WrongFieldType {
                    rule: id,
                    field: field.clone(),
                    ty: spec.ty.to_string(),
                    reason: "but `unique` keys are scalar fields (string, int64, float64, bool)"
                        .to_owned(),
                });
            }
        }
        let mut description = format!("unique over the dataset: ({})", self.fields.join(", "));
        if self.ignore_case {
            description.push_str(", ignoring case");
        }
        if !self.trim {
            description.push_str(", untrimmed");
        }
        Rule::new(
            id,
            self.severity,
            "unique",
            self.fields.clone(),
            description,
            Check::Unique(UniqueCheck {
                fields: self.fields,
                ignore_case: self.ignore_case,
                trim: self.trim,
                on_null: self.on_null,
            }),
        )
    }
}

/// A row's key digest; `None` when a key field is null.
pub type KeyDigest = Option<u128>;

/// The runtime side of a `unique` rule: per-row key digests.
#[derive(Debug)]
pub struct UniqueCheck {
    fields: Vec<String>,
    ignore_case: bool,
    trim: bool,
    /// What a null key does.
    pub on_null: NullPolicy,
}

impl UniqueCheck {
    /// The key fields.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The outcomes the rule counts.
    pub fn outcomes(&self) -> &'static [&'static str] {
        &["null", "duplicate"]
    }

    /// One key digest per row of `data`.
    pub fn keys(&self, data: &RecordBatch) -> Result<Vec<KeyDigest>, CoreError> {
        let rows = data.num_rows();
        let mut hashers: Vec<Option<Sha256>> = (0..rows).map(|_| Some(Sha256::new())).collect();
        for field in &self.fields {
            let array = column(data, field)?;
            for (row, slot) in hashers.iter_mut().enumerate() {
                let Some(hasher) = slot else { continue };
                if array.is_null(row) {
                    *slot = None;
                    continue;
                }
                self.feed(hasher, array.as_ref(), row)?;
            }
        }
        Ok(hashers
            .into_iter()
            .map(|hasher| {
                hasher.map(|h| {
                    let digest = h.finalize();
                    let mut first = [0u8; 16];
                    first.copy_from_slice(&digest[..16]);
                    u128::from_be_bytes(first)
                })
            })
            .collect())
    }

    /// Appends the typed, length-prefixed encoding of one value to `hasher`.
    fn feed(&self, hasher: &mut Sha256, array: &dyn Array, row: usize) -> Result<(), CoreError> {
        match array.data_type() {
            DataType::Utf8 => {
                let mut text = array.as_string::<i32>().value(row);
                if self.trim {
                    text = text.trim();
                }
                let folded;
                if self.ignore_case {
                    folded = text.to_lowercase();
                    text = &folded;
                }
                hasher.update(b"s");
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            DataType::Int64 => {
                hasher.update(b"i");
                hasher.update(array.as_primitive::<Int64Type>().value(row).to_be_bytes());
            }
            DataType::Float64 => {
                let value = array.as_primitive::<Float64Type>().value(row);
                // One encoding per numeric value: -0.0 is 0.0, every NaN is the same NaN.
                let canonical = if value == 0.0 {
                    0.0f64
                } else if value.is_nan() {
                    f64::NAN
                } else {
                    value
                };
                hasher.update(b"f");
                hasher.update(canonical.to_bits().to_be_bytes());
            }
            DataType::Boolean => {
                hasher.update(b"b");
                hasher.update([u8::from(array.as_boolean().value(row))]);
            }
            other => {
                return Err(CoreError::Arrow(
                    arrow::error::ArrowError::InvalidArgumentError(format!(
                        "unique key column has type {other}"
                    )),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn check(text: &str) -> UniqueCheck {
        let rule = toml::from_str::<UniqueConfig>(text)
            .unwrap()
            .build(&schema())
            .unwrap();
        match rule.check {
            Check::Unique(check) => check,
            Check::Row(_) => panic!("unique builds a unique check"),
        }
    }

    #[test]
    fn keys_follow_normalisation() {
        let rows = [
            json!({"subject": "A-1", "priority": 1}),
            json!({"subject": " a-1 ", "priority": 1}),
            json!({"subject": "A-1", "priority": 2}),
            json!({"subject": null, "priority": 1}),
            json!({"subject": "A-1", "priority": 1}),
        ];
        let strict = check("fields = [\"subject\", \"priority\"]\ntrim = false")
            .keys(&batch(&rows))
            .unwrap();
        assert_eq!(strict[0], strict[4]);
        assert_ne!(strict[0], strict[1]);
        assert_ne!(strict[0], strict[2]);
        assert_eq!(strict[3], None);
        let loose = check("fields = [\"subject\", \"priority\"]\nignore_case = true")
            .keys(&batch(&rows))
            .unwrap();
        assert_eq!(loose[0], loose[1]);
        assert_ne!(loose[0], loose[2]);
    }

    #[test]
    fn floats_and_field_boundaries() {
        let zeros = check("fields = [\"amount\"]")
            .keys(&batch(&[
                json!({"amount": 0.0}),
                json!({"amount": -0.0}),
                json!({"amount": 1.5}),
            ]))
            .unwrap();
        assert_eq!(zeros[0], zeros[1]);
        assert_ne!(zeros[0], zeros[2]);
        // Length prefixes keep ("ab", 1) apart from ("a", …) whatever the following bytes are.
        let mixed = check("fields = [\"subject\", \"priority\"]")
            .keys(&batch(&[
                json!({"subject": "1", "priority": 1}),
                json!({"subject": "", "priority": 1}),
            ]))
            .unwrap();
        assert_ne!(mixed[0], mixed[1]);
    }

    #[test]
    fn build_errors() {
        let build = |text: &str| {
            toml::from_str::<UniqueConfig>(text)
                .unwrap()
                .build(&schema())
        };
        assert!(build("fields = []").is_err());
        assert!(matches!(
            build("fields = [\"messages\"]"),
            Err(ValidateError::WrongFieldType { .. })
        ));
        assert!(matches!(
            build("fields = [\"subject\", \"subject\"]"),
            Err(ValidateError::DuplicateField { .. })
        ));
        let rule = build("fields = [\"subject\", \"priority\"]").unwrap();
        assert_eq!(rule.id, "unique_subject_priority");
        assert_eq!(rule.code.as_str(), "Q_UNIQUE_SUBJECT_PRIORITY");
        assert_eq!(rule.kind, "unique");
    }
}
