//! Authentication primitives: password hashing, JWTs, opaque secrets,
//! one-time-code challenges and the issuing of token pairs.

pub mod challenge;
pub mod jwt;
pub mod oidc;
pub mod password;
pub mod secrets;
pub mod tokens;
pub mod totp;

/// Why an authentication step refused or failed. The HTTP layer renders it
/// (`impl From<AuthError> for ApiError`); nothing here knows about HTTP.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// 401 with a code: bad or spent credentials.
    #[error("{1}")]
    Unauthorized(&'static str, String),
    /// 400 with a code: a bad or used challenge, code or link.
    #[error("{1}")]
    BadRequest(&'static str, String),
    /// 400 `too_many_attempts`: too many wrong codes burned the challenge.
    #[error("too many wrong codes; this challenge is burned, request a new one")]
    Burned,
    /// 429: too many sends.
    #[error("too many requests; try again in {retry_after_s} seconds")]
    RateLimited { retry_after_s: i64 },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AuthError {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

/// What the authentication steps return.
pub type AuthResult<T> = Result<T, AuthError>;
