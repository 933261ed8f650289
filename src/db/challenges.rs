//! One-time codes and link tokens (admin login OTP, email and phone
//! verification, password reset, invitations), stored as keyed hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::challenges;
use super::{now, DbConn};
use crate::db_run;
use crate::domain::Purpose;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = challenges)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Challenge {
    pub id: String,
    pub user_id: Option<String>,
    pub purpose: Purpose,
    pub destination: String,
    pub code_hash: Option<String>,
    pub token_hash: Option<String>,
    pub attempts: i32,
    pub expires_at: NaiveDateTime,
    pub consumed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, ch: &Challenge) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(challenges::table)
        .values(ch)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Challenge>> {
    db_run!(conn, |c| challenges::table
        .find(id)
        .select(Challenge::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn find_by_token(conn: &mut DbConn, hash: &str) -> QueryResult<Option<Challenge>> {
    db_run!(conn, |c| challenges::table
        .filter(challenges::token_hash.eq(hash))
        .select(Challenge::as_select())
        .first(c)
        .await
        .optional())
}

/// Counts an attempt on an open challenge with attempts left, atomically
/// (so parallel guesses cannot exceed the limit); returns the attempts made
/// including this one, or `None` if the challenge is used, burned or expired.
pub async fn take_attempt(conn: &mut DbConn, id: &str, max: i32) -> QueryResult<Option<i32>> {
    let at = now();
    db_run!(conn, |c| diesel::update(
        challenges::table
            .find(id)
            .filter(challenges::consumed_at.is_null())
            .filter(challenges::expires_at.gt(at))
            .filter(challenges::attempts.lt(max))
    )
    .set(challenges::attempts.eq(challenges::attempts + 1))
    .returning(challenges::attempts)
    .get_result(c)
    .await
    .optional())
}

/// Consumes a challenge once. False if it was already consumed (or raced).
pub async fn consume(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        challenges::table
            .find(id)
            .filter(challenges::consumed_at.is_null())
    )
    .set(challenges::consumed_at.eq(Some(now())))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Consumes every open challenge of a user for a purpose (a new one supersedes them).
pub async fn consume_open(conn: &mut DbConn, user_id: &str, purpose: Purpose) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        challenges::table
            .filter(challenges::user_id.eq(user_id))
            .filter(challenges::purpose.eq(purpose))
            .filter(challenges::consumed_at.is_null())
    )
    .set(challenges::consumed_at.eq(Some(now())))
    .execute(c)
    .await)?;
    Ok(())
}

/// Creation times of the challenges sent to `destination` for `purpose` since `since`.
pub async fn sent_since(
    conn: &mut DbConn,
    destination: &str,
    purpose: Purpose,
    since: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    db_run!(conn, |c| challenges::table
        .filter(challenges::destination.eq(destination))
        .filter(challenges::purpose.eq(purpose))
        .filter(challenges::created_at.gt(since))
        .order(challenges::created_at.desc())
        .select(challenges::created_at)
        .load(c)
        .await)
}

/// The newest challenge sent to `destination` for `purpose` that is neither
/// used nor expired: the one a code typed against a phone number answers.
pub async fn latest_open(
    conn: &mut DbConn,
    destination: &str,
    purpose: Purpose,
) -> QueryResult<Option<Challenge>> {
    let now = super::now();
    db_run!(conn, |c| challenges::table
        .filter(challenges::destination.eq(destination))
        .filter(challenges::purpose.eq(purpose))
        .filter(challenges::consumed_at.is_null())
        .filter(challenges::expires_at.gt(now))
        .order(challenges::created_at.desc())
        .select(Challenge::as_select())
        .first(c)
        .await
        .optional())
}
