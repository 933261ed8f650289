//! Signed gateway callbacks, as Stripe signs them: `t=<unix seconds>,v1=<hex>`
//! (in `Stripe-Signature`, or `x-onsite-signature` for the simulator) where
//! the hex is HMAC-SHA256(secret, "<t>.<raw body>"); several `v1` may be
//! given (while a secret is rolled). A signature more than five minutes off
//! is refused; replays of a fresh one are harmless (handlers are idempotent,
//! and Stripe's event ids are remembered).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "x-onsite-signature";
pub const STRIPE_HEADER: &str = "stripe-signature";
const TOLERANCE_S: i64 = 300;

pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// True when `header` is a valid, fresh signature of `body`.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64) -> bool {
    let mut timestamp = None;
    let mut given = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            // Several while a secret is rolled; any one may match.
            Some(("v1", v)) => given.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return false;
    };
    if (now - t).abs() > TOLERANCE_S {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // Constant-time comparison of each candidate.
    given
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let header = sign(b"k", 1000, b"{}");
        assert!(verify(b"k", &header, b"{}", 1100));
        assert!(!verify(b"k", &header, b"{ }", 1100), "body changed");
        assert!(!verify(b"other", &header, b"{}", 1100), "wrong secret");
        assert!(!verify(b"k", &header, b"{}", 2000), "too old");
        assert!(!verify(b"k", "t=1000,v1=zz", b"{}", 1000));
        assert!(!verify(b"k", "", b"{}", 1000));
        let good = header.split(',').nth(1).unwrap_or_default();
        let rolled = format!("t=1000,v1={},{good}", "ab".repeat(32));
        assert!(verify(b"k", &rolled, b"{}", 1100), "any v1 may match");
    }
}
