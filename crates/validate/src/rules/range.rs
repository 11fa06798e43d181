//! `range`: a number must lie within `min`/`max`, each inclusive unless `min_exclusive` /
//! `max_exclusive` is set.
//!
//! Amounts, durations, ratings and counts have physical bounds (a refund is positive, a rating is
//! 1–5, a handling time is under a week); values outside them are entry errors or test data.
//! Works on `int64` and `float64` fields. Integers are compared exactly against the bounds (no
//! rounding through `f64`, which would blur values above 2^53). A float NaN is outside every
//! range (outcome `nan`).
//!
//! Nulls: outcome `null`, failing unless `on_null = "pass"` (counted either way). Values below
//! the range: `below`; above: `above`. Details name the bound crossed, never the value.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "range"
//! field = "amount"
//! min = 0
//! min_exclusive = true      # amount > 0
//! max = 100000
//! ```

use super::{Failure, NullPolicy, RowCheck, Rule, Verdict, column, declared_field_of, invalid};
use crate::config::{Severity, ValidateError};
use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, FieldType, TargetSchema};
use std::cmp::Ordering;

/// Settings of a `range` rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeConfig {
    /// The numeric field checked.
    pub field: String,
    /// Lower bound.
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper bound.
    #[serde(default)]
    pub max: Option<f64>,
    /// The lower bound itself is outside the range.
    #[serde(default)]
    pub min_exclusive: bool,
    /// The upper bound itself is outside the range.
    #[serde(default)]
    pub max_exclusive: bool,
    /// Rule id (default `range_<field>`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
    /// What a null does (counted as `<id>.null` either way).
    #[serde(default)]
    pub on_null: NullPolicy,
}

impl RangeConfig {
    /// Checks the bounds and the field's type and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id.unwrap_or_else(|| format!("range_{}", self.field));
        declared_field_of(
            schema,
            &id,
            &self.field,
            |ty| matches!(ty, FieldType::Int64 | FieldType::Float64),
            "but `range` checks int64 and float64 fields",
        )?;
        match (self.min, self.max) {
            (None, None) => return Err(invalid(&id, "set at least one of `min` and `max`")),
            (Some(b), _) | (_, Some(b)) if !b.is_finite() => {
                return Err(invalid(&id, "bounds must be finite numbers"));
            }
            (Some(min), Some(max))
                if min > max || (min == max && (self.min_exclusive || self.max_exclusive)) =>
            {
                return Err(invalid(&id, "the range is empty"));
            }
            _ => {}
        }
        if self.max.is_some_and(|b| !b.is_finite()) {
            return Err(invalid(&id, "bounds must be finite numbers"));
        }
        let check = RangeCheck {
            field: self.field.clone(),
            min: self.min,
            max: self.max,
            min_exclusive: self.min_exclusive,
            max_exclusive: self.max_exclusive,
            on_null: self.on_null,
        };
        Rule::row(
            id,
            self.severity,
            "range",
            vec![self.field],
            check.describe(),
            check,
        )
    }
}

