//! `expr`: a SQL boolean expression over the record's scalar fields must be true.
//!
//! Business rules ("the amount is positive", "a closed ticket has a resolution") are easiest to
//! state in SQL. The expression is parsed by polars SQL (`polars::sql::sql_expr`) and evaluated on
//! a polars `DataFrame` holding just the columns it references, copied from the batch. Only
//! string, int64, float64 and bool fields are available; `length(text)` counts chars.
//!
//! SQL is three-valued: `amount > 0` is NULL when `amount` is null. A NULL result is **not** a
//! pass: the row fails with `evaluated to NULL`, counted as `<id>.null`, apart from `<id>.false`,
//! so missing data never slips through a rule silently.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "expr"
//! id = "positive_amount"          # reason code Q_POSITIVE_AMOUNT
//! expr = "amount > 0 AND length(description) BETWEEN 20 AND 4000"
//! # severity = "warn"             # keep the row, count it as flagged
//! ```

use super::{Failure, RowCheck, Rule, Verdict, column, declared_field};
use crate::config::{Severity, ValidateError};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType as ArrowType, Float64Type, Int64Type};
use arrow::error::ArrowError;
use polars::prelude::{
    Column, DataFrame, DataType as PolarsType, Expr, IntoLazy, NamedFrom, PlSmallStr, PolarsError,
    Series,
};
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, FieldType, TargetSchema};
use thiserror::Error;

/// Settings of an `expr` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExprConfig {
    /// Rule id; the reason code is `Q_<ID>`.
    pub id: String,
    /// SQL boolean expression over scalar fields, e.g. `amount > 0`.
    pub expr: String,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
}

/// Name of the result column of an evaluation.
const RESULT: &str = "ok";
/// Rows in the build-time trial frame: more than one, so aggregations (one row out) show up.
const TRIAL_ROWS: usize = 2;

impl ExprConfig {
    /// Parses the expression, checks every column it references is a declared scalar field, and
    /// evaluates it once on an all-null frame to prove it gives one boolean per row.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id;
        let invalid = |message: String| ValidateError::InvalidExpr {
            rule: id.clone(),
            message,
        };
        let expr = polars::sql::sql_expr(&self.expr).map_err(|e| invalid(e.to_string()))?;
        let mut columns: Vec<(String, PolarsType)> = Vec::new();
        for name in expr.clone().meta().root_names() {
            let name = name.to_string();
            if columns.iter().any(|(seen, _)| *seen == name) {
                continue;
            }
            let spec = declared_field(schema, &id, &name)?;
            let dtype = polars_type(&spec.ty).ok_or_else(|| ValidateError::WrongFieldType {
                rule: id.clone(),
                field: name.clone(),
                ty: spec.ty.to_string(),
                reason: "but expressions only see string, int64, float64 and bool fields"
                    .to_owned(),
            })?;
            columns.push((name, dtype));
        }
        if columns.is_empty() {
            return Err(invalid("the expression references no field".to_owned()));
        }

        let trial_columns = columns
            .iter()
            .map(|(name, dtype)| {
                Column::from(Series::full_null(name.as_str().into(), TRIAL_ROWS, dtype))
            })
            .collect();
        let trial = DataFrame::new(TRIAL_ROWS, trial_columns)
            .and_then(|frame| evaluate(&expr, frame))
            .map_err(|e| invalid(e.to_string()))?;
        if trial.len() != TRIAL_ROWS {
            return Err(invalid(
                "the expression must give one value per row (aggregations are not allowed)"
                    .to_owned(),
            ));
        }
        if trial.dtype() != &PolarsType::Boolean {
            return Err(invalid(format!(
                "the expression gives {}, not a boolean",
                trial.dtype()
            )));
        }
        let fields: Vec<String> = columns.into_iter().map(|(name, _)| name).collect();
        // The expression is configuration written by the pipeline author, never data.
        let description = format!("SQL expression is true: {}", self.expr);
        Rule::row(
            id.clone(),
            self.severity,
            "expr",
            fields.clone(),
            description,
            ExprCheck {
                rule: id,
                expr,
                fields,
            },
        )
    }
}

fn polars_type(ty: &FieldType) -> Option<PolarsType> {
    match ty {
        FieldType::String => Some(PolarsType::String),
        FieldType::Int64 => Some(PolarsType::Int64),
        FieldType::Float64 => Some(PolarsType::Float64),
        FieldType::Bool => Some(PolarsType::Boolean),
        FieldType::List(_) | FieldType::Struct(_) => None,
    }
}

