//! JSON parsing into a value tree that borrows from the line and refuses an object with a
//! repeated key, at any depth.
//!
//! RFC 8259 leaves the meaning of a repeated name open and parsers disagree (serde_json and
//! Python keep the last value, others the first or both), so a record with one means different
//! things to different consumers. sluice quarantines it instead of silently picking one.
//!
//! The tree is built for reading a record once: strings without escapes borrow from the line,
//! and an object is a vector of pairs searched linearly. Parsing into `serde_json::Value` (an
//! owned string per key and value, and an insertion-ordered hash map per object, messages
//! included) spent a third of the ingest phase hashing, allocating and freeing.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// The error text that marks a repeated key among serde_json's errors (never shown to users).
const DUPLICATE: &str = "sluice: repeated object key";

/// Up to this many keys an object is checked for a repeat by comparing with every earlier key;
/// past it, a set of the keys takes over, so a pathological object costs linear time.
const LINEAR_KEYS: usize = 16;

/// A parsed JSON value; strings borrow from the parsed text unless they had escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Any number, as serde_json reads it.
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object, keys in text order.
    Object(Object<'a>),
}

/// A JSON object's members in text order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object<'a> {
    members: Vec<(Cow<'a, str>, Json<'a>)>,
}

impl<'a> Object<'a> {
    /// The value of `key`, if present (keys are unique: a parse merges or refuses repeats).
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The members in text order.
    #[cfg(test)]
    pub(crate) fn members(&self) -> &[(Cow<'a, str>, Json<'a>)] {
        &self.members
    }
}

impl Json<'_> {
    /// Whether this is `null`.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The same value as a `serde_json::Value` (tests compare with serde_json's own parse).
    #[cfg(test)]
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.to_string()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(object) => Value::Object(
                object
                    .members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

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
pub(crate) fn parse_strict(text: &str) -> Result<Json<'_>, StrictError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = JsonSeed { strict: true }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(value) => Ok(value),
        Err(error) if error.is_data() && error.to_string().starts_with(DUPLICATE) => {
            Err(StrictError::DuplicateKey {
                column: error.column(),
            })
        }
        Err(error) => Err(StrictError::Malformed(error)),
    }
}

/// Parses `text` as one JSON value the way `serde_json::from_str::<Value>` does: a repeated
/// key's last value wins, in the first one's place. For JSON nested in a string field, whose
/// reading predates the strict rule for whole records.
pub(crate) fn parse_lenient(text: &str) -> Option<Json<'_>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = JsonSeed { strict: false }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    Some(value)
}

/// Deserializes one value; `strict` refuses repeated keys.
#[derive(Clone, Copy)]
struct JsonSeed {
    strict: bool,
}

impl<'de> DeserializeSeed<'de> for JsonSeed {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json<'de>, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        // The keys once the object outgrows the linear check.
        let mut seen: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(key) = access.next_key_seed(KeySeed)? {
            let value = access.next_value_seed(self)?;
            let earlier = match seen.as_mut() {
                Some(keys) if keys.contains(&key) => members.iter().position(|(k, _)| *k == key),
                Some(keys) => {
                    keys.insert(key.clone());
                    None
                }
                None => members.iter().position(|(k, _)| *k == key),
            };
            match earlier {
                Some(_) if self.strict => return Err(de::Error::custom(DUPLICATE)),
                Some(at) => members[at].1 = value,
                None => {
                    members.push((key, value));
                    if seen.is_none() && members.len() > LINEAR_KEYS {
                        seen = Some(members.iter().map(|(k, _)| k.clone()).collect());
                    }
                }
            }
        }
        Ok(Json::Object(Object { members }))
    }
}

/// Deserializes an object key, borrowing it from the text when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    #[test]
    fn values_parse_exactly_as_serde_json_does() {
        for text in [
            r#"{"a": 1, "b": [1.5, -2, 18446744073709551615, "x", null, true], "c": {"d": {}}}"#,
            r#"[{"a": 1}, {"a": 2}]"#,
            r#""just text""#,
            "1e308",
            r#"{"emoji": "\ud83d\ude00", "zh": "订单", "k\"ey": "v\nw"}"#,
        ] {
            let strict = parse_strict(text).unwrap();
            let plain: Value = serde_json::from_str(text).unwrap();
            assert_eq!(strict.to_value(), plain, "{text}");
            assert_eq!(parse_lenient(text).unwrap(), strict, "{text}");
        }
    }

    #[test]
    fn strings_without_escapes_borrow_from_the_text() {
        let Json::Object(object) =
            parse_strict(r#"{"plain": "abc", "esc\u0061ped": "a\tb"}"#).unwrap()
        else {
            panic!("an object")
        };
        let [(k1, v1), (k2, v2)] = object.members() else {
            panic!("two members")
        };
        assert!(matches!(k1, Cow::Borrowed("plain")));
        assert!(matches!(v1, Json::String(Cow::Borrowed("abc"))));
        assert!(matches!(k2, Cow::Owned(k) if k == "escaped"));
        assert!(matches!(v2, Json::String(Cow::Owned(v)) if v == "a\tb"));
    }

    #[test]
    fn a_repeated_key_is_refused_at_any_depth() {
        for text in [
            r#"{"id": "b1", "body": "one", "body": "two"}"#,
            r#"{"id": "b1", "customer": {"email": "x", "email": "y"}}"#,
            r#"{"messages": [{"role": "user", "role": "assistant"}]}"#,
            r#"{"a": 1, "\u0061": 2}"#,
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
    fn the_repeat_is_located_after_its_value() {
        let text = r#"{"a": 1, "b": 2, "a": 345, "c": 4}"#;
        let Err(StrictError::DuplicateKey { column }) = parse_strict(text) else {
            panic!("a repeat")
        };
        assert_eq!(&text[..column], r#"{"a": 1, "b": 2, "a": 345"#);
    }

    #[test]
    fn malformed_json_is_reported_as_such() {
        for text in ["{", r#"{"a": }"#, "[1,]", "nul", r#"{"a": 1} trailing"#] {
            assert!(
                matches!(parse_strict(text), Err(StrictError::Malformed(_))),
                "{text}"
            );
            assert!(parse_lenient(text).is_none(), "{text}");
        }
    }

    /// A JSON object text with keys drawn from a small alphabet, so repeats are common, and
    /// enough of them to cross from the linear check to the key set.
    fn object_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(("[a-c]{1,2}", any::<u8>()), 0..40).prop_map(|members| {
            let body: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("{{{}}}", body.join(", "))
        })
    }

    proptest! {
        /// Strict parsing refuses exactly the objects with a repeated key, and lenient parsing
        /// equals serde_json's own reading of any object.
        #[test]
        fn repeats_are_found_whatever_the_object_size(text in object_text()) {
            let plain: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
            let keys = text.matches("\": ").count();
            let repeated = plain.len() < keys;
            prop_assert_eq!(
                matches!(parse_strict(&text), Err(StrictError::DuplicateKey { .. })),
                repeated
            );
            prop_assert_eq!(parse_lenient(&text).unwrap().to_value(), Value::Object(plain));
        }
    }
}
