//! The `[[stages]] kind = "dedup"` table and its validation against the record schema.

use crate::normalize::Normalization;
use crate::survivor::SurvivorRule;
use serde::{Deserialize, Serialize};
use sluice_core::TargetSchema;
use thiserror::Error;

/// Settings of a dedup stage (the pipeline file's stage table without `kind`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    /// Fields whose normalised values, in this order, form the exact-duplicate key.
    pub key: Vec<String>,
    /// Normalisation steps applied to text before comparing, in order.
    #[serde(default = "Normalization::defaults")]
    pub normalize: Vec<Normalization>,
    /// Which row of a duplicate group is kept (in input order).
    #[serde(default)]
    pub survivor: SurvivorRule,
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
    /// `key` names the same field twice.
    #[error("dedup key field `{0}` is listed twice")]
    DuplicateField(String),
    /// `none` was combined with real normalisation steps.
    #[error("dedup normalize `none` cannot be combined with other steps")]
    NoneWithOtherSteps,
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{FieldSpec, FieldType};

    fn schema() -> TargetSchema {
        TargetSchema {
            fields: vec![FieldSpec {
                name: "body".into(),
                source: "body".into(),
                ty: FieldType::String,
                required: false,
            }],
        }
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