/// How the integer `value` compares to the float `bound` (finite), exactly.
pub fn cmp_int_float(value: i64, bound: f64) -> Ordering {
    // i64 spans [-2^63, 2^63); both ends are exact as f64, and a bound beyond them is beyond
    // every integer.
    if bound >= i64::MAX as f64 {
        return Ordering::Less;
    }
    if bound < i64::MIN as f64 {
        return Ordering::Greater;
    }
    let whole = bound.trunc();
    // In range now, so the cast is exact.
    let truncated = whole as i64;
    match value.cmp(&truncated) {
        Ordering::Equal => {
            let fraction = bound - whole;
            if fraction > 0.0 {
                Ordering::Less
            } else if fraction < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    }
}

/// The runtime check of a `range` rule.
#[derive(Debug)]
pub struct RangeCheck {
    field: String,
    min: Option<f64>,
    max: Option<f64>,
    min_exclusive: bool,
    max_exclusive: bool,
    on_null: NullPolicy,
}

impl RangeCheck {
    fn describe(&self) -> String {
        let low = self
            .min
            .map(|m| format!("{} {m}", if self.min_exclusive { ">" } else { ">=" }));
        let high = self
            .max
            .map(|m| format!("{} {m}", if self.max_exclusive { "<" } else { "<=" }));
        match (low, high) {
            (Some(low), Some(high)) => format!("value {low} and {high}"),
            (Some(one), None) | (None, Some(one)) => format!("value {one}"),
            (None, None) => "any value".to_owned(),
        }
    }

    /// The verdict for a value that compares to the bounds as `to_min` / `to_max`.
    fn judge(&self, to_min: Option<Ordering>, to_max: Option<Ordering>) -> Verdict {
        let field = &self.field;
        if let (Some(order), Some(min)) = (to_min, self.min)
            && (order == Ordering::Less || (self.min_exclusive && order == Ordering::Equal))
        {
            let op = if self.min_exclusive { ">" } else { ">=" };
            return Verdict::Fail(Failure::with(
                "below",
                format!("field {field}: value not {op} {min}"),
            ));
        }
        if let (Some(order), Some(max)) = (to_max, self.max)
            && (order == Ordering::Greater || (self.max_exclusive && order == Ordering::Equal))
        {
            let op = if self.max_exclusive { "<" } else { "<=" };
            return Verdict::Fail(Failure::with(
                "above",
                format!("field {field}: value not {op} {max}"),
            ));
        }
        Verdict::Pass
    }
}

impl RowCheck for RangeCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let array = column(data, &self.field)?;
        let field = &self.field;
        let null = || {
            self.on_null
                .verdict("null", || format!("field {field} is null"))
        };
        Ok(match array.data_type() {
            DataType::Int64 => array
                .as_primitive::<Int64Type>()
                .iter()
                .map(|value| match value {
                    None => null(),
                    Some(v) => self.judge(
                        self.min.map(|b| cmp_int_float(v, b)),
                        self.max.map(|b| cmp_int_float(v, b)),
                    ),
                })
                .collect(),
            _ => array
                .as_primitive::<Float64Type>()
                .iter()
                .map(|value| match value {
                    None => null(),
                    Some(v) if v.is_nan() => {
                        Verdict::Fail(Failure::with("nan", format!("field {field}: value is NaN")))
                    }
                    Some(v) => self.judge(
                        self.min.and_then(|b| v.partial_cmp(&b)),
                        self.max.and_then(|b| v.partial_cmp(&b)),
                    ),
                })
                .collect(),
        })
    }

    fn outcomes(&self) -> &'static [&'static str] {
        &["null", "below", "above", "nan"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(text: &str) -> Result<Rule, ValidateError> {
        toml::from_str::<RangeConfig>(text)
            .unwrap()
            .build(&schema())
    }

    fn outcomes(r: &Rule, rows: &[serde_json::Value]) -> Vec<Option<&'static str>> {
        r.check
            .check(&batch(rows))
            .unwrap()
            .iter()
            .map(|v| v.failure().map(|f| f.outcome.unwrap_or("?")))
            .collect()
    }

    #[test]
    fn floats_inclusive_and_exclusive() {
        let r = rule("field = \"amount\"\nmin = 0\nmin_exclusive = true\nmax = 100").unwrap();
        assert_eq!(r.description, "value > 0 and <= 100");
        let rows = [
            json!({"amount": 0.01}),
            json!({"amount": 0.0}),
            json!({"amount": 100.0}),
            json!({"amount": 100.5}),
            json!({"amount": null}),
        ];
        assert_eq!(
            outcomes(&r, &rows),
            vec![None, Some("below"), None, Some("above"), Some("null")]
        );
        let f = r.check.check(&batch(&rows[1..2])).unwrap();
        assert_eq!(
            f[0].failure().unwrap().detail,
            "field amount: value not > 0"
        );
    }

    #[test]
    fn integers_compare_exactly() {
        let r = rule(
            "field = \"priority\"\nmin = 1\nmax = 3.5\nmax_exclusive = true\non_null = \"pass\"",
        )
        .unwrap();
        let rows = [
            json!({"priority": 1}),
            json!({"priority": 3}),
            json!({"priority": 4}),
            json!({"priority": 0}),
            json!({"priority": null}),
        ];
        assert_eq!(
            outcomes(&r, &rows),
            vec![None, None, Some("above"), Some("below"), None]
        );
        assert_eq!(cmp_int_float(i64::MAX, 9.3e18), Ordering::Less);
        assert_eq!(cmp_int_float(i64::MIN, -9.3e18), Ordering::Greater);
        assert_eq!(cmp_int_float(2, 2.5), Ordering::Less);
        assert_eq!(cmp_int_float(-2, -2.5), Ordering::Greater);
        assert_eq!(cmp_int_float(7, 7.0), Ordering::Equal);
        // 2^53 + 1 is not representable as f64; exact comparison still sees it above 2^53.
        assert_eq!(
            cmp_int_float((1 << 53) + 1, 9_007_199_254_740_992.0),
            Ordering::Greater
        );
    }

    #[test]
    fn build_errors() {
        assert!(rule("field = \"amount\"").is_err());
        assert!(rule("field = \"amount\"\nmin = 5\nmax = 1").is_err());
        assert!(rule("field = \"amount\"\nmin = 5\nmax = 5\nmax_exclusive = true").is_err());
        assert!(rule("field = \"amount\"\nmin = 5\nmax = 5").is_ok());
        assert!(rule("field = \"amount\"\nmax = nan").is_err());
        assert!(matches!(
            rule("field = \"subject\"\nmin = 1"),
            Err(ValidateError::WrongFieldType { .. })
        ));
    }
}
