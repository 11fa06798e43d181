//! `length`: a field's length in characters must lie within `[min, max]`.
//!
//! Text is measured in chars (not bytes), so Chinese and English records are held to the same
//! bounds. List and struct fields (`messages`) are measured as the sum of the chars of all their
//! text leaves. Too-short records carry no signal; too-long ones get truncated by the trainer. A
//! null value has no length: it fails when `min` is set and passes a `max`-only rule (use
//! `required` to reject nulls outright).
//!
//! ```toml
//! [[stages.rules]]
//! kind = "length"
//! field = "description"
//! min = 20
//! max = 4000
//! # id = "length_description"   # default; the reason code is Q_LENGTH_DESCRIPTION
//! ```

use super::{Failure, RowCheck, Rule, Verdict, column, declared_field_of};
use crate::config::{Severity, ValidateError};
use arrow::array::{Array, RecordBatch};
use serde::{Deserialize, Serialize};
use sluice_core::strings::visit_strings;
use sluice_core::{CoreError, FieldPath, TargetSchema};

/// Settings of a `length` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthConfig {
    /// The field measured.
    pub field: String,
    /// Fewest chars allowed.
    #[serde(default)]
    pub min: Option<u64>,
    /// Most chars allowed.
    #[serde(default)]
    pub max: Option<u64>,
    /// Rule id (default `length_<field>`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
}

impl LengthConfig {
    /// Checks the bounds and the field's type and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id.unwrap_or_else(|| format!("length_{}", self.field));
        let invalid = |reason: &str| ValidateError::InvalidRule {
            rule: id.clone(),
            reason: reason.to_owned(),
        };
        match (self.min, self.max) {
            (None, None) => return Err(invalid("set at least one of `min` and `max`")),
            (Some(min), Some(max)) if min > max => {
                return Err(invalid(&format!("`min` {min} is greater than `max` {max}")));
            }
            _ => {}
        }
        declared_field_of(
            schema,
            &id,
            &self.field,
            |ty| ty.contains_text(),
            "but length needs text (a string, or a list/struct holding strings)",
        )?;
        let description = super::describe_bounds("chars", self.min, self.max);
        Rule::row(
            id,
            self.severity,
            "length",
            vec![self.field.clone()],
            description,
            LengthCheck {
                field: self.field,
                min: self.min,
                max: self.max,
            },
        )
    }
}

/// The runtime check of a `length` rule.
#[derive(Debug)]
pub struct LengthCheck {
    field: String,
    min: Option<u64>,
    max: Option<u64>,
}

impl LengthCheck {
    fn judge(&self, length: u64) -> Option<Failure> {
        let field = &self.field;
        if let Some(min) = self.min
            && length < min
        {
            return Some(Failure::new(format!(
                "field {field}: {length} chars < min {min}"
            )));
        }
        if let Some(max) = self.max
            && length > max
        {
            return Some(Failure::new(format!(
                "field {field}: {length} chars > max {max}"
            )));
        }
        None
    }
}

impl RowCheck for LengthCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let array = column(data, &self.field)?;
        let mut lengths = vec![0u64; data.num_rows()];
        visit_strings(
            array.as_ref(),
            &FieldPath::root(&self.field),
            &mut |site, text| lengths[site.row] += text.chars().count() as u64,
        );
        Ok(lengths
            .into_iter()
            .enumerate()
            .map(|(row, length)| {
                Verdict::from_failure(if array.is_null(row) {
                    self.min
                        .map(|min| Failure::new(format!("field {} is null, min {min}", self.field)))
                } else {
                    self.judge(length)
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(field: &str, min: Option<u64>, max: Option<u64>) -> Result<Rule, ValidateError> {
        LengthConfig {
            field: field.to_owned(),
            min,
            max,
            id: None,
            severity: Severity::Error,
        }
        .build(&schema())
    }

    fn details(rule: &Rule, rows: &[serde_json::Value]) -> Vec<Option<String>> {
        rule.check
            .check(&batch(rows))
            .unwrap()
            .iter()
            .map(|v| v.failure().map(|f| f.detail.clone()))
            .collect()
    }

    #[test]
    fn counts_chars_not_bytes() {
        let r = rule("subject", Some(3), Some(5)).unwrap();
        let out = details(
            &r,
            &[
                json!({"subject": "打印机"}),
                json!({"subject": "ab"}),
                json!({"subject": "abcdef"}),
                json!({"subject": "abcde"}),
            ],
        );
        assert_eq!(
            out,
            vec![
                None,
                Some("field subject: 2 chars < min 3".to_owned()),
                Some("field subject: 6 chars > max 5".to_owned()),
                None,
            ]
        );
    }

    #[test]
    fn nested_fields_sum_their_text_leaves() {
        let r = rule("messages", Some(10), None).unwrap();
        let out = details(
            &r,
            &[
                // "user" + "hello" + "assistant" + "ok" = 4 + 5 + 9 + 2 = 20 chars.
                json!({"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "ok"}]}),
                json!({"messages": [{"role": "user", "content": "hi"}]}),
                json!({"messages": []}),
            ],
        );
        assert_eq!(out[0], None);
        assert_eq!(out[1].as_deref(), Some("field messages: 6 chars < min 10"));
        assert_eq!(out[2].as_deref(), Some("field messages: 0 chars < min 10"));
    }

    #[test]
    fn null_fails_min_but_passes_max_only() {
        let rows = [json!({"subject": null})];
        let with_min = rule("subject", Some(1), None).unwrap();
        assert_eq!(
            details(&with_min, &rows),
            vec![Some("field subject is null, min 1".to_owned())]
        );
        let max_only = rule("subject", None, Some(10)).unwrap();
        assert_eq!(details(&max_only, &rows), vec![None]);
    }

    #[test]
    fn default_id_and_build_errors() {
        let r = rule("subject", Some(1), None).unwrap();
        assert_eq!(r.id, "length_subject");
        assert_eq!(r.code.as_str(), "Q_LENGTH_SUBJECT");
        assert!(matches!(
            rule("subject", None, None),
            Err(ValidateError::InvalidRule { .. })
        ));
        let err = rule("subject", Some(10), Some(2)).unwrap_err();
        assert!(err.to_string().contains("`min` 10 is greater than `max` 2"));
        let err = rule("amount", Some(1), None).unwrap_err();
        assert!(matches!(err, ValidateError::WrongFieldType { .. }));
        assert!(err.to_string().contains("`amount`"));
        let err = rule("nope", Some(1), None).unwrap_err();
        assert!(err.to_string().contains("`nope`"));
    }
}
