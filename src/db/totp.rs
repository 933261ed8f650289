//! Authenticator-app secrets (`user_totp`) and recovery codes (`recovery_codes`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{recovery_codes, user_totp};
use super::{new_id, now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_totp)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct UserTotp {
    pub user_id: String,
    /// Base32, as the authenticator app was given it.
    pub secret: String,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: i64,
    pub created_at: NaiveDateTime,
}

pub async fn find(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<UserTotp>> {
    db_run!(conn, |c| user_totp::table
        .find(user_id)
        .select(UserTotp::as_select())
        .first(c)
        .await
        .optional())
}

/// The user's confirmed secret: the one that counts at login.
pub async fn confirmed(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<UserTotp>> {
    Ok(find(conn, user_id)
        .await?
        .filter(|t| t.confirmed_at.is_some()))
}

/// Starts (or restarts) an enrolment with a new, unconfirmed secret.
pub async fn enrol(conn: &mut DbConn, user_id: &str, secret: &str) -> QueryResult<()> {
    let row = UserTotp {
        user_id: user_id.to_owned(),
        secret: secret.to_owned(),
        confirmed_at: None,
        last_step: 0,
        created_at: now(),
    };
    db_run!(conn, |c| diesel::delete(user_totp::table.find(user_id))
        .execute(c)
        .await)?;
    db_run!(conn, |c| diesel::insert_into(user_totp::table)
        .values(&row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Records that a code of `step` was accepted, only if no code of that step
/// or a later one was: false means the code was already used.
pub async fn use_step(
    conn: &mut DbConn,
    user_id: &str,
    step: i64,
    confirm: bool,
) -> QueryResult<bool> {
    let n = if confirm {
        db_run!(conn, |c| diesel::update(
            user_totp::table
                .find(user_id)
                .filter(user_totp::last_step.lt(step))
        )
        .set((
            user_totp::last_step.eq(step),
            user_totp::confirmed_at.eq(Some(now()))
        ))
        .execute(c)
        .await)?
    } else {
        db_run!(conn, |c| diesel::update(
            user_totp::table
                .find(user_id)
                .filter(user_totp::last_step.lt(step))
        )
        .set(user_totp::last_step.eq(step))
        .execute(c)
        .await)?
    };
    Ok(n == 1)
}

/// Turns two-step sign-in off: the secret and every recovery code go.
pub async fn remove(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::delete(
        recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    db_run!(conn, |c| diesel::delete(user_totp::table.find(user_id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Replaces the user's recovery codes with these hashes.
pub async fn set_recovery(conn: &mut DbConn, user_id: &str, hashes: &[String]) -> QueryResult<()> {
    db_run!(conn, |c| diesel::delete(
        recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    let at = now();
    for hash in hashes {
        db_run!(conn, |c| diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(new_id()),
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(at),
            ))
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// Spends the unused recovery code with this hash; false if there is none.
pub async fn spend_recovery(conn: &mut DbConn, user_id: &str, hash: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null())
    )
    .set(recovery_codes::used_at.eq(Some(now())))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn recovery_left(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    db_run!(conn, |c| recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(c)
        .await)
}
