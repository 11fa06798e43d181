//! `required`: the listed fields must carry a value.
//!
//! A value is missing when it is null, when it is text that is empty or only whitespace, or when
//! it is an empty list. Training on records with a blank prompt or answer teaches the model to
//! produce nothing, and ingest-time `required` only catches nulls, not blanks.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "required"
//! fields = ["claim_id", "description"]
//! # id = "required"        # default; the reason code is Q_REQUIRED
//! # severity = "error"     # or "warn"
//! ```

use super::{Failure, RowCheck, Rule, Verdict, column, declared_field};
use crate::config::{Severity, ValidateError};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, TargetSchema};

/// Settings of a `required` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredConfig {
    /// Fields that must carry a value.
    pub fields: Vec<String>,
    /// Rule id (default `required`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
}

impl RequiredConfig {
    /// Checks the fields exist and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id.unwrap_or_else(|| "required".to_owned());
        if self.fields.is_empty() {
            return Err(ValidateError::InvalidRule {
                rule: id,
                reason: "`fields` must name at least one field".to_owned(),
            });
        }
        for (i, field) in self.fields.iter().enumerate() {
            declared_field(schema, &id, field)?;
            if self.fields[..i].contains(field) {
                return Err(ValidateError::DuplicateField {
                    rule: id,
                    field: field.clone(),
                });
            }
        }
        let description = format!(
            "present (not null, blank or empty): {}",
            self.fields.join(", ")
        );
        Rule::row(
            id,
            self.severity,
            "required",
            self.fields.clone(),
            description,
            RequiredCheck {
                fields: self.fields,
            },
        )
    }
}

/// The runtime check of a `required` rule.
#[derive(Debug)]
pub struct RequiredCheck {
    fields: Vec<String>,
}

/// Why a value counts as missing, per row; `None` when present.
fn missing_reasons(array: &dyn Array) -> Vec<Option<&'static str>> {
    let mut reasons: Vec<Option<&'static str>> = (0..array.len())
        .map(|row| array.is_null(row).then_some("is null"))
        .collect();
    match array.data_type() {
        DataType::Utf8 => {
            for (row, value) in array.as_string::<i32>().iter().enumerate() {
                if value.is_some_and(|text| text.trim().is_empty()) {
                    reasons[row] = Some("is blank");
                }
            }
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            for (row, reason) in reasons.iter_mut().enumerate() {
                if list.is_valid(row) && list.value_length(row) == 0 {
                    *reason = Some("is an empty list");
                }
            }
        }
        _ => {}
    }
    reasons
}

impl RowCheck for RequiredCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let mut problems: Vec<Vec<String>> = vec![Vec::new(); data.num_rows()];
        for field in &self.fields {
            let reasons = missing_reasons(column(data, field)?.as_ref());
            for (row, reason) in reasons.into_iter().enumerate() {
                if let Some(reason) = reason {
                    problems[row].push(format!("field {field} {reason}"));
                }
            }
        }
        Ok(problems
            .into_iter()
            .map(|p| Verdict::from_failure((!p.is_empty()).then(|| Failure::new(p.join(", ")))))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(fields: &[&str]) -> Rule {
        RequiredConfig {
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            id: None,
            severity: Severity::Error,
        }
        .build(&schema())
        .unwrap()
    }

    #[test]
    fn present_values_pass() {
        let data = batch(&[json!({
            "subject": "Printer jam",
            "amount": 0.0,
            "messages": [{"role": "user", "content": "hi"}]
        })]);
        let out = rule(&["subject", "amount", "messages"])
            .check
            .check(&data)
            .unwrap();
        assert_eq!(out, vec![Verdict::Pass]);
    }

    #[test]
    fn null_blank_and_empty_list_fail() {
        let data = batch(&[
            json!({"subject": null, "messages": [{"role": "user"}]}),
            json!({"subject": " \t\u{3000}", "messages": [{"role": "user"}]}),
            json!({"subject": "ok", "messages": []}),
            json!({"subject": "", "messages": null}),
        ]);
        let out = rule(&["subject", "messages"]).check.check(&data).unwrap();
        let details: Vec<String> = out
            .iter()
            .map(|v| v.failure().unwrap().detail.clone())
            .collect();
        assert_eq!(
            details,
            vec![
                "field subject is null",
                "field subject is blank",
                "field messages is an empty list",
                "field subject is blank, field messages is null",
            ]
        );
    }

    #[test]
    fn defaults_and_build_errors() {
        let r = rule(&["subject"]);
        assert_eq!(r.id, "required");
        assert_eq!(r.code.as_str(), "Q_REQUIRED");
        let err = RequiredConfig {
            fields: vec!["subjet".into()],
            id: None,
            severity: Severity::Warn,
        }
        .build(&schema())
        .unwrap_err();
        assert!(err.to_string().contains("`subjet`"), "{err}");
        let err = RequiredConfig {
            fields: vec![],
            id: Some("r".into()),
            severity: Severity::Error,
        }
        .build(&schema())
        .unwrap_err();
        assert!(matches!(err, ValidateError::InvalidRule { .. }));
    }
}
