//! JSON parsing that refuses an object with a repeated key, at any depth.
//!
//! RFC 8259 leaves the meaning of a repeated name open and parsers disagree (serde_json and
//! Python keep the last value, others the first or both), so a record with one means different
//! things to different consumers. sluice quarantines it instead of silently picking one.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The error text that marks a repeated key among serde_json's errors (never shown to users).
const DUPLICATE: &str = "sluice: repeated object key";

/// Why a line is not a usable JSON value.
#[derive(Debug)]
pub(crate) enum StrictError {
    /// Not JSON.
    Malformed(serde_json::Error),
    /// An object repeats a key; the column is where the repeat was found.
    DuplicateKey {
        /// 1-based column just after the repeated key's value.
        column: usize,
    },
}

/// Parses `text` as one JSON value, failing on repeated object keys.
pub(crate) fn parse_strict(text: &str) -> Result<Value, StrictError> {
    match serde_json::from_str::<StrictValue>(text) {
        Ok(StrictValue(value)) => Ok(value),
        Err(error) if error.is_data() && error.to_string().starts_with(DUPLICATE) => {
            Err(StrictError::DuplicateKey {
                column: error.column(),
            })
        }
        Err(error) => Err(StrictError::Malformed(error)),
    }
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let StrictValue(value) = access.next_value()?;
            if map.insert(key, value).is_some() {
                return Err(de::Error::custom(DUPLICATE));
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_exactly_as_serde_json_does() {
        for text in [
            r#"{"a": 1, "b": [1.5, -2, 18446744073709551615, "x", null, true], "c": {"d": {}}}"#,
            r#"[{"a": 1}, {"a": 2}]"#,
            r#""just text""#,
            "1e308",
            r#"{"emoji": "\ud83d\ude00", "zh": "订单"}"#,
        ] {
            let strict = parse_strict(text).unwrap();
            let plain: Value = serde_json::from_str(text).unwrap();
            assert_eq!(strict, plain, "{text}");
        }
    }

    #[test]
    fn a_repeated_key_is_refused_at_any_depth() {
        for text in [
            r#"{"id": "b1", "body": "one", "body": "two"}"#,
            r#"{"id": "b1", "customer": {"email": "x", "email": "y"}}"#,
            r#"{"messages": [{"role": "user", "role": "assistant"}]}"#,
        ] {
            assert!(
                matches!(parse_strict(text), Err(StrictError::DuplicateKey { .. })),
                "{text}"
            );
        }
        // Equal keys in sibling objects are not repeats.
        assert!(parse_strict(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
        assert!(parse_strict(r#"{"a": {"a": {"a": 1}}}"#).is_ok());
    }

    #[test]
    fn malformed_json_is_reported_as_such() {
        for text in ["{", r#"{"a": }"#, "[1,]", "nul", r#"{"a": 1} trailing"#] {
            assert!(
                matches!(parse_strict(text), Err(StrictError::Malformed(_))),
                "{text}"
            );
        }
    }
}
