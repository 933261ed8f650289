//! Two-step sign-in with an authenticator app: RFC 6238 codes (SHA-1, six
//! digits, 30-second steps, one step of clock drift either way) through
//! `totp-rs`, each accepted at most once, and single-use recovery codes kept
//! as keyed hashes.

use rand::Rng;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::auth::secrets;
use crate::auth::{AuthError, AuthResult};
use crate::db::{self, DbConn};
use crate::state::AppState;

const STEP_S: u64 = 30;
/// Recovery codes handed out at once.
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits nobody misreads (no 0/o, 1/l/i).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new random secret (160 bits), base32 as authenticator apps take it.
pub fn new_secret() -> String {
    match Secret::generate_secret().to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(bytes) => secrets::sha256_hex(&hex::encode(bytes)),
    }
}

/// The generator for `secret`, labelled for the user's app.
pub fn generator(secret: &str, issuer: &str, account: &str) -> AuthResult<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| AuthError::internal(anyhow::anyhow!("stored TOTP secret: {e:?}")))?;
    // `:` separates issuer and account in the label; neither may hold one.
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_S,
        bytes,
        Some(issuer.replace(':', " ")),
        account.replace(':', " "),
    )
    .map_err(|e| AuthError::internal(anyhow::anyhow!("TOTP parameters: {e:?}")))
}

/// The step whose code `code` is, within one step of `now` either way.
pub fn matching_step(generator: &TOTP, code: &str, now: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP_S;
    (current.saturating_sub(1)..=current + 1)
        .find(|step| secrets::same(&generator.generate(step * STEP_S), code))
        .and_then(|step| i64::try_from(step).ok())
}

/// Ten fresh recovery codes, as shown to the user (`abcd-efgh`).
pub fn recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..8)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &raw[..4], &raw[4..])
        })
        .collect()
}

/// The stored form of a recovery code (case, spaces and dashes do not matter).
pub fn recovery_hash(key: &[u8], user_id: &str, code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    secrets::keyed_hash(key, &format!("recovery:{user_id}"), &normal)
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

/// Whether `code` is the user's current authenticator code (never accepted
/// before) or one of their unused recovery codes (spent now), against their
/// confirmed secret.
pub async fn accept(
    state: &AppState,
    conn: &mut DbConn,
    user_id: &str,
    code: &str,
) -> AuthResult<bool> {
    check(state, conn, user_id, code, false).await
}

/// [`accept`]; `confirming`: the enrolment's proof, against the unconfirmed
/// secret, app codes only (and it confirms the secret).
pub async fn check(
    state: &AppState,
    conn: &mut DbConn,
    user_id: &str,
    code: &str,
    confirming: bool,
) -> AuthResult<bool> {
    let Some(totp) = db::totp::find(conn, user_id).await? else {
        return Ok(false);
    };
    if totp.confirmed_at.is_none() && !confirming {
        return Ok(false);
    }
    let generator = generator(&totp.secret, "onsite", user_id)?;
    if let Some(step) = matching_step(&generator, code, unix_now()) {
        return Ok(db::totp::use_step(conn, user_id, step, confirming).await?);
    }
    if confirming {
        return Ok(false);
    }
    let hash = recovery_hash(&state.code_key, user_id, code);
    Ok(db::totp::spend_recovery(conn, user_id, &hash).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        let secret = new_secret();
        let g = generator(&secret, "onsite: test", "ann@example.com").unwrap();
        let now = 1_800_000_000;
        let code = g.generate(now);
        assert_eq!(matching_step(&g, &code, now), Some((now / 30) as i64));
        assert_eq!(
            matching_step(&g, &code, now + 30),
            Some((now / 30) as i64),
            "drift"
        );
        assert_eq!(matching_step(&g, &code, now + 90), None, "too old");
        assert_eq!(matching_step(&g, "12345", now), None);
        assert!(g.get_url().starts_with("otpauth://totp/"));
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            recovery_hash(b"k", "u", &codes[0].to_uppercase()),
            recovery_hash(b"k", "u", &codes[0].replace('-', " "))
        );
    }
}
