//! Issuing and rotating token pairs. A login starts a session (a refresh-token
//! family); every refresh spends the presented token and issues the next one;
//! presenting a spent token revokes the family (theft detection).

use chrono::Duration;

use crate::auth::secrets;
use crate::auth::{AuthError, AuthResult};
use crate::db::{
    self,
    sessions::{RefreshToken, Session},
    users::User,
    DbConn,
};
use crate::domain::ClientInfo;
use crate::state::AppState;

/// A new access token and the session's next refresh token, for `user`.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: User,
}

fn pair(state: &AppState, user: &User, sid: &str, refresh: String) -> AuthResult<Issued> {
    let access_token = state
        .jwt
        .issue(&user.id, user.role, sid)
        .map_err(AuthError::internal)?;
    Ok(Issued {
        access_token,
        refresh_token: refresh,
        expires_in: state.jwt.ttl_s(),
        user: user.clone(),
    })
}

async fn add_token(conn: &mut DbConn, session_id: &str) -> AuthResult<String> {
    let token = secrets::random_token();
    db::sessions::insert_token(
        conn,
        &RefreshToken {
            id: db::new_id(),
            session_id: session_id.to_owned(),
            token_hash: secrets::sha256_hex(&token),
            created_at: db::now(),
            used_at: None,
        },
    )
    .await?;
    Ok(token)
}

/// Starts a new login session for `user` and returns its first token pair.
pub async fn start_session(
    state: &AppState,
    conn: &mut DbConn,
    user: &User,
    client: &ClientInfo,
) -> AuthResult<Issued> {
    let now = db::now();
    let ttl = Duration::seconds(
        i64::try_from(state.config.auth.refresh_token_ttl.as_secs()).unwrap_or(86_400),
    );
    let session = Session {
        id: db::new_id(),
        user_id: user.id.clone(),
        user_agent: client.user_agent.clone(),
        ip: client.ip.clone(),
        created_at: now,
        last_used_at: now,
        expires_at: now + ttl,
        revoked_at: None,
        revoked_reason: None,
    };
    let refresh = db::transaction(conn, async |c| {
        db::sessions::insert_session(c, &session).await?;
        add_token(c, &session.id).await
    })
    .await?;
    pair(state, user, &session.id, refresh)
}

fn refused(code: &'static str, message: &str) -> AuthError {
    AuthError::Unauthorized(code, message.to_owned())
}

/// Spends `presented` and returns the next pair of its session.
pub async fn rotate(
    state: &AppState,
    conn: &mut DbConn,
    presented: &str,
    client: &ClientInfo,
) -> AuthResult<Issued> {
    let token = db::sessions::find_token(conn, &secrets::sha256_hex(presented.trim()))
        .await?
        .ok_or_else(|| refused("invalid_refresh_token", "unknown refresh token"))?;
    let session = db::sessions::find_session(conn, &token.session_id)
        .await?
        .filter(|s| s.is_live(db::now()))
        .ok_or_else(|| {
            refused(
                "session_revoked",
                "this login session has ended; log in again",
            )
        })?;
    let reuse = || {
        refused(
            "refresh_token_reused",
            "this refresh token was already used; the session has been revoked, log in again",
        )
    };
    if token.used_at.is_some() {
        db::sessions::revoke(conn, &session.id, "refresh_token_reuse").await?;
        tracing::warn!(session = %session.id, user = %session.user_id, "refresh token reuse: session revoked");
        return Err(reuse());
    }
    let user = db::users::find(conn, &session.user_id)
        .await?
        .filter(User::is_active)
        .ok_or_else(|| refused("session_revoked", "the account is not active"))?;
    let next = db::transaction(conn, async |c| {
        if !db::sessions::spend_token(c, &token.id).await? {
            return Ok(None);
        }
        db::sessions::touch_session(c, &session.id, client.ip.as_deref()).await?;
        add_token(c, &session.id).await.map(Some)
    })
    .await?;
    match next {
        Some(refresh) => pair(state, &user, &session.id, refresh),
        None => {
            // A concurrent request spent it first: same as reuse.
            db::sessions::revoke(conn, &session.id, "refresh_token_reuse").await?;
            Err(reuse())
        }
    }
}
