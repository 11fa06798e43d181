//! The `[[stages]] kind = "redact"` table of a pipeline file (without `kind`).

use crate::policy::Action;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Configuration of the redaction stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Environment variable holding the pseudonym key (default `SLUICE_PSEUDONYM_KEY`); read only
    /// when some action is `pseudonym` or `pseudonym_format`.
    pub pseudonym_key_env: Option<String>,
    /// File holding the pseudonym key instead of an environment variable (relative paths are
    /// resolved against the pipeline file's directory by the caller, see `BuildContext`).
    pub pseudonym_key_file: Option<PathBuf>,
    /// Regex detectors declared in the pipeline file (`[[stages.custom]]`).
    #[serde(default)]
    pub custom: Vec<CustomConfig>,
    /// Term-list detectors declared in the pipeline file (`[[stages.dictionaries]]`).
    #[serde(default)]
    pub dictionaries: Vec<DictionaryConfig>,
    /// Where the values of `columns` fields are also redacted in scanned text (entity = the
    /// column's entity, e.g. `CUSTOMER_NAME`): `"record"` (default, or `true`) in the same
    /// record's text, `"dataset"` in every record's text, `"off"` (or `false`) nowhere.
    #[serde(default)]
    pub propagate: Propagate,
    /// Leave private, loopback, link-local, documentation and reserved IPv4/IPv6 addresses
    /// unredacted (they identify no one on the public internet); default false.
    #[serde(default)]
    pub keep_private_ip: bool,
}

fn default_true() -> bool {
    true
}

/// Scope of column-value propagation (`propagate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "PropagateRepr")]
pub enum Propagate {
    /// Column values are not looked for in text.
    Off,
    /// A record's column values are redacted in its own scanned text.
    #[default]
    Record,
    /// Every column value of the dataset is redacted in every record's scanned text (two passes).
    Dataset,
}

/// What `propagate` may be written as: a bool (the historical form) or a mode name.
#[derive(Deserialize)]
#[serde(untagged)]
enum PropagateRepr {
    Flag(bool),
    Mode(String),
}

impl TryFrom<PropagateRepr> for Propagate {
    type Error = String;

    fn try_from(repr: PropagateRepr) -> Result<Self, Self::Error> {
        match repr {
            PropagateRepr::Flag(true) => Ok(Propagate::Record),
            PropagateRepr::Flag(false) => Ok(Propagate::Off),
            PropagateRepr::Mode(mode) => match mode.as_str() {
                "record" => Ok(Propagate::Record),
                "dataset" => Ok(Propagate::Dataset),
                "off" => Ok(Propagate::Off),
                _ => Err(format!(
                    "unknown propagate mode `{mode}`, expected \"record\", \"dataset\" or \"off\""
                )),
            },
        }
    }
}

/// A `[[stages.custom]]` regex detector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomConfig {
    /// Detector code, unique and not a catalogue code (`employee_id`).
    pub code: String,
    /// Entity type reported, upper case (`EMPLOYEE_ID`).
    pub entity: String,
    /// The regex (Rust `regex` syntax, linear time).
    pub pattern: String,
}

/// A `[[stages.dictionaries]]` term-list detector, matched leftmost-longest with Aho-Corasick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DictionaryConfig {
    /// Detector code, unique and not a catalogue code (`vip_names`).
    pub code: String,
    /// Entity type reported, upper case (`PERSON`).
    pub entity: String,
    /// Terms inline.
    #[serde(default)]
    pub terms: Vec<String>,
    /// A UTF-8 file with one term per line (blank lines and `#` comments skipped); relative paths
    /// are resolved against `BuildContext::base_dir` (the pipeline file's directory).
    pub terms_file: Option<PathBuf>,
    /// Match ASCII letters case-insensitively; default true.
    #[serde(default = "default_true")]
    pub case_insensitive: bool,
}

/// Per-entity actions with a default. Entity keys are validated when the stage is built (serde
/// cannot deny unknown keys of a flattened map).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyConfig {
    /// Action for entity types without an override.
    #[serde(default = "default_action")]
    pub default: Action,
    /// Action for every secret entity type (`SECRET_*`, `URL_CREDENTIALS`) without its own
    /// override; default: `default`.
    #[serde(default)]
    pub secret: Option<Action>,
    /// Overrides keyed by entity type (`EMAIL`, `PHONE`, `CN_RESIDENT_ID`, …).
    #[serde(flatten)]
    pub by_entity: BTreeMap<String, Action>,
}

fn default_action() -> Action {
    Action::Placeholder
}

