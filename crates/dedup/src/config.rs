//! The `[[stages]] kind = "dedup"` table and its validation against the record schema.

use crate::near::NearConfig;
use crate::normalize::Normalization;
use crate::survivor::SurvivorRule;
use serde::{Deserialize, Serialize};
use sluice_core::FieldType;
use sluice_core::TargetSchema;
use thiserror::Error;

/// Settings of a dedup stage (the pipeline file's stage table without `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    /// Fields whose normalised values, in this order, form the exact-duplicate key.
    pub key: Vec<String>,
    /// Normalisation steps applied to text before comparing, in order.
    #[serde(default = "Normalization::defaults")]
    pub normalize: Vec<Normalization>,
    /// Which row of a duplicate group is kept: `first`, `last`, `longest`, `earliest:<field>`,
    /// `latest:<field>` or `highest:<field>`, ties broken by input order.
    #[serde(default)]
    pub survivor: SurvivorRule,
    /// Near-duplicate detection over the exact survivors; off when absent.
    #[serde(default)]
    pub near: Option<NearConfig>,
}

/// A dedup stage configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DedupError {
    /// `key` lists no field.
    #[error("dedup `key` must name at least one field")]
    EmptyKey,
    /// `key` names a field the schema does not declare.
    #[error("dedup key field `{0}` is not a declared field")]
    UnknownField(String),
    /// A `prefer_inputs` pattern matches none of the run's inputs.
    #[error("dedup survivor `prefer_inputs` pattern `{0}` matches none of the run's inputs")]
    UnmatchedPreferredInput(String),
    /// `key` names the same field twice.
    #[error("dedup key field `{0}` is listed twice")]
    DuplicateField(String),
    /// `none` was combined with real normalisation steps.
    #[error("dedup normalize `none` cannot be combined with other steps")]
    NoneWithOtherSteps,
    /// The survivor rule names a field the schema does not declare.
    #[error("dedup survivor field `{0}` is not a declared field")]
    UnknownSurvivorField(String),
    /// The survivor rule's field has a type it cannot rank by.
    #[error("dedup survivor `{rule}` needs a field of type {expected}")]
    SurvivorFieldType {
        /// The rule as written.
        rule: String,
        /// The accepted types.
        expected: &'static str,
    },
    /// The `near` table has an invalid setting.
    #[error("{0}")]
    InvalidNear(String),
}

