//! Token counters for length checks against fine-tuning targets.
//!
//! Two families, both offline: the OpenAI BPE encodings bundled with `tiktoken-rs`
//! (`cl100k`, `o200k`; the ranks are compiled into the binary) and any Hugging Face
//! `tokenizer.json` (Qwen, Llama, …) loaded from disk. A [`Tokenizer`] is `Send + Sync` and meant
//! to be shared through an `Arc`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tiktoken_rs::CoreBPE;

/// Why a tokenizer could not be built. Messages name the tokenizer or path, never input text.
#[derive(Debug, thiserror::Error)]
pub enum TokenizeError {
    /// The name is not one of the bundled encodings.
    #[error(
        "unknown built-in tokenizer `{name}` (known: cl100k, o200k; aliases cl100k_base, o200k_base)"
    )]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
    },
    /// The bundled ranks failed to load (a broken build, not a user error).
    #[error("built-in tokenizer `{name}` failed to load: {message}")]
    Builtin {
        /// Canonical name of the encoding.
        name: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The tokenizer file could not be read.
    #[error("cannot read tokenizer file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid Hugging Face `tokenizer.json`.
    #[error("{} is not a valid Hugging Face tokenizer.json: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// Encoding a text failed (a tokenizer.json whose pipeline rejects the input).
    #[error("tokenizer `{name}` failed to encode a text of {chars} chars: {message}")]
    Encode {
        /// The tokenizer's [`Tokenizer::name`].
        name: String,
        /// Length of the text in chars (never the text).
        chars: usize,
        /// What the tokenizer said.
        message: String,
    },
}

/// How many hex digits of the file's sha256 go into the name of a file tokenizer.
const FILE_DIGEST_PREFIX: usize = 16;

/// A token counter. Cheap to clone (the model is shared), `Send + Sync`.
#[derive(Clone)]
pub struct Tokenizer {
    name: String,
    model: Model,
}

#[derive(Clone)]
enum Model {
    /// A bundled encoding, loaded once per process (see `bundled`).
    Tiktoken(&'static CoreBPE),
    HuggingFace(Arc<tokenizers::Tokenizer>),
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("name", &self.name)
            .finish()
    }
}

impl Tokenizer {
    /// A bundled encoding: `cl100k` (GPT-4, GPT-3.5) or `o200k` (GPT-4o and later); the
    /// `_base` spellings are accepted as aliases.
    pub fn builtin(name: &str) -> Result<Tokenizer, TokenizeError> {
        let canonical = match name {
            "cl100k" | "cl100k_base" => "cl100k",
            "o200k" | "o200k_base" => "o200k",
            _ => {
                return Err(TokenizeError::UnknownBuiltin {
                    name: name.to_owned(),
                });
            }
        };
        let bpe = bundled(canonical)?;
        Ok(Tokenizer {
            name: canonical.to_owned(),
            model: Model::Tiktoken(bpe),
        })
    }

