//! argon2id password hashing (OWASP minimum: 19 MiB, t=2, p=1), always off the
//! async threads.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::auth::{AuthError, AuthResult};

fn hasher() -> AuthResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AuthError::internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` into a PHC string (blocking; see [`hash_async`]).
pub fn hash(password: &str) -> AuthResult<String> {
    let hashed = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| AuthError::internal(anyhow::anyhow!("argon2 hash: {e}")))?;
    Ok(hashed.to_string())
}

/// True when `password` matches `phc` (blocking; see [`verify_async`]).
pub fn verify(password: &str, phc: &str) -> bool {
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), phc).is_ok())
}

pub async fn hash_async(password: String) -> AuthResult<String> {
    actix_web::web::block(move || hash(&password))
        .await
        .map_err(AuthError::internal)?
}

/// Verifies against `phc`, or against `dummy` when there is no hash, so an
/// unknown account costs the same time as a wrong password.
pub async fn verify_async(
    password: String,
    phc: Option<String>,
    dummy: String,
) -> AuthResult<bool> {
    actix_web::web::block(move || {
        let matched = verify(&password, phc.as_deref().unwrap_or(&dummy));
        matched && phc.is_some()
    })
    .await
    .map_err(AuthError::internal)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn round_trip_and_params() {
        let phc = super::hash("Secret123").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(super::verify("Secret123", &phc));
        assert!(!super::verify("Secret124", &phc));
        assert!(!super::verify("Secret123", "not a hash"));
    }
}
