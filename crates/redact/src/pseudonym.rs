//! Keyed pseudonyms: `HMAC-SHA256(key, entity ‖ canonical value)`, so the same person maps to
//! the same token in every file, shard and run that uses the same key, and nobody without the
//! key can recompute or reverse it (unlike an unsalted hash, or Presidio's random salt, which
//! breaks joins).
//!
//! The key never leaves this module: it is not `Debug`-printed, never in errors, and only its
//! fingerprint (a truncated sha256) is exposed for the manifest.

use sha2::{Digest, Sha256};

/// SHA-256 block size, for HMAC.
const BLOCK: usize = 64;
/// Hex chars of the HMAC shown in a token (32 bits: collisions are rare within one entity type
/// and the token stays short).
const TOKEN_HEX: usize = 8;
/// Bytes a key must have at least; shorter keys can be brute-forced.
pub const MIN_KEY_BYTES: usize = 16;

/// A pseudonym key. Its `Debug` output never shows the bytes.
#[derive(Clone)]
pub struct PseudonymKey(Vec<u8>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(<redacted>)")
    }
}

impl PseudonymKey {
    /// Wraps key bytes (surrounding whitespace, e.g. a file's trailing newline, is removed).
    /// `None` when fewer than [`MIN_KEY_BYTES`] remain.
    pub fn new(bytes: &[u8]) -> Option<PseudonymKey> {
        let trimmed = bytes.trim_ascii();
        (trimmed.len() >= MIN_KEY_BYTES).then(|| PseudonymKey(trimmed.to_vec()))
    }

    /// First 16 hex chars of the key's sha256: identifies which key was used (for the manifest)
    /// without revealing it.
    pub fn fingerprint(&self) -> String {
        hex(&Sha256::digest(&self.0))[..16].to_owned()
    }

    /// HMAC-SHA256 of `message` (RFC 2104).
    fn hmac(&self, message: &[&[u8]]) -> [u8; 32] {
        let mut block = [0u8; BLOCK];
        if self.0.len() > BLOCK {
            block[..32].copy_from_slice(&Sha256::digest(&self.0));
        } else {
            block[..self.0.len()].copy_from_slice(&self.0);
        }
        let mut inner = Sha256::new();
        inner.update(block.map(|b| b ^ 0x36));
        for part in message {
            inner.update(part);
        }
        let mut outer = Sha256::new();
        outer.update(block.map(|b| b ^ 0x5c));
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The HMAC of an entity's canonical value. A unit separator keeps `entity ‖ value` unambiguous.
    fn mac(&self, entity: &str, value: &str) -> [u8; 32] {
        self.hmac(&[
            entity.as_bytes(),
            b"\x1f",
            canonical(entity, value).as_bytes(),
        ])
    }

    /// The token `<ENTITY_7f3a9c2e>` for `value`.
    pub fn token(&self, entity: &str, value: &str) -> String {
        format!("<{entity}_{}>", &hex(&self.mac(entity, value))[..TOKEN_HEX])
    }

    /// A format-preserving pseudonym: e-mails become `u7f3a9c2e@pseudo.invalid`, phones keep
    /// their length, `+` and separators with each digit replaced from the HMAC stream; other
    /// entities get the plain [`token`](Self::token).
    pub fn format_preserving(&self, entity: &str, value: &str) -> String {
        let mac = self.mac(entity, value);
        match entity {
            "EMAIL" => format!("u{}@pseudo.invalid", &hex(&mac)[..TOKEN_HEX]),
            "PHONE" => {
                let mut stream = DigitStream::new(self, mac);
                value
                    .chars()
                    .map(|c| {
                        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
                            stream.next_digit()
                        } else {
                            c
                        }
                    })
                    .collect()
            }
            _ => self.token(entity, value),
        }
    }
}

/// Decimal digits drawn from the HMAC, extended by HMAC(key, previous block) when needed.
struct DigitStream<'a> {
    key: &'a PseudonymKey,
    block: [u8; 32],
    at: usize,
}

impl<'a> DigitStream<'a> {
    fn new(key: &'a PseudonymKey, block: [u8; 32]) -> Self {
        DigitStream { key, block, at: 0 }
    }