impl Default for RedactConfig {
    fn default() -> Self {
        RedactConfig {
            fields: None,
            detectors: None,
            policy: PolicyConfig::default(),
            columns: BTreeMap::new(),
            pseudonym_key_env: None,
            pseudonym_key_file: None,
            custom: Vec::new(),
            dictionaries: Vec::new(),
            propagate: Propagate::Record,
            keep_private_ip: false,
        }
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            default: default_action(),
            secret: None,
            by_entity: BTreeMap::new(),
        }
    }
}

impl PolicyConfig {
    /// The action for `entity`: its override, else the `secret` group action when a secret
    /// detector reports `entity`, else the default.
    pub fn action_for(&self, entity: &str) -> Action {
        if let Some(action) = self.by_entity.get(entity) {
            return *action;
        }
        match self.secret {
            Some(action) if crate::detectors::is_secret_entity(entity) => action,
            _ => self.default,
        }
    }

    /// Every action this policy can apply.
    pub fn actions(&self) -> impl Iterator<Item = Action> + '_ {
        std::iter::once(self.default)
            .chain(self.secret)
            .chain(self.by_entity.values().copied())
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
    fn secret_group_applies_to_secret_entities_only() {
        let config = parse(
            "pseudonym_key_env = \"MY_KEY\"\n[policy]\ndefault = \"pseudonym\"\nsecret = \"quarantine\"\nSECRET_JWT = \"remove\"",
        )
        .unwrap();
        assert_eq!(
            config.policy.action_for("SECRET_AWS_KEY"),
            Action::Quarantine
        );
        assert_eq!(
            config.policy.action_for("URL_CREDENTIALS"),
            Action::Quarantine
        );
        assert_eq!(config.policy.action_for("SECRET_JWT"), Action::Remove);
        assert_eq!(config.policy.action_for("EMAIL"), Action::Pseudonym);
        assert!(!config.policy.by_entity.contains_key("secret"));
        assert_eq!(config.pseudonym_key_env.as_deref(), Some("MY_KEY"));
        let plain = parse("[policy]\ndefault = \"mask\"").unwrap();
        assert_eq!(plain.policy.action_for("SECRET_AWS_KEY"), Action::Mask);
    }

    #[test]
    fn parses_custom_detectors_and_dictionaries() {
        let config = parse(
            r#"
            propagate = false
            [[custom]]
            code = "employee_id"
            entity = "EMPLOYEE_ID"
            pattern = "EMP-[0-9]{6}"
            [[dictionaries]]
            code = "vip_names"
            entity = "PERSON"
            terms = ["张三", "Li Wei"]
            [[dictionaries]]
            code = "master"
            entity = "PERSON"
            terms_file = "customers.txt"
            case_insensitive = false
            "#,
        )
        .unwrap();
        assert_eq!(config.propagate, Propagate::Off);
        assert_eq!(config.custom[0].pattern, "EMP-[0-9]{6}");
        assert_eq!(config.dictionaries[0].terms.len(), 2);
        assert!(config.dictionaries[0].case_insensitive);
        assert_eq!(
            config.dictionaries[1].terms_file.as_deref(),
            Some(std::path::Path::new("customers.txt"))
        );
        assert!(parse("[[custom]]\ncode = \"a\"\nentity = \"A\"\npatern = \"x\"").is_err());
    }

    #[test]
    fn propagate_takes_a_bool_or_a_mode() {
        assert_eq!(parse("").unwrap().propagate, Propagate::Record);
        assert_eq!(
            parse("propagate = true").unwrap().propagate,
            Propagate::Record
        );
        assert_eq!(
            parse("propagate = false").unwrap().propagate,
            Propagate::Off
        );
        assert_eq!(
            parse("propagate = \"dataset\"").unwrap().propagate,
            Propagate::Dataset
        );
        assert_eq!(
            parse("propagate = \"off\"").unwrap().propagate,
            Propagate::Off
        );
        assert!(parse("propagate = \"everywhere\"").is_err());
        assert!(parse("propagate = 1").is_err());
        assert!(parse("keep_private_ip = true").unwrap().keep_private_ip);
        assert!(!parse("").unwrap().keep_private_ip);
    }

    #[test]
    fn rejects_unknown_keys_and_actions() {
        let err = parse("fileds = [\"a\"]").unwrap_err().to_string();
        assert!(err.contains("fileds"), "{err}");
        assert!(parse("[policy]\ndefault = \"hash\"").is_err());
        assert!(parse("[columns]\nname = \"erase\"").is_err());
        assert!(parse("kind = \"redact\"").is_err());
    }
}
