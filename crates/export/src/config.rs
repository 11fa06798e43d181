//! The `[output]` table of a pipeline file.

use crate::error::ExportError;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Largest allowed gap between the sum of split fractions and 1.0 (TOML decimals such as
/// `0.9 + 0.1` are not exact in binary).
const SUM_TOLERANCE: f64 = 1e-9;

/// How the training set is split and sharded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Split name → fraction of rows, in the order written (`{ train = 0.9, validation = 0.1 }`).
    /// Rows are assigned by a hash of their split key. Default: train 0.95, validation 0.05.
    #[serde(
        default = "default_splits",
        deserialize_with = "deserialize_splits",
        serialize_with = "serialize_splits"
    )]
    pub splits: Vec<(String, f64)>,
    /// Most rows per Parquet shard; a split with more rows is written as several files.
    #[serde(default = "default_rows_per_shard")]
    pub rows_per_shard: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            splits: default_splits(),
            rows_per_shard: default_rows_per_shard(),
        }
    }
}

impl OutputConfig {
    /// Checks every key; the error names the offending one (`output.splits.<name>`).
    pub fn validate(&self) -> Result<(), ExportError> {
        if self.splits.is_empty() {
            return Err(config_error("output.splits", "declare at least one split"));
        }
        for (i, (name, fraction)) in self.splits.iter().enumerate() {
            let key = format!("output.splits.{name}");
            if !is_split_name(name) {
                return Err(config_error(
                    &key,
                    "split names must match ^[A-Za-z_][A-Za-z0-9_]*$",
                ));
            }
            if self.splits[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(config_error(&key, "split declared twice"));
            }
            if !(fraction.is_finite() && *fraction > 0.0) {
                return Err(config_error(
                    &key,
                    &format!("fraction must be > 0, got {fraction}"),
                ));
            }
        }
        let sum: f64 = self.splits.iter().map(|(_, f)| f).sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            return Err(config_error(
                "output.splits",
                &format!("fractions must sum to 1, they sum to {sum}"),
            ));
        }
        if self.rows_per_shard == 0 {
            return Err(config_error("output.rows_per_shard", "must be at least 1"));
        }
        Ok(())
    }
}

fn config_error(key: &str, reason: &str) -> ExportError {
    ExportError::Config {
        key: key.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Split names become file names and Hugging Face split names, so keep them to identifiers.
pub(crate) fn is_split_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn default_splits() -> Vec<(String, f64)> {
    vec![("train".to_owned(), 0.95), ("validation".to_owned(), 0.05)]
}

fn default_rows_per_shard() -> usize {
    100_000
}

/// Reads a table of name → fraction in the order the deserializer yields keys, which for the
/// workspace's `toml`/`serde_json` (built with `preserve_order`) is the order written.
fn deserialize_splits<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
    struct SplitsVisitor;
    impl<'de> Visitor<'de> for SplitsVisitor {
        type Value = Vec<(String, f64)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of split name = fraction, e.g. { train = 0.9, validation = 0.1 }")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut splits = Vec::new();
            while let Some((name, fraction)) = map.next_entry::<String, f64>()? {
                splits.push((name, fraction));
            }
            Ok(splits)
        }
    }
    d.deserialize_map(SplitsVisitor)
}

fn serialize_splits<S: Serializer>(splits: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(splits.len()))?;
    for (name, fraction) in splits {
        map.serialize_entry(name, fraction)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<OutputConfig, toml::de::Error> {
        toml::from_str(text)
    }

    fn key_of(err: ExportError) -> String {
        match err {
            ExportError::Config { key, .. } => key,
            other => panic!("expected a config error, got {other}"),
        }
    }

    #[test]
    fn defaults_apply_and_validate() {
        let config = parse("").unwrap();
        assert_eq!(config, OutputConfig::default());
        assert_eq!(config.rows_per_shard, 100_000);
        assert_eq!(config.splits[0], ("train".to_owned(), 0.95));
        config.validate().unwrap();
    }

    #[test]
    fn splits_keep_written_order() {
        let config =
            parse("splits = { validation = 0.1, train = 0.8, test = 0.1 }\nrows_per_shard = 2")
                .unwrap();
        let names: Vec<&str> = config.splits.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["validation", "train", "test"]);
        assert_eq!(config.rows_per_shard, 2);
        config.validate().unwrap();
    }

    #[test]
    fn serializes_splits_as_an_ordered_table() {
        let config = parse("splits = { zeta = 0.5, alpha = 0.5 }").unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            json,
            r#"{"splits":{"zeta":0.5,"alpha":0.5},"rows_per_shard":100000}"#
        );
        let back: OutputConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_rejected() {
        assert!(parse("shards = 3").is_err());
        assert!(parse("splits = [0.5, 0.5]").is_err());
        assert!(parse("splits = { train = \"all\" }").is_err());
    }

    #[test]
    fn validation_names_the_bad_key() {
        let bad_fraction = parse("splits = { train = 1.0, test = 0.0 }").unwrap();
        assert_eq!(
            key_of(bad_fraction.validate().unwrap_err()),
            "output.splits.test"
        );

        let bad_sum = parse("splits = { train = 0.9, test = 0.2 }").unwrap();
        assert_eq!(key_of(bad_sum.validate().unwrap_err()), "output.splits");

        let bad_name = parse("splits = { \"my-split\" = 1.0 }").unwrap();
        assert_eq!(
            key_of(bad_name.validate().unwrap_err()),
            "output.splits.my-split"
        );

        let bad_shard = parse("rows_per_shard = 0").unwrap();
        assert_eq!(
            key_of(bad_shard.validate().unwrap_err()),
            "output.rows_per_shard"
        );

        let empty = parse("splits = {}").unwrap();
        assert_eq!(key_of(empty.validate().unwrap_err()), "output.splits");
    }

    #[test]
    fn near_one_sums_are_accepted() {
        let config = parse("splits = { a = 0.7, b = 0.2, c = 0.1 }").unwrap();
        config.validate().unwrap();
        let programmatic = OutputConfig {
            splits: vec![("a".into(), 0.5), ("a".into(), 0.5)],
            rows_per_shard: 1,
        };
        assert_eq!(
            key_of(programmatic.validate().unwrap_err()),
            "output.splits.a"
        );
    }

    #[test]
    fn split_name_rule() {
        assert!(is_split_name("train"));
        assert!(is_split_name("_x9"));
        assert!(!is_split_name("9x"));
        assert!(!is_split_name(""));
        assert!(!is_split_name("a.b"));
        assert!(!is_split_name("训练"));
    }
}