    /// A Hugging Face `tokenizer.json` (as shipped with Qwen, Llama, Mistral models). Padding and
    /// truncation settings in the file are switched off: we count, we never cut.
    pub fn from_file(path: &Path) -> Result<Tokenizer, TokenizeError> {
        let bytes = fs_err::read(path).map_err(|source| TokenizeError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut tokenizer =
            tokenizers::Tokenizer::from_bytes(&bytes).map_err(|e| TokenizeError::Parse {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| TokenizeError::Parse {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        let digest = sluice_core::digest::sha256_hex(&bytes);
        Ok(Tokenizer {
            name: format!("file:{}", &digest[..FILE_DIGEST_PREFIX]),
            model: Model::HuggingFace(Arc::new(tokenizer)),
        })
    }

    /// Either a built-in name or, when `spec` is not one, a path to a `tokenizer.json` resolved
    /// against `base_dir` (the directory of the pipeline file).
    pub fn resolve(spec: &str, base_dir: &Path) -> Result<Tokenizer, TokenizeError> {
        match Tokenizer::builtin(spec) {
            Ok(t) => Ok(t),
            Err(TokenizeError::UnknownBuiltin { .. }) if looks_like_path(spec) => {
                Tokenizer::from_file(&base_dir.join(spec))
            }
            Err(e) => Err(e),
        }
    }

    /// Number of tokens in `text`, counted as plain content: special-token markers in the text
    /// (`<|endoftext|>`) count as ordinary text and no BOS/EOS tokens are added.
    ///
    /// A tokenizer.json whose pipeline fails on the text falls back to the text's byte length, an
    /// upper bound for byte-level and character-level models; use [`Tokenizer::try_count`] to see
    /// the error instead.
    pub fn count(&self, text: &str) -> usize {
        self.try_count(text).unwrap_or(text.len())
    }

    /// Like [`Tokenizer::count`] but reports an encoding failure instead of falling back.
    pub fn try_count(&self, text: &str) -> Result<usize, TokenizeError> {
        match &self.model {
            Model::Tiktoken(bpe) => Ok(bpe.count_ordinary(text)),
            Model::HuggingFace(tokenizer) => tokenizer
                .encode_fast(text, false)
                .map(|encoding| encoding.len())
                .map_err(|e| TokenizeError::Encode {
                    name: self.name.clone(),
                    chars: text.chars().count(),
                    message: e.to_string(),
                }),
        }
    }

    /// Stable name for manifests: `cl100k`, `o200k`, or `file:<first 16 hex of the file's sha256>`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The bundled encodings, each loaded at most once per process: parsing the ranks costs ~100 ms
/// (cl100k) to ~250 ms (o200k), so every stage and thread shares one copy.
fn bundled(canonical: &'static str) -> Result<&'static CoreBPE, TokenizeError> {
    static CL100K: OnceLock<Result<CoreBPE, String>> = OnceLock::new();
    static O200K: OnceLock<Result<CoreBPE, String>> = OnceLock::new();
    let loaded = if canonical == "cl100k" {
        CL100K.get_or_init(|| tiktoken_rs::cl100k_base().map_err(|e| e.to_string()))
    } else {
        O200K.get_or_init(|| tiktoken_rs::o200k_base().map_err(|e| e.to_string()))
    };
    loaded.as_ref().map_err(|message| TokenizeError::Builtin {
        name: canonical,
        message: message.clone(),
    })
}

/// A tokenizer spec that is not a built-in name is taken as a path only if it plausibly is one,
/// so a typo such as `cl100` reports "unknown built-in" rather than "file not found".
fn looks_like_path(spec: &str) -> bool {
    spec.contains('/') || spec.contains('\\') || spec.ends_with(".json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn tokenizer_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tokenizer>();
    }

    #[test]
    fn cl100k_known_counts() {
        let t = Tokenizer::builtin("cl100k").expect("bundled");
        assert_eq!(t.name(), "cl100k");
        assert_eq!(t.count("hello world"), 2);
        assert_eq!(t.count(""), 0);
        // tiktoken reference ids: [9906, 11, 1917, 0]
        assert_eq!(t.count("Hello, world!"), 4);
        // [4438, 596, 433, 2133, 30]
        assert_eq!(t.count("How's it going?"), 5);
    }

    #[test]
    fn chinese_text_counts() {
        let cl = Tokenizer::builtin("cl100k").expect("bundled");
        // tiktoken-rs ids [57668, 53901, 3922, 3574, 244, 98220]: 你好 is two tokens, 世 is split
        // over two byte-level tokens.
        assert_eq!(cl.count("你好，世界"), 6);
        assert_eq!(cl.count("我的订单还没有发货，请帮我查一下。"), 14);
        let o = Tokenizer::builtin("o200k").expect("bundled");
        // o200k has far more CJK merges than cl100k.
        assert_eq!(o.count("你好，世界"), 3);
        assert_eq!(o.count("我的订单还没有发货，请帮我查一下。"), 12);
        // [24912, 2375]
        assert_eq!(o.count("hello world"), 2);
    }

    #[test]
    fn aliases_are_the_same_encoding() {
        let a = Tokenizer::builtin("cl100k_base").expect("bundled");
        assert_eq!(a.name(), "cl100k");
        let b = Tokenizer::builtin("o200k_base").expect("bundled");
        assert_eq!(b.name(), "o200k");
    }

    #[test]
    fn special_token_text_counts_as_ordinary_text() {
        let t = Tokenizer::builtin("cl100k").expect("bundled");
        // As a special token it would be 1; as text it is several.
        assert!(t.count("<|endoftext|>") > 1);
    }

    #[test]
    fn unknown_builtin_is_an_error() {
        let err = Tokenizer::builtin("gpt2").expect_err("not bundled");
        assert!(err.to_string().contains("gpt2"), "{err}");
    }

    #[test]
    fn from_file_wordlevel_fixture() {
        let t = Tokenizer::from_file(&fixture("wordlevel.json")).expect("fixture loads");
        assert!(t.name().starts_with("file:"), "{}", t.name());
        assert_eq!(t.name().len(), "file:".len() + FILE_DIGEST_PREFIX);
        assert_eq!(t.count("hello world"), 2);
        assert_eq!(t.count("hello, unknown world!"), 5);
        assert_eq!(t.count(""), 0);
    }

    #[test]
    fn from_file_bpe_fixture() {
        let t = Tokenizer::from_file(&fixture("bpe.json")).expect("fixture loads");
        // "abab" merges to "ab" "ab"; "abc" to "ab" "c".
        assert_eq!(t.try_count("abab").expect("encodes"), 2);
        assert_eq!(t.try_count("abc").expect("encodes"), 2);
        assert_eq!(t.try_count("ba").expect("encodes"), 2);
    }

    #[test]
    fn file_names_differ_by_content() {
        let a = Tokenizer::from_file(&fixture("wordlevel.json")).expect("fixture loads");
        let b = Tokenizer::from_file(&fixture("bpe.json")).expect("fixture loads");
        assert_ne!(a.name(), b.name());
        let again = Tokenizer::from_file(&fixture("wordlevel.json")).expect("fixture loads");
        assert_eq!(a.name(), again.name());
    }

    #[test]
    fn corrupt_file_names_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("broken-tokenizer.json");
        fs_err::write(&path, b"{\"model\": {\"type\": \"WordLevel\", ").expect("write");
        let err = Tokenizer::from_file(&path).expect_err("corrupt");
        assert!(matches!(err, TokenizeError::Parse { .. }), "{err:?}");
        assert!(err.to_string().contains("broken-tokenizer.json"), "{err}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = Tokenizer::from_file(Path::new("/nonexistent/qwen-tokenizer.json"))
            .expect_err("missing");
        assert!(matches!(err, TokenizeError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("qwen-tokenizer.json"), "{err}");
    }

    #[test]
    fn resolve_builtin_then_path() {
        let base = fixture("");
        assert_eq!(
            Tokenizer::resolve("o200k", &base).expect("builtin").name(),
            "o200k"
        );
        let t = Tokenizer::resolve("wordlevel.json", &base).expect("relative path");
        assert!(t.name().starts_with("file:"));
        let err = Tokenizer::resolve("cl100", &base).expect_err("typo");
        assert!(
            matches!(err, TokenizeError::UnknownBuiltin { .. }),
            "{err:?}"
        );
    }
}