impl DedupConfig {
    /// Checks the configuration against the fields the run declares.
    pub fn validate(&self, schema: &TargetSchema) -> Result<(), DedupError> {
        if self.key.is_empty() {
            return Err(DedupError::EmptyKey);
        }
        for (i, field) in self.key.iter().enumerate() {
            if schema.field(field).is_none() {
                return Err(DedupError::UnknownField(field.clone()));
            }
            if self.key[..i].contains(field) {
                return Err(DedupError::DuplicateField(field.clone()));
            }
        }
        if self.normalize.contains(&Normalization::None) && self.normalize.len() > 1 {
            return Err(DedupError::NoneWithOtherSteps);
        }
        if let Some(field) = self.survivor.field() {
            let spec = schema
                .field(field)
                .ok_or_else(|| DedupError::UnknownSurvivorField(field.to_owned()))?;
            let numeric = matches!(spec.ty, FieldType::Int64 | FieldType::Float64);
            let (ok, expected) = match self.survivor.base() {
                SurvivorRule::Highest(_) => (numeric, "int64 or float64"),
                _ => (
                    numeric || spec.ty == FieldType::String,
                    "string, int64 or float64",
                ),
            };
            if !ok {
                return Err(DedupError::SurvivorFieldType {
                    rule: self.survivor.to_string(),
                    expected,
                });
            }
        }
        if let Some(near) = &self.near {
            near.validate().map_err(DedupError::InvalidNear)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::FieldType;

    fn schema() -> TargetSchema {
        TargetSchema::of([
            ("body", FieldType::String),
            ("created_at", FieldType::String),
            ("priority", FieldType::Int64),
            ("flag", FieldType::Bool),
        ])
    }

    #[test]
    fn parses_survivor_rules_and_near_table() {
        let config: DedupConfig = toml::from_str(
            r#"
            key = ["body"]
            survivor = "latest:created_at"
            near = { threshold = 0.85, shingle = "char5", permutations = 64, bands = 8, rows = 8 }
            "#,
        )
        .unwrap();
        assert_eq!(config.survivor, SurvivorRule::Latest("created_at".into()));
        let near = config.near.clone().unwrap();
        assert_eq!(near.threshold, 0.85);
        assert_eq!(near.lsh_params(), (8, 8));
        assert_eq!(near.max_cluster_size, 1000);
        assert!(config.validate(&schema()).is_ok());
        let config: DedupConfig = toml::from_str(
            r#"key = ["body"]
            near = {}"#,
        )
        .unwrap();
        assert_eq!(config.near, Some(NearConfig::default()));
        let config: DedupConfig = toml::from_str(
            r#"key = ["body"]
            near = { centre = "survivor" }"#,
        )
        .unwrap();
        assert_eq!(
            config.near.map(|n| n.centre),
            Some(crate::near::Centre::Survivor)
        );
        assert!(
            toml::from_str::<DedupConfig>(
                r#"key = ["body"]
            near = { centre = "medoid" }"#
            )
            .is_err()
        );
        assert!(
            toml::from_str::<DedupConfig>(
                r#"key = ["body"]
            near = { threshold = 0.8, shingles = "auto" }"#
            )
            .is_err()
        );
    }

    #[test]
    fn survivor_and_near_validation() {
        let mut config: DedupConfig = toml::from_str(r#"key = ["body"]"#).unwrap();
        config.survivor = SurvivorRule::Highest("priority".into());
        assert!(config.validate(&schema()).is_ok());
        config.survivor = SurvivorRule::Highest("created_at".into());
        assert!(matches!(
            config.validate(&schema()),
            Err(DedupError::SurvivorFieldType { .. })
        ));
        config.survivor = SurvivorRule::Earliest("flag".into());
        assert!(config.validate(&schema()).is_err());
        config.survivor = SurvivorRule::Latest("updated".into());
        assert_eq!(
            config.validate(&schema()),
            Err(DedupError::UnknownSurvivorField("updated".into()))
        );
        config.survivor = SurvivorRule::Longest;
        config.near = Some(NearConfig {
            threshold: 2.0,
            ..NearConfig::default()
        });
        assert!(matches!(
            config.validate(&schema()),
            Err(DedupError::InvalidNear(_))
        ));
    }

    #[test]
    fn parses_with_defaults() {
        let config: DedupConfig = toml::from_str(r#"key = ["body"]"#).unwrap();
        assert_eq!(config.normalize, Normalization::defaults());
        assert_eq!(config.survivor, SurvivorRule::First);
        assert!(config.validate(&schema()).is_ok());
    }

    #[test]
    fn parses_explicit_settings() {
        let config: DedupConfig = toml::from_str(
            r#"
            key = ["body"]
            normalize = ["strip_punctuation", "casefold"]
            survivor = "last"
            "#,
        )
        .unwrap();
        assert_eq!(
            config.normalize,
            vec![Normalization::StripPunctuation, Normalization::Casefold]
        );
        assert_eq!(config.survivor, SurvivorRule::Last);
    }

    #[test]
    fn rejects_unknown_keys_values_and_missing_key() {
        assert!(
            toml::from_str::<DedupConfig>(
                r#"key = ["body"]
            exact = true"#
            )
            .is_err()
        );
        assert!(
            toml::from_str::<DedupConfig>(
                r#"key = ["body"]
            survivor = "newest""#
            )
            .is_err()
        );
        assert!(
            toml::from_str::<DedupConfig>(
                r#"key = ["body"]
            normalize = ["lowercase"]"#
            )
            .is_err()
        );
        assert!(toml::from_str::<DedupConfig>(r#"survivor = "first""#).is_err());
    }

    #[test]
    fn validation_names_the_problem() {
        let mut config: DedupConfig = toml::from_str(r#"key = ["body", "subjct"]"#).unwrap();
        let err = config.validate(&schema()).unwrap_err();
        assert!(err.to_string().contains("`subjct`"), "{err}");
        config.key = vec![];
        assert_eq!(config.validate(&schema()), Err(DedupError::EmptyKey));
        config.key = vec!["body".into(), "body".into()];
        assert_eq!(
            config.validate(&schema()),
            Err(DedupError::DuplicateField("body".into()))
        );
        config.key = vec!["body".into()];
        config.normalize = vec![Normalization::None, Normalization::Nfkc];
        assert_eq!(
            config.validate(&schema()),
            Err(DedupError::NoneWithOtherSteps)
        );
    }
}
