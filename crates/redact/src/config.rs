//! The `[[stages]] kind = "redact"` table of a pipeline file (without `kind`).

use crate::policy::Action;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Configuration of the redaction stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactConfig {
    /// Free-text fields to scan; default: every field holding text that is not in `columns`.
    pub fields: Option<Vec<String>>,
    /// Detector codes to run, or `default` for the whole catalogue; default: the whole catalogue.
    pub detectors: Option<Vec<String>>,
    /// What to do with each entity type found by scanning.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Structured columns handled as a whole, without scanning: field name → action.
    #[serde(default)]
    pub columns: BTreeMap<String, Action>,
}

/// Per-entity actions with a default. Entity keys are validated when the stage is built (serde
/// cannot deny unknown keys of a flattened map).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyConfig {
    /// Action for entity types without an override.
    #[serde(default = "default_action")]
    pub default: Action,
    /// Overrides keyed by entity type (`EMAIL`, `PHONE`, `CN_RESIDENT_ID`, …).
    #[serde(flatten)]
    pub by_entity: BTreeMap<String, Action>,
}

fn default_action() -> Action {
    Action::Placeholder
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            default: default_action(),
            by_entity: BTreeMap::new(),
        }
    }
}

impl PolicyConfig {
    /// The action for `entity`: its override, else the default.
    pub fn action_for(&self, entity: &str) -> Action {
        self.by_entity.get(entity).copied().unwrap_or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RedactConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn parses_the_documented_table() {
        let config = parse(
            r#"
            fields = ["description", "messages"]
            detectors = ["default"]
            [policy]
            default = "placeholder"
            EMAIL = "mask"
            CN_RESIDENT_ID = "quarantine"
            [columns]
            customer_name = "placeholder"
            customer_phone = "drop_field"
            "#,
        )
        .unwrap();
        assert_eq!(config.fields.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(config.policy.default, Action::Placeholder);
        assert_eq!(config.policy.action_for("EMAIL"), Action::Mask);
        assert_eq!(
            config.policy.action_for("CN_RESIDENT_ID"),
            Action::Quarantine
        );
        assert_eq!(config.policy.action_for("PHONE"), Action::Placeholder);
        assert_eq!(config.columns["customer_phone"], Action::DropField);
    }

    #[test]
    fn everything_is_optional() {
        let config = parse("").unwrap();
        assert_eq!(config, RedactConfig::default());
        assert_eq!(config.policy.default, Action::Placeholder);
        let only_override = parse("[policy]\nPHONE = \"mask\"").unwrap();
        assert_eq!(only_override.policy.default, Action::Placeholder);
        assert_eq!(only_override.policy.action_for("PHONE"), Action::Mask);
    }

    #[test]
    fn rejects_unknown_keys_and_actions() {
        let err = parse("fileds = [\"a\"]").unwrap_err().to_string();
        assert!(err.contains("fileds"), "{err}");
        assert!(parse("[policy]\ndefault = \"pseudonym\"").is_err());
        assert!(parse("[columns]\nname = \"erase\"").is_err());
        assert!(parse("kind = \"redact\"").is_err());
    }
}