    fn next_digit(&mut self) -> char {
        if self.at == self.block.len() {
            self.block = self.key.hmac(&[&self.block]);
            self.at = 0;
        }
        let byte = self.block[self.at];
        self.at += 1;
        char::from(b'0' + byte % 10)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The canonical form hashed for `entity`, so that spellings of the same value share a token:
/// full-width forms folded and zero-width chars dropped; phones, cards and SSNs as digits only
/// (a leading `0086`/`86` country code removed from 13-digit Chinese numbers); e-mails lower-case;
/// IDs and codes upper-case without spaces or hyphens; anything else trimmed.
pub fn canonical(entity: &str, value: &str) -> String {
    let folded: String = value
        .chars()
        .filter_map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
            '\u{3000}' => Some(' '),
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
            _ => Some(c),
        })
        .collect();
    match entity {
        "PHONE" | "PAYMENT_CARD" | "US_SSN" | "QQ_NUMBER" => {
            let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
            let digits = digits.strip_prefix("00").unwrap_or(&digits);
            match digits.strip_prefix("86") {
                Some(rest) if rest.len() == 11 && rest.starts_with('1') => rest.to_owned(),
                _ => digits.to_owned(),
            }
        }
        "EMAIL" => folded.trim().to_lowercase(),
        "CN_RESIDENT_ID" | "CN_USCC" | "CN_PASSPORT" | "CN_TRAVEL_PERMIT" | "IBAN"
        | "SWIFT_BIC" | "CN_VEHICLE_PLATE" | "MAC_ADDRESS" => folded
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | ':' | '.' | '·'))
            .collect::<String>()
            .to_uppercase(),
        _ => folded.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PseudonymKey {
        PseudonymKey::new(b"synthetic-test-key-0123456789\n").unwrap()
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let key = PseudonymKey(b"Jefe".to_vec());
        let mac = key.hmac(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_of_a_long_key_hashes_it_first() {
        // RFC 4231 case 6: 131-byte key.
        let key = PseudonymKey(vec![0xaa; 131]);
        let mac = key.hmac(&[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_the_key() {
        assert!(PseudonymKey::new(b"short\n").is_none());
        let debug = format!("{:?}", key());
        assert!(!debug.contains("synthetic"), "{debug}");
        assert_eq!(key().fingerprint().len(), 16);
        assert_ne!(
            key().fingerprint(),
            PseudonymKey::new(b"another-synthetic-key-xyz")
                .unwrap()
                .fingerprint()
        );
    }

    #[test]
    fn spellings_of_one_value_share_a_token() {
        let k = key();
        let phone = k.token("PHONE", "13812345678");
        assert!(
            phone.starts_with("<PHONE_") && phone.len() == "<PHONE_>".len() + 8,
            "{phone}"
        );
        assert_eq!(k.token("PHONE", "+86 138-1234-5678"), phone);
        assert_eq!(k.token("PHONE", "１３８１２３４５６７８"), phone);
        assert_eq!(
            k.token("EMAIL", "Zhang@QQ.com"),
            k.token("EMAIL", "zhang@qq.com")
        );
        assert_eq!(
            k.token("CN_RESIDENT_ID", "11010519491231002x"),
            k.token("CN_RESIDENT_ID", "11010519491231002X")
        );
        assert_ne!(k.token("PHONE", "13812345679"), phone);
        // The entity is part of the message: the same digits as another type get another token.
        assert_ne!(k.token("QQ_NUMBER", "13812345678")[12..], phone[7..]);
        let other = PseudonymKey::new(b"another-synthetic-key-xyz").unwrap();
        assert_ne!(other.token("PHONE", "13812345678"), phone);
    }

    #[test]
    fn format_preserving_keeps_shape() {
        let k = key();
        let email = k.format_preserving("EMAIL", "Zhang@QQ.com");
        assert!(
            email.starts_with('u') && email.ends_with("@pseudo.invalid"),
            "{email}"
        );
        assert_eq!(email, k.format_preserving("EMAIL", "zhang@qq.com"));
        let phone = k.format_preserving("PHONE", "+86 138-1234-5678");
        assert_eq!(phone.len(), "+86 138-1234-5678".len());
        assert!(
            phone.starts_with('+')
                && phone.chars().nth(3) == Some(' ')
                && phone.chars().nth(7) == Some('-')
        );
        assert_ne!(phone, "+86 138-1234-5678");
        let long = k.format_preserving("PHONE", &"1".repeat(80));
        assert_eq!(long.len(), 80);
        assert!(
            k.format_preserving("CN_USCC", "91110000600037341L")
                .starts_with("<CN_USCC_")
        );
    }
}
