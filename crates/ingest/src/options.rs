//! Per-input reading options, as written in a pipeline file's `[[inputs]]` table.

use crate::format::InputFormat;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How to read one input. Every option is optional: the format comes from the extension, the
/// encoding from a BOM or else UTF-8, the delimiter from the format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputOptions {
    /// Overrides the format detected from the file extension.
    pub format: Option<InputFormat>,
    /// A WHATWG encoding label (`gbk`, `utf-16le`, `shift_jis`, …) for text inputs. A BOM in
    /// the file always wins over it.
    pub encoding: Option<String>,
    /// Field delimiter for CSV/TSV, one ASCII character.
    pub delimiter: Option<char>,
}

/// One `[[inputs]]` entry of a pipeline file: a path or glob and how to read what it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// File path or glob (relative paths are resolved by the caller).
    pub path: PathBuf,
    /// See [`InputOptions::format`].
    pub format: Option<InputFormat>,
    /// See [`InputOptions::encoding`].
    pub encoding: Option<String>,
    /// See [`InputOptions::delimiter`].
    pub delimiter: Option<char>,
}

impl InputSpec {
    /// The reading options of this entry.
    pub fn options(&self) -> InputOptions {
        InputOptions {
            format: self.format,
            encoding: self.encoding.clone(),
            delimiter: self.delimiter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserializes_the_inputs_table_options() {
        let opts: InputOptions = toml::from_str(
            r#"
            format = "csv"
            encoding = "gbk"
            delimiter = ";"
            "#,
        )
        .unwrap();
        assert_eq!(
            opts,
            InputOptions {
                format: Some(InputFormat::Csv),
                encoding: Some("gbk".into()),
                delimiter: Some(';'),
            }
        );
        let empty: InputOptions = toml::from_str("").unwrap();
        assert_eq!(empty, InputOptions::default());
    }

    #[test]
    fn an_inputs_entry_deserializes_with_its_path_and_rejects_typos() {
        let entry: InputSpec =
            toml::from_str("path = \"a/*.csv\"\nencoding = \"gbk\"\ndelimiter = \"|\"").unwrap();
        assert_eq!(entry.path, PathBuf::from("a/*.csv"));
        assert_eq!(
            entry.options(),
            InputOptions {
                format: None,
                encoding: Some("gbk".into()),
                delimiter: Some('|'),
            }
        );
        // Why InputSpec repeats the fields instead of `#[serde(flatten)]`-ing InputOptions:
        // flatten silently accepts misspelled keys.
        assert!(toml::from_str::<InputSpec>("path = \"a.csv\"\ndelimeter = \";\"").is_err());
        assert!(toml::from_str::<InputSpec>("format = \"csv\"").is_err());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        assert!(toml::from_str::<InputOptions>("fromat = \"csv\"").is_err());
        assert!(toml::from_str::<InputOptions>("format = \"xlsx\"").is_err());
        assert!(toml::from_str::<InputOptions>("delimiter = \";;\"").is_err());
    }
}
