//! `private_key` (SECRET_PRIVATE_KEY): PEM, OpenSSH and PGP private key blocks.

use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::Window;
use regex::Regex;
use std::ops::Range;

/// Description shown by `sluice explain private_key`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "private_key",
    entity: "SECRET_PRIVATE_KEY",
    is_secret: true,
    summary: "Private key blocks: -----BEGIN … PRIVATE KEY----- through END (RSA, EC, DSA, OpenSSH, PGP, PKCS#8).",
    doc: "Detects private key blocks from the `-----BEGIN … PRIVATE KEY-----` (or `PRIVATE KEY \
BLOCK` for PGP) header through the matching `-----END … -----` line, covering RSA, EC, DSA, \
OpenSSH, encrypted PKCS#8 and PGP keys. A block whose END line is missing (a truncated paste) is \
covered to the end of the value. A block with fewer than 16 key chars between the lines (a \
documentation skeleton) is not reported.\n\
Why it matters: a private key is a full credential; policies usually quarantine the record.\n\
Example: `-----BEGIN RSA PRIVATE KEY-----\\nMIIEow…\\n-----END RSA PRIVATE KEY-----` -> \
`<SECRET_PRIVATE_KEY>`.",
};

const BEGIN: &str = "-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----";
const END: &str = "-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----";
/// Key chars needed between the lines for a block to count as a key.
const MIN_BODY: usize = 16;

struct PrivateKey {
    begin: Regex,
    end: Regex,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(PrivateKey {
        begin: Regex::new(BEGIN)?,
        end: Regex::new(END)?,
    }))
}

impl Detector for PrivateKey {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.letters >= 18
    }

    fn anchors(&self) -> &'static [&'static str] {
        &["-----BEGIN"]
    }

    fn find_in(&self, text: &str, _windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        // Without a scope the engine passes one window over the whole text.
        let mut at = 0;
        while let Some(begin) = self.begin.find_at(text, at) {
            let (body_end, end) = match self.end.find_at(text, begin.end()) {
                Some(end) => (end.start(), end.end()),
                None => (text.len(), text.len()),
            };
            let body = text[begin.end()..body_end]
                .bytes()
                .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count();
            if body >= MIN_BODY {
                out.push(begin.start()..end);
            }
            at = end.max(begin.end());
        }
        // A block's end is searched past its begin, so this is not one leftmost scan.
        Settled::No
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn keys(text: &str) -> Vec<String> {
        found_code("private_key", text)
    }

    const BODY: &str = "MIIEowIBAAKCAQEA7bq9sQ3Fw1x2y3z4+/AbCdEfGhIjKlMnOp==";

    #[test]
    fn finds_rsa_openssh_and_pgp_blocks() {
        for kind in [
            "RSA PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "PRIVATE KEY",
            "PGP PRIVATE KEY BLOCK",
        ] {
            let block = format!("-----BEGIN {kind}-----\n{BODY}\n-----END {kind}-----");
            assert_eq!(
                keys(&format!("密钥如下：\n{block}\n谢谢")),
                vec![block.clone()],
                "{kind}"
            );
        }
    }

    #[test]
    fn truncated_blocks_are_covered_to_the_end() {
        let text = format!("key: -----BEGIN EC PRIVATE KEY-----\n{BODY}");
        assert_eq!(keys(&text), vec![text[5..].to_owned()]);
    }

    #[test]
    fn rejects_public_keys_and_empty_skeletons() {
        for text in [
            format!("-----BEGIN PUBLIC KEY-----\n{BODY}\n-----END PUBLIC KEY-----"),
            "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----".to_owned(),
        ] {
            assert!(keys(&text).is_empty(), "{text}");
        }
    }
}
