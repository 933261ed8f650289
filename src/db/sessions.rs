//! Login sessions (`auth_sessions`, one per refresh-token family) and their
//! rotating refresh tokens (`refresh_tokens`, stored as SHA-256 hashes).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{auth_sessions, refresh_tokens};
use super::{now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = auth_sessions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

impl Session {
    pub fn is_live(&self, at: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > at
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct RefreshToken {
    pub id: String,
    pub session_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub async fn insert_session(conn: &mut DbConn, session: &Session) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(auth_sessions::table)
        .values(session)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn insert_token(conn: &mut DbConn, token: &RefreshToken) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_session(conn: &mut DbConn, id: &str) -> QueryResult<Option<Session>> {
    db_run!(conn, |c| auth_sessions::table
        .find(id)
        .select(Session::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn find_token(conn: &mut DbConn, hash: &str) -> QueryResult<Option<RefreshToken>> {
    db_run!(conn, |c| refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .first(c)
        .await
        .optional())
}

/// Spends a refresh token. False if it was already spent (by a racing request too).
pub async fn spend_token(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::used_at.is_null())
    )
    .set(refresh_tokens::used_at.eq(Some(now())))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn touch_session(conn: &mut DbConn, id: &str, ip: Option<&str>) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(auth_sessions::table.find(id))
        .set((
            auth_sessions::last_used_at.eq(now()),
            auth_sessions::ip.eq(ip),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Revokes one session (a refresh-token family). Returns whether it was live.
pub async fn revoke(conn: &mut DbConn, id: &str, reason: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        auth_sessions::table
            .find(id)
            .filter(auth_sessions::revoked_at.is_null())
    )
    .set((
        auth_sessions::revoked_at.eq(Some(now())),
        auth_sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Revokes every live session of a user except `keep`. Returns how many.
pub async fn revoke_all(
    conn: &mut DbConn,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
) -> QueryResult<usize> {
    let keep = keep.unwrap_or("");
    db_run!(conn, |c| diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::id.ne(keep))
            .filter(auth_sessions::revoked_at.is_null())
    )
    .set((
        auth_sessions::revoked_at.eq(Some(now())),
        auth_sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(c)
    .await)
}

/// The user's live sessions, most recently used first.
pub async fn list_live(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Session>> {
    db_run!(conn, |c| auth_sessions::table
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(auth_sessions::expires_at.gt(now()))
        .order(auth_sessions::last_used_at.desc())
        .select(Session::as_select())
        .load(c)
        .await)
}
