//! Authentication primitives: password hashing, JWTs, opaque secrets,
//! one-time-code challenges and the issuing of token pairs.

pub mod challenge;
pub mod jwt;
pub mod password;
pub mod secrets;
pub mod tokens;
