//! Signed gateway callbacks: `x-onsite-signature: t=<unix seconds>,v1=<hex>`
//! where the hex is HMAC-SHA256(secret, "<t>.<raw body>"). A signature older
//! than five minutes is refused (replays of a fresh one are harmless: the
//! handlers are idempotent).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "x-onsite-signature";
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
    let mut given = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => given = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(given)) = (timestamp, given) else {
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
    mac.verify_slice(&given).is_ok()
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
    }
}