/// Evaluates `expr` over `frame`, returning the result column.
fn evaluate(expr: &Expr, frame: DataFrame) -> Result<Column, PolarsError> {
    let out = frame
        .lazy()
        .select([expr.clone().alias(RESULT)])
        .collect()?;
    Ok(out.column(RESULT)?.clone())
}

/// Copies one arrow-rs column into a polars series (values are copied, not shared).
fn to_series(name: &str, array: &dyn Array) -> Result<Series, CoreError> {
    let name: PlSmallStr = name.into();
    Ok(match array.data_type() {
        ArrowType::Utf8 => {
            let values: Vec<Option<&str>> = array.as_string::<i32>().iter().collect();
            Series::new(name, values)
        }
        ArrowType::Int64 => {
            let values: Vec<Option<i64>> = array.as_primitive::<Int64Type>().iter().collect();
            Series::new(name, values)
        }
        ArrowType::Float64 => {
            let values: Vec<Option<f64>> = array.as_primitive::<Float64Type>().iter().collect();
            Series::new(name, values)
        }
        ArrowType::Boolean => {
            let values: Vec<Option<bool>> = array.as_boolean().iter().collect();
            Series::new(name, values)
        }
        other => {
            return Err(CoreError::Arrow(ArrowError::InvalidArgumentError(format!(
                "column {name} has type {other}, which expressions cannot read"
            ))));
        }
    })
}

/// An expression that passed `build` failed on a batch. polars' own message is withheld: it can
/// quote values (e.g. a failed cast), and errors must never carry record content.
#[derive(Debug, Error)]
#[error("validate rule `{rule}`: expression failed to evaluate on a batch ({kind} error)")]
pub struct ExprEvalError {
    /// Rule id.
    pub rule: String,
    /// The polars error kind.
    pub kind: &'static str,
}

fn error_kind(error: &PolarsError) -> &'static str {
    match error {
        PolarsError::ColumnNotFound(_) => "column not found",
        PolarsError::ComputeError(_) => "compute",
        PolarsError::InvalidOperation(_) => "invalid operation",
        PolarsError::SchemaMismatch(_) => "schema mismatch",
        PolarsError::ShapeMismatch(_) => "shape mismatch",
        PolarsError::OutOfBounds(_) => "out of bounds",
        _ => "polars",
    }
}

/// The runtime check of an `expr` rule.
#[derive(Debug)]
pub struct ExprCheck {
    rule: String,
    expr: Expr,
    /// Referenced fields, in first-use order.
    fields: Vec<String>,
}

impl ExprCheck {
    fn fail(&self, error: PolarsError) -> CoreError {
        CoreError::Arrow(ArrowError::ExternalError(Box::new(ExprEvalError {
            rule: self.rule.clone(),
            kind: error_kind(&error),
        })))
    }
}

