//! Tag-time extraction of each row's survivor rank: its key length for `longest`, or the value of
//! the rule's field for `earliest` / `latest` / `highest`.

use crate::survivor::{Rank, SurvivorRule};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use sluice_core::FieldPath;
use sluice_core::strings::visit_strings;

/// One rank per row of `data` for `rule`; every row gets [`Rank::Null`] for positional rules.
pub fn row_ranks(data: &RecordBatch, rule: &SurvivorRule, key: &[String]) -> Vec<Rank> {
    let rows = data.num_rows();
    match rule.base() {
        SurvivorRule::First | SurvivorRule::Last | SurvivorRule::PreferInputs { .. } => {
            vec![Rank::Null; rows]
        }
        SurvivorRule::Longest => {
            // Characters of the raw key text (all string leaves, nested ones included).
            let mut lengths = vec![0i64; rows];
            for name in key {
                if let Some(column) = data.column_by_name(name) {
                    visit_strings(
                        column.as_ref(),
                        &FieldPath::root(name),
                        &mut |site, text| {
                            lengths[site.row] += text.chars().count() as i64;
                        },
                    );
                }
            }
            lengths.into_iter().map(Rank::Int).collect()
        }
        SurvivorRule::Earliest(field)
        | SurvivorRule::Latest(field)
        | SurvivorRule::Highest(field) => {
            let Some(column) = data.column_by_name(field) else {
                return vec![Rank::Null; rows];
            };
            match column.data_type() {
                DataType::Int64 => column
                    .as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| v.map_or(Rank::Null, Rank::Int))
                    .collect(),
                DataType::Float64 => column
                    .as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| match v {
                        Some(x) if !x.is_nan() => Rank::Float(x),
                        _ => Rank::Null,
                    })
                    .collect(),
                DataType::Utf8 => column
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map_or(Rank::Null, |s| Rank::Text(s.into())))
                    .collect(),
                // Validation only admits the types above; anything else ranks as null.
                _ => vec![Rank::Null; rows],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    fn data() -> RecordBatch {
        let body: ArrayRef = Arc::new(StringArray::from(vec![Some("abc"), None, Some("你好")]));
        let at: ArrayRef = Arc::new(StringArray::from(vec![Some("2024"), Some("2023"), None]));
        let n: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3)]));
        let x: ArrayRef = Arc::new(Float64Array::from(vec![Some(f64::NAN), Some(0.5), None]));
        RecordBatch::try_from_iter([("body", body), ("at", at), ("n", n), ("x", x)]).unwrap()
    }

    #[test]
    fn longest_counts_chars_not_bytes() {
        let r = row_ranks(&data(), &SurvivorRule::Longest, &["body".into()]);
        assert_eq!(r, vec![Rank::Int(3), Rank::Int(0), Rank::Int(2)]);
    }

    #[test]
    fn field_rules_read_typed_values_and_nulls() {
        let d = data();
        let r = row_ranks(&d, &SurvivorRule::Latest("at".into()), &[]);
        assert_eq!(
            r,
            vec![
                Rank::Text("2024".into()),
                Rank::Text("2023".into()),
                Rank::Null
            ]
        );
        let r = row_ranks(&d, &SurvivorRule::Highest("n".into()), &[]);
        assert_eq!(r, vec![Rank::Int(1), Rank::Null, Rank::Int(3)]);
        let r = row_ranks(&d, &SurvivorRule::Highest("x".into()), &[]);
        assert_eq!(r, vec![Rank::Null, Rank::Float(0.5), Rank::Null]);
        let r = row_ranks(&d, &SurvivorRule::First, &[]);
        assert_eq!(r, vec![Rank::Null; 3]);
    }
}
