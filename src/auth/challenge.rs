//! One-time challenges: a six-digit code and/or a link token sent to an email
//! address or phone, single-use, time-limited, bound to their challenge id,
//! burned after [`MAX_ATTEMPTS`] wrong codes, and rate-limited per destination.

use chrono::Duration;

use crate::auth::secrets;
use crate::auth::{AuthError, AuthResult};
use crate::db::{self, challenges::Challenge, DbConn};
use crate::state::AppState;

/// Wrong codes allowed before a challenge is burned.
pub const MAX_ATTEMPTS: i32 = 5;

pub use crate::domain::Purpose;

/// How long a challenge lives, and how often one may be sent.
impl Purpose {
    fn ttl(self) -> Duration {
        match self {
            Self::AdminLogin | Self::PhoneVerify => Duration::minutes(10),
            Self::TotpLogin | Self::PhoneLogin => Duration::minutes(5),
            Self::EmailVerify => Duration::minutes(15),
            Self::PasswordReset => Duration::minutes(30),
            Self::Invitation => Duration::days(7),
        }
    }

    /// Least time between two sends to one destination. Verification resends
    /// wait a minute; a login or reset request may be repeated at once (the
    /// hourly cap still applies).
    fn min_interval_s(self) -> i64 {
        match self {
            Self::EmailVerify | Self::PhoneVerify | Self::PhoneLogin => 60,
            Self::AdminLogin | Self::PasswordReset | Self::Invitation | Self::TotpLogin => 0,
        }
    }
}

/// What was sent; the secrets go into the message, only `id` into a response.
pub struct Issued {
    pub id: String,
    pub code: Option<String>,
    pub token: Option<String>,
}

/// Sends per destination and purpose in any hour.
const PER_HOUR: usize = 5;

/// Creates a challenge (superseding the user's open ones for the same purpose)
/// after checking the send rate for `destination` (not for the second step
/// of a sign-in, which sends nothing).
pub async fn issue(
    state: &AppState,
    conn: &mut DbConn,
    user_id: Option<&str>,
    purpose: Purpose,
    destination: &str,
    with_code: bool,
    with_token: bool,
) -> AuthResult<Issued> {
    let now = db::now();
    // A sign-in's second step sends nothing: the login limits guard it.
    let recent = if purpose == Purpose::TotpLogin {
        Vec::new()
    } else {
        db::challenges::sent_since(conn, destination, purpose, now - Duration::hours(1)).await?
    };
    if let Some(latest) = recent.first() {
        let wait = purpose.min_interval_s() - (now - *latest).num_seconds();
        if wait > 0 {
            return Err(AuthError::RateLimited {
                retry_after_s: wait,
            });
        }
    }
    if recent.len() >= PER_HOUR {
        let oldest = recent.iter().min().copied().unwrap_or(now);
        let wait = 3600 - (now - oldest).num_seconds();
        return Err(AuthError::RateLimited {
            retry_after_s: wait.max(1),
        });
    }
    if let Some(uid) = user_id {
        db::challenges::consume_open(conn, uid, purpose).await?;
    }
    let id = db::new_id();
    let code = with_code.then(secrets::six_digit_code);
    let token = with_token.then(secrets::random_token);
    let row = Challenge {
        id: id.clone(),
        user_id: user_id.map(str::to_owned),
        purpose,
        destination: destination.to_owned(),
        code_hash: code
            .as_deref()
            .map(|c| secrets::keyed_hash(&state.code_key, &id, c)),
        token_hash: token.as_deref().map(secrets::sha256_hex),
        attempts: 0,
        expires_at: now + purpose.ttl(),
        consumed_at: None,
        created_at: now,
    };
    db::challenges::insert(conn, &row).await?;
    Ok(Issued { id, code, token })
}

fn check_open(ch: &Challenge) -> AuthResult<()> {
    if ch.consumed_at.is_some() {
        return Err(AuthError::BadRequest(
            "challenge_used",
            "this code was already used or has been burned; request a new one".into(),
        ));
    }
    if ch.expires_at <= db::now() {
        return Err(AuthError::BadRequest(
            "challenge_expired",
            "this code has expired; request a new one".into(),
        ));
    }
    Ok(())
}

