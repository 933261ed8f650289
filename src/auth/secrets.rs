//! Opaque secrets: random tokens, six-digit codes, and the keyed hashes we
//! store instead of them.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 256 random bits, URL-safe base64 without padding.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A uniformly random six-digit code, zero-padded.
pub fn six_digit_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// SHA-256 hex digest; for high-entropy tokens (refresh tokens, link tokens).
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// HMAC-SHA256 hex with the server key; for low-entropy codes, bound to their
/// challenge so a code cannot be replayed against another one.
pub fn keyed_hash(key: &[u8], challenge_id: &str, code: &str) -> String {
    // HMAC accepts keys of any length; an error here is impossible.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(challenge_id.as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time string equality.
pub fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(random_token().len(), 43);
        assert_ne!(random_token(), random_token());
        let code = six_digit_code();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let h = keyed_hash(b"k", "c1", "123456");
        assert!(same(&h, &keyed_hash(b"k", "c1", "123456")));
        assert!(!same(&h, &keyed_hash(b"k", "c2", "123456")));
        assert!(!same("", ""));
    }
}
