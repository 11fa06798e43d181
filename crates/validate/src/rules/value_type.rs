//! `type`: a string field's value must parse as the type named by `as`.
//!
//! Exports from ticketing and CRM systems often carry everything as text; a "date" column with
//! `N/A`, a JSON `metadata` column cut off mid-object, or an "amount" holding `12,5 EUR` poisons
//! downstream templates and metadata. Declaring the column `int64` at ingest would quarantine such
//! rows as `INGEST_TYPE_MISMATCH`; this rule keeps the column as text (as the model will see it)
//! and checks its shape, with its own reason code and optional `warn` severity.
//!
//! Accepted forms, checked strictly (no surrounding whitespace):
//! - `int`: optional sign and ASCII digits, fitting in 64 bits (`-42`, `+7`; not `1.0`, `1e3`).
//! - `float`: a finite decimal or scientific number (`3.14`, `-2e-3`, `5`); not `NaN`/`inf`.
//! - `bool`: `true`/`false`, `yes`/`no`, `1`/`0`, case-insensitive.
//! - `date`: ISO 8601 calendar date `YYYY-MM-DD`, or `format` (chrono strftime, e.g. `%d/%m/%Y`).
//! - `datetime`: RFC 3339 (`2024-05-01T12:30:00Z`, `…+08:00`), or a naive `YYYY-MM-DD HH:MM:SS`
//!   / `YYYY-MM-DDTHH:MM:SS` (fractional seconds allowed), or `format`.
//! - `json`: any complete JSON document (`{"a":1}`, `[1]`, `"x"`, `3`).
//!
//! Nulls: outcome `null`, failing unless `on_null = "pass"` (counted either way). Values that do
//! not parse: outcome `invalid`.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "type"
//! field = "opened_at"
//! as = "datetime"
//! # format = "%Y/%m/%d %H:%M"   # date/datetime only
//! # on_null = "pass"
//! ```

use super::{Failure, NullPolicy, RowCheck, Rule, Verdict, column, declared_field_of, invalid};
use crate::config::{Severity, ValidateError};
use arrow::array::{AsArray, RecordBatch};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, FieldType, TargetSchema};

/// The type a string must parse as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A 64-bit signed integer.
    Int,
    /// A finite floating-point number.
    Float,
    /// A calendar date.
    Date,
    /// A date and time.
    Datetime,
    /// A complete JSON document.
    Json,
    /// A boolean word.
    Bool,
}

impl ValueType {
    fn name(self) -> &'static str {
        match self {
            ValueType::Int => "int",
            ValueType::Float => "float",
            ValueType::Date => "date",
            ValueType::Datetime => "datetime",
            ValueType::Json => "json",
            ValueType::Bool => "bool",
        }
    }
}

/// Settings of a `type` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeConfig {
    /// The string field checked.
    pub field: String,
    /// The type its values must parse as.
    #[serde(rename = "as")]
    pub as_type: ValueType,
    /// chrono strftime format for `date` / `datetime` instead of ISO 8601.
    #[serde(default)]
    pub format: Option<String>,
    /// Rule id (default `type_<field>`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
    /// What a null does (counted as `<id>.null` either way).
    #[serde(default)]
    pub on_null: NullPolicy,
}

impl TypeConfig {
    /// Checks the field is a string and the format fits the type, and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id.unwrap_or_else(|| format!("type_{}", self.field));
        declared_field_of(
            schema,
            &id,
            &self.field,
            |ty| *ty == FieldType::String,
            "but `type` checks string fields (typed fields are coerced at ingest)",
        )?;
        if let Some(format) = &self.format {
            if !matches!(self.as_type, ValueType::Date | ValueType::Datetime) {
                return Err(invalid(
                    &id,
                    "`format` applies to `date` and `datetime` only",
                ));
            }
            if chrono::format::StrftimeItems::new(format)
                .any(|item| matches!(item, chrono::format::Item::Error))
            {
                return Err(invalid(&id, "`format` is not a valid strftime format"));
            }
        }
        let description = match &self.format {
            Some(format) => format!("parses as {} with format {format}", self.as_type.name()),
            None => format!("parses as {}", self.as_type.name()),
        };
        Rule::row(
            id,
            self.severity,
            "type",
            vec![self.field.clone()],
            description,
            TypeCheck {
                field: self.field,
                as_type: self.as_type,
                format: self.format,
                on_null: self.on_null,
            },
        )
    }
}

/// The runtime check of a `type` rule.
#[derive(Debug)]
pub struct TypeCheck {
    field: String,
    as_type: ValueType,
    format: Option<String>,
    on_null: NullPolicy,
}

const NAIVE_DATETIME: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"];

