//! Consent decisions (`consents`), append-only; the latest per kind is in force.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::consents;
use super::DbConn;
use crate::db_run;
use crate::domain::ConsentKind;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = consents)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ConsentRow {
    pub id: String,
    pub user_id: String,
    pub kind: ConsentKind,
    /// Which version of the text was shown.
    pub version: String,
    pub granted: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, row: &ConsentRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(consents::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Every decision of the user, oldest first.
pub async fn history(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<ConsentRow>> {
    db_run!(conn, |c| consents::table
        .filter(consents::user_id.eq(user_id))
        .order((consents::created_at.asc(), consents::id.asc()))
        .select(ConsentRow::as_select())
        .load(c)
        .await)
}

/// Erased with the account: the proof of consent goes with the person.
pub async fn forget(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        consents::table.filter(consents::user_id.eq(user_id))
    )
    .execute(c)
    .await)
}