impl RowCheck for ExprCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let rows = data.num_rows();
        let mut columns = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            columns.push(Column::from(to_series(
                field,
                column(data, field)?.as_ref(),
            )?));
        }
        let frame = DataFrame::new(rows, columns).map_err(|e| self.fail(e))?;
        let result = evaluate(&self.expr, frame).map_err(|e| self.fail(e))?;
        let verdicts = result.bool().map_err(|e| self.fail(e))?;
        if verdicts.len() != rows {
            return Err(self.fail(PolarsError::ShapeMismatch(
                "result length differs from batch".into(),
            )));
        }
        let fields = self.fields.join(", ");
        Ok(verdicts
            .iter()
            .map(|verdict| match verdict {
                Some(true) => Verdict::Pass,
                Some(false) => Verdict::Fail(Failure {
                    detail: format!("expr over [{fields}] evaluated to false"),
                    outcome: Some("false"),
                }),
                None => Verdict::Fail(Failure {
                    detail: format!("expr over [{fields}] evaluated to NULL"),
                    outcome: Some("null"),
                }),
            })
            .collect())
    }

    fn outcomes(&self) -> &'static [&'static str] {
        &["false", "null"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(expr: &str) -> Result<Rule, ValidateError> {
        ExprConfig {
            id: "check".to_owned(),
            expr: expr.to_owned(),
            severity: Severity::Error,
        }
        .build(&schema())
    }

    fn outcomes(expr: &str, rows: &[serde_json::Value]) -> Vec<Option<&'static str>> {
        rule(expr)
            .unwrap()
            .check
            .check(&batch(rows))
            .unwrap()
            .iter()
            .map(|v| v.failure().map(|f| f.outcome.unwrap_or("?")))
            .collect()
    }

    #[test]
    fn and_between_and_length_on_strings() {
        let out = outcomes(
            "length(subject) >= 5 AND amount BETWEEN 0 AND 100000",
            &[
                json!({"subject": "Printer jam", "amount": 120.5}),
                json!({"subject": "打印机卡纸了", "amount": 0.0}),
                json!({"subject": "Jam", "amount": 10.0}),
                json!({"subject": "Printer jam", "amount": 100000.01}),
                json!({"subject": "Printer jam", "amount": -1.0}),
                // 4 chars but 12 bytes: length() must count chars.
                json!({"subject": "打印卡纸", "amount": 1.0}),
            ],
        );
        assert_eq!(
            out,
            vec![
                None,
                None,
                Some("false"),
                Some("false"),
                Some("false"),
                Some("false")
            ]
        );
    }

    #[test]
    fn or_and_integers_and_bools() {
        let out = outcomes(
            "priority > 3 OR escalated",
            &[
                json!({"priority": 5, "escalated": false}),
                json!({"priority": 1, "escalated": true}),
                json!({"priority": 1, "escalated": false}),
            ],
        );
        assert_eq!(out, vec![None, None, Some("false")]);
    }

    #[test]
    fn null_is_not_a_pass() {
        let r = rule("amount > 0").unwrap();
        let out = r
            .check
            .check(&batch(&[
                json!({"amount": 5.0}),
                json!({"amount": null}),
                json!({"amount": -5.0}),
            ]))
            .unwrap();
        assert_eq!(out[0], Verdict::Pass);
        let null = out[1].failure().unwrap();
        assert_eq!(null.outcome, Some("null"));
        assert_eq!(null.detail, "expr over [amount] evaluated to NULL");
        let false_ = out[2].failure().unwrap();
        assert_eq!(false_.outcome, Some("false"));
        assert_eq!(false_.detail, "expr over [amount] evaluated to false");
    }

    #[test]
    fn explicit_null_handling_passes() {
        let out = outcomes(
            "amount IS NULL OR amount > 0",
            &[json!({"amount": null}), json!({"amount": -1.0})],
        );
        assert_eq!(out, vec![None, Some("false")]);
    }

    #[test]
    fn bad_sql_is_rejected_with_polars_message() {
        let err = rule("amount >").unwrap_err();
        let ValidateError::InvalidExpr { rule, message } = &err else {
            panic!("unexpected {err}")
        };
        assert_eq!(rule, "check");
        assert!(!message.is_empty());
        assert!(
            err.to_string()
                .starts_with("validate rule `check`: invalid SQL expression:")
        );
    }

    #[test]
    fn runtime_errors_do_not_quote_values() {
        let r = rule("CAST(subject AS INTEGER) > 0").unwrap();
        let err = r
            .check
            .check(&batch(&[json!({"subject": "secret-token-xyz"})]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("validate rule `check`"), "{err}");
        assert!(!err.contains("secret-token-xyz"), "{err}");
    }

    #[test]
    fn unknown_and_nested_columns_are_rejected_by_name() {
        let err = rule("amout > 0").unwrap_err();
        assert!(matches!(err, ValidateError::UnknownField { ref field, .. } if field == "amout"));
        let err = rule("messages IS NOT NULL").unwrap_err();
        assert!(
            matches!(err, ValidateError::WrongFieldType { ref field, .. } if field == "messages"),
            "{err}"
        );
    }

    #[test]
    fn non_boolean_aggregate_and_constant_exprs_are_rejected() {
        assert!(matches!(
            rule("amount + 1"),
            Err(ValidateError::InvalidExpr { ref message, .. }) if message.contains("not a boolean")
        ));
        assert!(matches!(
            rule("sum(amount) > 0"),
            Err(ValidateError::InvalidExpr { ref message, .. }) if message.contains("one value per row")
        ));
        assert!(matches!(
            rule("1 = 1"),
            Err(ValidateError::InvalidExpr { ref message, .. }) if message.contains("no field")
        ));
    }
}