impl TypeCheck {
    /// True when `text` parses as the rule's type.
    pub fn parses(&self, text: &str) -> bool {
        match self.as_type {
            ValueType::Int => {
                let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
                !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && text.parse::<i64>().is_ok()
            }
            ValueType::Float => {
                text.trim() == text
                    && text.bytes().all(|b| {
                        b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E')
                    })
                    && text.parse::<f64>().is_ok_and(f64::is_finite)
            }
            ValueType::Bool => matches!(
                text.to_ascii_lowercase().as_str(),
                "true" | "false" | "yes" | "no" | "1" | "0"
            ),
            ValueType::Date => match &self.format {
                Some(format) => NaiveDate::parse_from_str(text, format).is_ok(),
                None => NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
            },
            ValueType::Datetime => match &self.format {
                Some(format) => {
                    NaiveDateTime::parse_from_str(text, format).is_ok()
                        || DateTime::parse_from_str(text, format).is_ok()
                }
                None => {
                    DateTime::parse_from_rfc3339(text).is_ok()
                        || NAIVE_DATETIME
                            .iter()
                            .any(|f| NaiveDateTime::parse_from_str(text, f).is_ok())
                }
            },
            ValueType::Json => serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(),
        }
    }
}

impl RowCheck for TypeCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let values = column(data, &self.field)?.as_string::<i32>();
        let field = &self.field;
        Ok(values
            .iter()
            .map(|value| match value {
                None => self
                    .on_null
                    .verdict("null", || format!("field {field} is null")),
                Some(text) if self.parses(text) => Verdict::Pass,
                Some(text) => Verdict::Fail(Failure::with(
                    "invalid",
                    format!(
                        "field {field}: {} chars that do not parse as {}",
                        text.chars().count(),
                        self.as_type.name()
                    ),
                )),
            })
            .collect())
    }

    fn outcomes(&self) -> &'static [&'static str] {
        &["null", "invalid"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(extra: &str) -> Result<Rule, ValidateError> {
        toml::from_str::<TypeConfig>(&format!("field = \"subject\"\n{extra}"))
            .unwrap()
            .build(&schema())
    }

    fn passes(extra: &str, texts: &[&str]) -> Vec<bool> {
        let rows: Vec<_> = texts.iter().map(|t| json!({ "subject": t })).collect();
        rule(extra)
            .unwrap()
            .check
            .check(&batch(&rows))
            .unwrap()
            .iter()
            .map(|v| *v == Verdict::Pass)
            .collect()
    }

    #[test]
    fn ints_floats_bools() {
        assert_eq!(
            passes(
                "as = \"int\"",
                &[
                    "-42",
                    "+7",
                    "0",
                    "1.0",
                    "1e3",
                    " 4",
                    "",
                    "99999999999999999999",
                    "x"
                ]
            ),
            [true, true, true, false, false, false, false, false, false]
        );
        assert_eq!(
            passes(
                "as = \"float\"",
                &["3.14", "-2e-3", "5", "NaN", "inf", "1,5", "12 EUR"]
            ),
            [true, true, true, false, false, false, false]
        );
        assert_eq!(
            passes("as = \"bool\"", &["TRUE", "no", "0", "maybe", "t"]),
            [true, true, true, false, false]
        );
    }

    #[test]
    fn dates_datetimes_and_json() {
        assert_eq!(
            passes(
                "as = \"date\"",
                &["2024-02-29", "2023-02-29", "01/02/2024", "N/A"]
            ),
            [true, false, false, false]
        );
        assert_eq!(
            passes(
                "as = \"date\"\nformat = \"%d/%m/%Y\"",
                &["01/02/2024", "2024-02-01"]
            ),
            [true, false]
        );
        assert_eq!(
            passes(
                "as = \"datetime\"",
                &[
                    "2024-05-01T12:30:00Z",
                    "2024-05-01T12:30:00+08:00",
                    "2024-05-01 12:30:00.5",
                    "2024-05-01",
                    "yesterday"
                ]
            ),
            [true, true, true, false, false]
        );
        assert_eq!(
            passes(
                "as = \"json\"",
                &["{\"a\": [1, 2]}", "3", "{\"a\": ", "{'a': 1}"]
            ),
            [true, true, false, false]
        );
    }

    #[test]
    fn nulls_details_and_build_errors() {
        let r = rule("as = \"int\"").unwrap();
        let out = r
            .check
            .check(&batch(&[
                json!({"subject": null}),
                json!({"subject": "secret42x"}),
            ]))
            .unwrap();
        assert_eq!(out[0].failure().unwrap().outcome, Some("null"));
        let invalid = out[1].failure().unwrap();
        assert_eq!(
            invalid.detail,
            "field subject: 9 chars that do not parse as int"
        );
        let lenient = rule("as = \"int\"\non_null = \"pass\"").unwrap();
        assert_eq!(
            lenient
                .check
                .check(&batch(&[json!({"subject": null})]))
                .unwrap(),
            vec![Verdict::Noted("null")]
        );
        assert!(matches!(
            toml::from_str::<TypeConfig>("field = \"amount\"\nas = \"int\"")
                .unwrap()
                .build(&schema()),
            Err(ValidateError::WrongFieldType { .. })
        ));
        assert!(rule("as = \"int\"\nformat = \"%Y\"").is_err());
        assert!(rule("as = \"date\"\nformat = \"%Q\"").is_err());
        assert!(toml::from_str::<TypeConfig>("field = \"subject\"\nas = \"uuid\"").is_err());
    }
}
