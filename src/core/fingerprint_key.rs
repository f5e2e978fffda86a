//! The key the fingerprint label's hashes are made with. Labels are what monitoring stacks
//! export, so a plain `sha256(value)` there could be checked against a guessed password; a
//! hash keyed with a random per-environment secret (HMAC-SHA256) cannot. The key is kept
//! with the environment, on its network (see `runtime::labels::FINGERPRINT_KEY`): ark reads
//! it back on every plan, so "env DB_PASSWORD changed" still works. The core never makes
//! one: it is handed in as data.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The fingerprint field that names the key (a hash of it, never the key): a fingerprint
/// without it was made before keys existed, one with another was made with another key.
pub const KEY_FIELD: &str = "key";

#[derive(Clone, PartialEq, Eq, Default)]
pub struct FingerprintKey(Vec<u8>);

/// Never printed: `{:?}` says only whether there is a key.
impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_placeholder() {
            f.write_str("FingerprintKey(none yet)")
        } else {
            f.write_str("FingerprintKey(…)")
        }
    }
}

impl FingerprintKey {
    /// A key from random bytes (the caller's randomness).
    pub fn from_bytes(bytes: [u8; 32]) -> FingerprintKey {
        FingerprintKey(bytes.to_vec())
    }

    /// A key as a label holds it: 64 hex digits. Anything else is no key.
    pub fn from_hex(text: &str) -> Option<FingerprintKey> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        (0..32)
            .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()
            .map(FingerprintKey)
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The key of an environment whose network was made before keys existed: derived from
    /// a random value the engine gave that network when it made it (its id), which no
    /// container label holds. Stable for the network's life.
    pub fn derived_from(seed: &str) -> FingerprintKey {
        let mut digest = Sha256::new();
        digest.update(b"dev.ark.fingerprint-key\0");
        digest.update(seed.as_bytes());
        FingerprintKey(digest.finalize().to_vec())
    }

    /// No key yet: specs are made before the engine is asked for the environment's key;
    /// nothing is written with this one (the runtime refuses to).
    pub fn is_placeholder(&self) -> bool {
        self.0.is_empty()
    }

    /// The first 12 hex digits of HMAC-SHA256(key, text).
    pub fn hash(&self, text: &str) -> String {
        // HMAC takes a key of any length (an empty one included): this never fails.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(text.as_bytes());
        let tag = mac.finalize().into_bytes();
        tag.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }

    /// What the fingerprint says about the key: a hash of it, so two fingerprints made
    /// with different keys are told apart without showing either.
    pub fn id(&self) -> String {
        self.hash("dev.ark.fingerprint-key-id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hmac_sha256_and_differ_per_key() {
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        let jefe = FingerprintKey(b"Jefe".to_vec());
        assert_eq!(jefe.hash("what do ya want for nothing?"), "5bdcc146bf60");
        let one = FingerprintKey::from_bytes([1; 32]);
        let two = FingerprintKey::from_bytes([2; 32]);
        assert_ne!(one.hash("pw-hunter2-AAA"), two.hash("pw-hunter2-AAA"));
        assert_eq!(one.hash("pw-hunter2-AAA"), one.hash("pw-hunter2-AAA"));
        // The unkeyed hash a guess could be checked against is not what a label holds.
        let unkeyed: String = Sha256::digest(b"pw-hunter2-AAA")
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(one.hash("pw-hunter2-AAA"), unkeyed);
        assert_ne!(one.id(), two.id());
    }

    #[test]
    fn keys_round_trip_through_their_label_text() {
        let key = FingerprintKey::from_bytes([0xab; 32]);
        assert_eq!(FingerprintKey::from_hex(&key.to_hex()), Some(key.clone()));
        for bad in ["", "ab", &"zz".repeat(32), &"é".repeat(32)] {
            assert_eq!(FingerprintKey::from_hex(bad), None, "{bad}");
        }
        assert_eq!(format!("{key:?}"), "FingerprintKey(…)", "never printed");
        assert!(FingerprintKey::default().is_placeholder());
        assert_eq!(
            FingerprintKey::derived_from("net-id"),
            FingerprintKey::derived_from("net-id")
        );
    }
}
