//! Coercing JSON values (and CSV cells, which arrive as JSON strings) to a declared field type.
//!
//! The result is a [`Cell`] of exactly the declared shape, so turning rows into columns never
//! meets a value it cannot take.

use crate::cell::Cell;
use crate::strict_json::{Json, Object, parse_lenient};
use serde_json::Number;
use sluice_core::FieldType;

/// A value that does not fit its declared type: where inside the field, what was expected and
/// what JSON type was found. Never the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// Location inside the field, e.g. `[1].content`; empty for the field itself.
    pub at: String,
    pub expected: String,
    pub found: String,
}

impl Mismatch {
    fn new(expected: &FieldType, found: &Json<'_>) -> Self {
        Mismatch {
            at: String::new(),
            expected: expected.to_string(),
            found: json_type(found).to_owned(),
        }
    }

    fn within(mut self, step: &str) -> Self {
        self.at.insert_str(0, step);
        self
    }
}

/// The JSON type name of `value`, for details.
pub(crate) fn json_type(value: &Json<'_>) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// `value` converted to `ty`. Null stays null; so does blank text for a number or bool.
pub(crate) fn coerce(value: &Json<'_>, ty: &FieldType) -> Result<Cell, Mismatch> {
    let mismatch = || Mismatch::new(ty, value);
    match (ty, value) {
        (_, Json::Null) => Ok(Cell::Null),
        (FieldType::String, Json::String(s)) => Ok(Cell::Str(s.as_ref().to_owned())),
        (FieldType::String, Json::Number(n)) => Ok(Cell::Str(n.to_string())),
        (FieldType::String, Json::Bool(b)) => Ok(Cell::Str(b.to_string())),
        (FieldType::Int64 | FieldType::Float64 | FieldType::Bool, Json::String(s))
            if s.trim().is_empty() =>
        {
            Ok(Cell::Null)
        }
        (FieldType::Int64, Json::Number(n)) => int_from_number(n).ok_or_else(mismatch),
        (FieldType::Int64, Json::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Cell::Int)
            .map_err(|_| mismatch()),
        (FieldType::Float64, Json::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Cell::Float)
            .ok_or_else(mismatch),
        (FieldType::Float64, Json::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Cell::Float)
            .ok_or_else(mismatch),
        (FieldType::Bool, Json::Bool(b)) => Ok(Cell::Bool(*b)),
        (FieldType::Bool, Json::Number(n)) => match n.as_i64() {
            Some(0) => Ok(Cell::Bool(false)),
            Some(1) => Ok(Cell::Bool(true)),
            _ => Err(mismatch()),
        },
        (FieldType::Bool, Json::String(s)) => parse_bool(s).map(Cell::Bool).ok_or_else(mismatch),
        (FieldType::List(inner), Json::Array(items)) => coerce_list(inner, items),
        (FieldType::Struct(children), Json::Object(object)) => coerce_struct(children, object),
        // Nested values exported as JSON text (a CSV cell, a double-encoded JSON field).
        (FieldType::List(_) | FieldType::Struct(_), Json::String(s)) => {
            let nested = parse_nested_text(s).ok_or_else(mismatch)?;
            coerce(&nested, ty)
        }
        _ => Err(mismatch()),
    }
}

fn int_from_number(n: &Number) -> Option<Cell> {
    if let Some(i) = n.as_i64() {
        return Some(Cell::Int(i));
    }
    // Exporters often write integers as `3.0`; accept them only when nothing is lost.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    let f = n.as_f64()?;
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(Cell::Int(f as i64))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn parse_nested_text(text: &str) -> Option<Json<'_>> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return None;
    }
    parse_lenient(text)
}

fn coerce_list(inner: &FieldType, items: &[Json<'_>]) -> Result<Cell, Mismatch> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        // A null chat turn (or any null struct element) is a broken record, not an empty turn.
        if item.is_null() && matches!(inner, FieldType::Struct(_)) {
            return Err(Mismatch::new(inner, item).within(&format!("[{i}]")));
        }
        out.push(coerce(item, inner).map_err(|m| m.within(&format!("[{i}]")))?);
    }
    Ok(Cell::List(out))
}

