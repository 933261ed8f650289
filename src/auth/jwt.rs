//! HS256 access tokens: `sub`, `role`, `sid` (the login session), `exp`, `iat`, `jti`.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::Role;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub sid: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_s: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: std::time::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_s: i64::try_from(ttl.as_secs()).unwrap_or(900),
        }
    }

    pub fn ttl_s(&self) -> i64 {
        self.ttl_s
    }

    /// Signs an access token for `user_id` in session `sid`.
    pub fn issue(&self, user_id: &str, role: Role, sid: &str) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            sid: sid.to_owned(),
            iat: now,
            exp: now + self.ttl_s,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies signature, algorithm (HS256 only; `none` is refused) and expiry.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> JwtKeys {
        JwtKeys::new(&[7u8; 32], std::time::Duration::from_secs(60))
    }

    #[test]
    fn round_trip_with_the_crypto_provider() {
        let k = keys();
        let token = k.issue("u1", Role::Customer, "s1").unwrap();
        let claims = k.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("u1", "s1"));
        assert_eq!(claims.role, Role::Customer);
    }

    #[test]
    fn refuses_forged_expired_and_none() {
        let k = keys();
        let other = JwtKeys::new(&[8u8; 32], std::time::Duration::from_secs(60));
        assert!(k
            .verify(&other.issue("u1", Role::Admin, "s").unwrap())
            .is_none());
        let past = Claims {
            sub: "u1".into(),
            role: Role::Customer,
            sid: "s".into(),
            iat: 1,
            exp: 2,
            jti: "j".into(),
        };
        let expired = encode(
            &Header::new(Algorithm::HS256),
            &past,
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(k.verify(&expired).is_none());
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = b64.encode(
            serde_json::to_vec(&Claims {
                exp: i64::MAX / 2,
                ..past
            })
            .unwrap(),
        );
        assert!(k.verify(&format!("{header}.{payload}.")).is_none());
    }
}