/// Checks `code` against challenge `id` of `purpose` and consumes it on success.
/// Every wrong code counts; the fifth burns the challenge.
pub async fn verify_code(
    state: &AppState,
    conn: &mut DbConn,
    id: &str,
    code: &str,
    purpose: Purpose,
) -> AuthResult<Challenge> {
    let (ch, attempts) =
        take_try(conn, id, |c| c.purpose == purpose && c.code_hash.is_some()).await?;
    let expected = ch.code_hash.as_deref().unwrap_or_default();
    let matched = secrets::same(
        expected,
        &secrets::keyed_hash(&state.code_key, id, code.trim()),
    );
    settle_try(conn, id, attempts, matched, "wrong code").await?;
    Ok(ch)
}

/// The second step of a sign-in (`TotpLogin`): `code` is the authenticator's
/// current code or a recovery code, checked by [`crate::auth::totp::accept`].
/// Tries count and burn like [`verify_code`]'s.
pub async fn verify_second_step(
    state: &AppState,
    conn: &mut DbConn,
    id: &str,
    code: &str,
) -> AuthResult<Challenge> {
    let (ch, attempts) = take_try(conn, id, |c| c.purpose == Purpose::TotpLogin).await?;
    let user_id = ch.user_id.clone().unwrap_or_default();
    let matched = crate::auth::totp::accept(state, conn, &user_id, code).await?;
    settle_try(conn, id, attempts, matched, "wrong or already used code").await?;
    Ok(ch)
}

/// The open challenge `id` (if `fits`), with this try counted, atomically,
/// before any code is compared; the number of tries so far.
async fn take_try(
    conn: &mut DbConn,
    id: &str,
    fits: impl Fn(&Challenge) -> bool,
) -> AuthResult<(Challenge, i32)> {
    let ch = db::challenges::find(conn, id)
        .await?
        .filter(|c| fits(c))
        .ok_or_else(|| AuthError::BadRequest("challenge_not_found", "no such challenge".into()))?;
    check_open(&ch)?;
    let Some(attempts) = db::challenges::take_attempt(conn, id, MAX_ATTEMPTS).await? else {
        return Err(AuthError::BadRequest(
            "challenge_used",
            "this code was already used or has been burned; request a new one".into(),
        ));
    };
    Ok((ch, attempts))
}

/// After a try: a match consumes the challenge (once); a miss says how many
/// tries are left, and the last one burns it.
async fn settle_try(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    matched: bool,
    wrong: &str,
) -> AuthResult<()> {
    if !matched {
        if attempts >= MAX_ATTEMPTS {
            db::challenges::consume(conn, id).await?;
            return Err(AuthError::Burned);
        }
        return Err(AuthError::BadRequest(
            "invalid_code",
            format!(
                "{wrong}; {} attempt(s) left",
                MAX_ATTEMPTS.saturating_sub(attempts)
            ),
        ));
    }
    if !db::challenges::consume(conn, id).await? {
        return Err(AuthError::BadRequest(
            "challenge_used",
            "this code was already used".into(),
        ));
    }
    Ok(())
}

/// Redeems a link token of `purpose` once.
pub async fn redeem_token(
    conn: &mut DbConn,
    token: &str,
    purpose: Purpose,
) -> AuthResult<Challenge> {
    let invalid = || {
        AuthError::BadRequest(
            "invalid_token",
            "this link is invalid, expired or already used".into(),
        )
    };
    let ch = db::challenges::find_by_token(conn, &secrets::sha256_hex(token.trim()))
        .await?
        .filter(|c| c.purpose == purpose)
        .ok_or_else(invalid)?;
    check_open(&ch).map_err(|_| invalid())?;
    if !db::challenges::consume(conn, &ch.id).await? {
        return Err(invalid());
    }
    Ok(ch)
}