fn coerce_struct(children: &[(String, FieldType)], object: &Object<'_>) -> Result<Cell, Mismatch> {
    let mut out = Vec::with_capacity(children.len());
    for (name, ty) in children {
        out.push(match object.get(name) {
            Some(v) => coerce(v, ty).map_err(|m| m.within(&format!(".{name}")))?,
            None => Cell::Null,
        });
    }
    Ok(Cell::Struct(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strict_json::parse_strict;
    use serde_json::{Value, json};

    fn ok(value: Value, ty: &str) -> Value {
        let text = value.to_string();
        let ty = FieldType::parse(ty).unwrap();
        coerce(&parse_strict(&text).unwrap(), &ty)
            .unwrap()
            .to_value(&ty)
    }

    fn err(value: Value, ty: &str) -> Mismatch {
        let text = value.to_string();
        coerce(
            &parse_strict(&text).unwrap(),
            &FieldType::parse(ty).unwrap(),
        )
        .unwrap_err()
    }

    #[test]
    fn scalars_coerce_from_json_and_text() {
        assert_eq!(ok(json!("x"), "string"), json!("x"));
        assert_eq!(ok(json!(12.50), "string"), json!("12.5"));
        assert_eq!(ok(json!(7), "string"), json!("7"));
        assert_eq!(ok(json!(true), "string"), json!("true"));
        assert_eq!(ok(json!(" 42 "), "int64"), json!(42));
        assert_eq!(ok(json!(-3), "int64"), json!(-3));
        assert_eq!(ok(json!(3.0), "int64"), json!(3));
        assert_eq!(ok(json!("1.5e2"), "float64"), json!(150.0));
        assert_eq!(ok(json!(2), "float64"), json!(2.0));
        for t in ["true", "YES", "1", " True "] {
            assert_eq!(ok(json!(t), "bool"), json!(true), "{t}");
        }
        for f in ["false", "No", "0"] {
            assert_eq!(ok(json!(f), "bool"), json!(false), "{f}");
        }
        assert_eq!(ok(json!(0), "bool"), json!(false));
        assert_eq!(ok(json!(null), "int64"), json!(null));
        assert_eq!(ok(json!("  "), "float64"), json!(null));
        assert_eq!(ok(json!(""), "string"), json!(""));
    }

    #[test]
    fn scalars_that_do_not_fit_are_mismatches() {
        let m = err(json!("twelve"), "int64");
        assert_eq!((m.expected.as_str(), m.found.as_str()), ("int64", "string"));
        assert_eq!(err(json!(3.5), "int64").found, "number");
        assert_eq!(err(json!(u64::MAX), "int64").found, "number");
        assert_eq!(err(json!("NaN"), "float64").found, "string");
        assert_eq!(err(json!("inf"), "float64").found, "string");
        assert_eq!(err(json!(2), "bool").found, "number");
        assert_eq!(err(json!("maybe"), "bool").found, "string");
        assert_eq!(err(json!({"a": 1}), "string").found, "object");
        assert_eq!(err(json!([1]), "string").found, "array");
        assert_eq!(err(json!(true), "int64").found, "bool");
    }

    #[test]
    fn messages_coerce_recursively_and_ignore_extra_keys() {
        let value = json!([
            {"role": "user", "content": "hi", "name": "x"},
            {"role": "assistant", "content": 5}
        ]);
        assert_eq!(
            ok(value, "messages"),
            json!([
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "5"}
            ])
        );
        assert_eq!(
            ok(json!([{"role": "user"}]), "messages"),
            json!([{"role": "user", "content": null}])
        );
    }

    #[test]
    fn nested_mismatches_say_where() {
        let m = err(json!([{"role": "user", "content": {"t": 1}}]), "messages");
        assert_eq!(m.at, "[0].content");
        assert_eq!(
            (m.expected.as_str(), m.found.as_str()),
            ("string", "object")
        );
        let m = err(json!([{"role": "user"}, "hello"]), "messages");
        assert_eq!(m.at, "[1]");
        assert_eq!(m.found, "string");
        assert_eq!(err(json!([{"role": "user"}, null]), "messages").at, "[1]");
        assert_eq!(err(json!({"role": "user"}), "messages").found, "object");
        assert_eq!(ok(json!([1, null]), "list<int64>"), json!([1, null]));
        assert_eq!(err(json!(["a"]), "list<int64>").at, "[0]");
    }

    #[test]
    fn nested_values_may_arrive_as_json_text() {
        assert_eq!(
            ok(json!(r#"[{"role":"user","content":"hi"}]"#), "messages"),
            json!([{"role": "user", "content": "hi"}])
        );
        assert_eq!(
            ok(json!(r#"{"a": "1"}"#), "struct<a: int64, b: string>"),
            json!({"a": 1, "b": null})
        );
        assert_eq!(err(json!("not json"), "messages").found, "string");
        assert_eq!(err(json!("[broken"), "list<string>").found, "string");
        assert_eq!(err(json!("{\"a\": 1}"), "list<int64>").found, "object");
    }
}
