//! `enum`: a field's value must be one of `values`.
//!
//! Category, priority and status columns drift: `Closed`, `closed `, `CLOSED-dup`, `4` on a
//! 1–3 scale. Rows with values outside the agreed list usually come from another system or a
//! test tenant. Works on `string` fields (values are strings; `ignore_case = true` compares
//! Unicode-lower-cased text) and `int64` fields (values are integers). Comparison is exact
//! otherwise — no trimming, so `"closed "` is not `"closed"`.
//!
//! Nulls: outcome `null`, failing unless `on_null = "pass"` (counted either way). Other values:
//! outcome `not_allowed`; the detail gives the number of allowed values, never the value seen.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "enum"
//! field = "status"
//! values = ["open", "pending", "closed"]
//! # ignore_case = true
//! ```

use super::{Failure, NullPolicy, RowCheck, Rule, Verdict, column, declared_field, invalid};
use crate::config::{Severity, ValidateError};
use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, FieldType, TargetSchema};
use std::collections::BTreeSet;

/// One allowed value, as written in the pipeline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EnumValue {
    /// For `int64` fields.
    Int(i64),
    /// For `string` fields.
    Text(String),
}

/// Settings of an `enum` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumConfig {
    /// The field checked (`string` or `int64`).
    pub field: String,
    /// The allowed values.
    pub values: Vec<EnumValue>,
    /// String fields: compare lower-cased.
    #[serde(default)]
    pub ignore_case: bool,
    /// Rule id (default `enum_<field>`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
    /// What a null does (counted as `<id>.null` either way).
    #[serde(default)]
    pub on_null: NullPolicy,
}

/// The allowed set, by field type.
#[derive(Debug)]
enum Allowed {
    Text(BTreeSet<String>),
    Int(BTreeSet<i64>),
}

impl EnumConfig {
    /// Checks the values match the field's type and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id.unwrap_or_else(|| format!("enum_{}", self.field));
        let spec = declared_field(schema, &id, &self.field)?;
        if self.values.is_empty() {
            return Err(invalid(&id, "`values` must list at least one value"));
        }
        let allowed = match spec.ty {
            FieldType::String => {
                let mut set = BTreeSet::new();
                for value in &self.values {
                    let EnumValue::Text(text) = value else {
                        return Err(invalid(&id, "`values` must be strings for a string field"));
                    };
                    set.insert(if self.ignore_case {
                        text.to_lowercase()
                    } else {
                        text.clone()
                    });
                }
                Allowed::Text(set)
            }
            FieldType::Int64 => {
                if self.ignore_case {
                    return Err(invalid(&id, "`ignore_case` applies to string fields only"));
                }
                let mut set = BTreeSet::new();
                for value in &self.values {
                    let EnumValue::Int(number) = value else {
                        return Err(invalid(&id, "`values` must be integers for an int64 field"));
                    };
                    set.insert(*number);
                }
                Allowed::Int(set)
            }
            _ => {
                return Err(ValidateError::WrongFieldType {
                    rule: id,
                    field: self.field,
                    ty: spec.ty.to_string(),
                    reason: "but `enum` checks string and int64 fields".to_owned(),
                });
            }
        };
        let count = self.values.len();
        let description = format!(
            "one of {count} allowed values{}",
            if self.ignore_case {
                " (ignoring case)"
            } else {
                ""
            }
        );
        Rule::row(
            id,
            self.severity,
            "enum",
            vec![self.field.clone()],
            description,
            EnumCheck {
                field: self.field,
                allowed,
                ignore_case: self.ignore_case,
                on_null: self.on_null,
            },
        )
    }
}

/// The runtime check of an `enum` rule.
#[derive(Debug)]
pub struct EnumCheck {
    field: String,
    allowed: Allowed,
    ignore_case: bool,
    on_null: NullPolicy,
}

impl RowCheck for EnumCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let array = column(data, &self.field)?;
        let field = &self.field;
        let judge = |found: Option<bool>, allowed: usize| match found {
            None => self
                .on_null
                .verdict("null", || format!("field {field} is null")),
            Some(true) => Verdict::Pass,
            Some(false) => Verdict::Fail(Failure::with(
                "not_allowed",
                format!("field {field}: value not among the {allowed} allowed values"),
            )),
        };
        Ok(match &self.allowed {
            Allowed::Text(set) => array
                .as_string::<i32>()
                .iter()
                .map(|value| {
                    let found = value.map(|text| {
                        if self.ignore_case {
                            set.contains(&text.to_lowercase())
                        } else {
                            set.contains(text)
                        }
                    });
                    judge(found, set.len())
                })
                .collect(),
            Allowed::Int(set) => array
                .as_primitive::<Int64Type>()
                .iter()
                .map(|value| judge(value.map(|n| set.contains(&n)), set.len()))
                .collect(),
        })
    }

    fn outcomes(&self) -> &'static [&'static str] {
        &["null", "not_allowed"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(text: &str) -> Result<Rule, ValidateError> {
        toml::from_str::<EnumConfig>(text).unwrap().build(&schema())
    }

    #[test]
    fn strings_exact_and_case_insensitive() {
        let rows = [
            json!({"subject": "open"}),
            json!({"subject": "Open"}),
            json!({"subject": "open "}),
            json!({"subject": null}),
        ];
        let exact = rule("field = \"subject\"\nvalues = [\"open\", \"closed\"]").unwrap();
        let out = exact.check.check(&batch(&rows)).unwrap();
        assert_eq!(out[0], Verdict::Pass);
        let f = out[1].failure().unwrap();
        assert_eq!(f.outcome, Some("not_allowed"));
        assert_eq!(
            f.detail,
            "field subject: value not among the 2 allowed values"
        );
        assert!(out[2].failure().is_some());
        assert_eq!(out[3].failure().unwrap().outcome, Some("null"));
        let loose = rule(
            "field = \"subject\"\nvalues = [\"OPEN\"]\nignore_case = true\non_null = \"pass\"",
        )
        .unwrap();
        let out = loose.check.check(&batch(&rows)).unwrap();
        assert_eq!(out[..2], [Verdict::Pass, Verdict::Pass]);
        assert!(out[2].failure().is_some());
        assert_eq!(out[3], Verdict::Noted("null"));
    }

    #[test]
    fn integers() {
        let r = rule("field = \"priority\"\nvalues = [1, 2, 3]").unwrap();
        let out = r
            .check
            .check(&batch(&[json!({"priority": 2}), json!({"priority": 4})]))
            .unwrap();
        assert_eq!(out[0], Verdict::Pass);
        assert!(out[1].failure().is_some());
    }

    #[test]
    fn build_errors() {
        assert!(rule("field = \"subject\"\nvalues = []").is_err());
        assert!(rule("field = \"subject\"\nvalues = [1]").is_err());
        assert!(rule("field = \"priority\"\nvalues = [\"1\"]").is_err());
        assert!(rule("field = \"priority\"\nvalues = [1]\nignore_case = true").is_err());
        assert!(matches!(
            rule("field = \"amount\"\nvalues = [1]"),
            Err(ValidateError::WrongFieldType { .. })
        ));
    }
}
