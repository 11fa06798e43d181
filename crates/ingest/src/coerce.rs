//! Coercing JSON values (and CSV cells, which arrive as JSON strings) to a declared field type.
//!
//! The result is a JSON value of exactly the declared shape, so the Arrow JSON decoder that
//! turns rows into columns never meets a value it cannot take.

use serde_json::{Map, Number, Value};
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
    fn new(expected: &FieldType, found: &Value) -> Self {
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
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `value` converted to `ty`. Null stays null; so does blank text for a number or bool.
pub(crate) fn coerce(value: &Value, ty: &FieldType) -> Result<Value, Mismatch> {
    let mismatch = || Mismatch::new(ty, value);
    match (ty, value) {
        (_, Value::Null) => Ok(Value::Null),
        (FieldType::String, Value::String(_)) => Ok(value.clone()),
        (FieldType::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
        (FieldType::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (FieldType::Int64 | FieldType::Float64 | FieldType::Bool, Value::String(s))
            if s.trim().is_empty() =>
        {
            Ok(Value::Null)
        }
        (FieldType::Int64, Value::Number(n)) => int_from_number(n).ok_or_else(mismatch),
        (FieldType::Int64, Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| mismatch()),
        (FieldType::Float64, Value::Number(n)) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(mismatch),
        (FieldType::Float64, Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(mismatch),
        (FieldType::Bool, Value::Bool(_)) => Ok(value.clone()),
        (FieldType::Bool, Value::Number(n)) => match n.as_i64() {
            Some(0) => Ok(Value::Bool(false)),
            Some(1) => Ok(Value::Bool(true)),
            _ => Err(mismatch()),
        },
        (FieldType::Bool, Value::String(s)) => parse_bool(s).map(Value::Bool).ok_or_else(mismatch),
        (FieldType::List(inner), Value::Array(items)) => coerce_list(inner, items),
        (FieldType::Struct(children), Value::Object(object)) => coerce_struct(children, object),
        // Nested values exported as JSON text (a CSV cell, a double-encoded JSON field).
        (FieldType::List(_) | FieldType::Struct(_), Value::String(s)) => {
            let nested = parse_nested_text(s).ok_or_else(mismatch)?;
            coerce(&nested, ty)
        }
        _ => Err(mismatch()),
    }
}

fn int_from_number(n: &Number) -> Option<Value> {
    if let Some(i) = n.as_i64() {
        return Some(Value::from(i));
    }
    // Exporters often write integers as `3.0`; accept them only when nothing is lost.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    let f = n.as_f64()?;
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then(|| Value::from(f as i64))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn parse_nested_text(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return None;
    }
    serde_json::from_str(text).ok()
}

fn coerce_list(inner: &FieldType, items: &[Value]) -> Result<Value, Mismatch> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        // A null chat turn (or any null struct element) is a broken record, not an empty turn.
        if item.is_null() && matches!(inner, FieldType::Struct(_)) {
            return Err(Mismatch::new(inner, item).within(&format!("[{i}]")));
        }
        out.push(coerce(item, inner).map_err(|m| m.within(&format!("[{i}]")))?);
    }
    Ok(Value::Array(out))
}

fn coerce_struct(
    children: &[(String, FieldType)],
    object: &Map<String, Value>,
) -> Result<Value, Mismatch> {
    let mut out = Map::with_capacity(children.len());
    for (name, ty) in children {
        let value = match object.get(name) {
            Some(v) => coerce(v, ty).map_err(|m| m.within(&format!(".{name}")))?,
            None => Value::Null,
        };
        out.insert(name.clone(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(value: Value, ty: &str) -> Value {
        coerce(&value, &FieldType::parse(ty).unwrap()).unwrap()
    }

    fn err(value: Value, ty: &str) -> Mismatch {
        coerce(&value, &FieldType::parse(ty).unwrap()).unwrap_err()
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
