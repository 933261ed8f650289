//! The `oidc_identities` table: which account a provider's subject signs into.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::oidc_identities;
use super::{now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = oidc_identities)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Identity {
    pub id: String,
    pub user_id: String,
    /// The configured provider's name (`google`).
    pub provider: String,
    /// The provider's stable id for the person (`sub`).
    pub subject: String,
    /// The email the provider gave when the link was made.
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
}

pub async fn find(
    conn: &mut DbConn,
    provider: &str,
    subject: &str,
) -> QueryResult<Option<Identity>> {
    db_run!(conn, |c| oidc_identities::table
        .filter(oidc_identities::provider.eq(provider))
        .filter(oidc_identities::subject.eq(subject))
        .select(Identity::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn link(
    conn: &mut DbConn,
    user_id: &str,
    provider: &str,
    subject: &str,
    email: Option<&str>,
) -> QueryResult<()> {
    let now = now();
    let row = Identity {
        id: super::new_id(),
        user_id: user_id.to_owned(),
        provider: provider.to_owned(),
        subject: subject.to_owned(),
        email: email.map(str::to_owned),
        created_at: now,
        last_used_at: now,
    };
    db_run!(conn, |c| diesel::insert_into(oidc_identities::table)
        .values(&row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn touch(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(oidc_identities::table.find(id))
        .set(oidc_identities::last_used_at.eq(now()))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Identity>> {
    db_run!(conn, |c| oidc_identities::table
        .filter(oidc_identities::user_id.eq(user_id))
        .select(Identity::as_select())
        .load(c)
        .await)
}

pub async fn unlink_all(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        oidc_identities::table.filter(oidc_identities::user_id.eq(user_id))
    )
    .execute(c)
    .await)
}
