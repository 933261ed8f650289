//! Weekly hours (`provider_hours`), dated exceptions (`provider_exceptions`)
//! and the slot-claim look-ups availability needs across many providers.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{provider_exceptions, provider_hours, slot_claims};
use super::{now, DbConn};
use crate::db_run;

/// One open interval of a weekday, in minutes after local midnight.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = provider_hours)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct HoursRow {
    pub id: String,
    pub provider_id: String,
    /// 0 = Monday ... 6 = Sunday.
    pub weekday: i32,
    pub start_minute: i32,
    pub end_minute: i32,
}

/// A date with other hours than usual: closed, or `hours` instead.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = provider_exceptions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ExceptionRow {
    pub id: String,
    pub provider_id: String,
    /// `YYYY-MM-DD`, a local date of the provider.
    pub day: String,
    pub closed: bool,
    /// JSON array of `[start_minute, end_minute]` pairs.
    pub hours: String,
    pub reason: Option<String>,
}

impl ExceptionRow {
    pub fn intervals(&self) -> Vec<(u16, u16)> {
        if self.closed {
            return Vec::new();
        }
        serde_json::from_str(&self.hours).unwrap_or_default()
    }
}

pub async fn hours(conn: &mut DbConn, provider_ids: &[String]) -> QueryResult<Vec<HoursRow>> {
    db_run!(conn, |c| provider_hours::table
        .filter(provider_hours::provider_id.eq_any(provider_ids))
        .order((
            provider_hours::provider_id,
            provider_hours::weekday,
            provider_hours::start_minute,
        ))
        .select(HoursRow::as_select())
        .load(c)
        .await)
}

/// Replaces all weekly hours of a provider (run inside a transaction).
pub async fn replace_hours(
    conn: &mut DbConn,
    provider_id: &str,
    rows: &[HoursRow],
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::delete(
        provider_hours::table.filter(provider_hours::provider_id.eq(provider_id))
    )
    .execute(c)
    .await)?;
    for row in rows {
        db_run!(conn, |c| diesel::insert_into(provider_hours::table)
            .values(row)
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// Exceptions of these providers on local dates `from..=to` (`YYYY-MM-DD`).
pub async fn exceptions(
    conn: &mut DbConn,
    provider_ids: &[String],
    from: &str,
    to: &str,
) -> QueryResult<Vec<ExceptionRow>> {
    db_run!(conn, |c| provider_exceptions::table
        .filter(provider_exceptions::provider_id.eq_any(provider_ids))
        .filter(provider_exceptions::day.ge(from))
        .filter(provider_exceptions::day.le(to))
        .order((provider_exceptions::provider_id, provider_exceptions::day))
        .select(ExceptionRow::as_select())
        .load(c)
        .await)
}

/// Sets the exception of a date, replacing one already there (run inside a transaction).
pub async fn put_exception(conn: &mut DbConn, row: &ExceptionRow) -> QueryResult<()> {
    delete_exception(conn, &row.provider_id, &row.day).await?;
    db_run!(conn, |c| diesel::insert_into(provider_exceptions::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn delete_exception(
    conn: &mut DbConn,
    provider_id: &str,
    day: &str,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(
        provider_exceptions::table
            .filter(provider_exceptions::provider_id.eq(provider_id))
            .filter(provider_exceptions::day.eq(day))
    )
    .execute(c)
    .await)?;
    Ok(n > 0)
}

/// Live claims (holds not expired, bookings) of these providers with starts in `[from, to)`.
pub async fn taken(
    conn: &mut DbConn,
    provider_ids: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    let at = now();
    db_run!(conn, |c| slot_claims::table
        .filter(slot_claims::provider_id.eq_any(provider_ids))
        .filter(slot_claims::start_at.ge(from))
        .filter(slot_claims::start_at.lt(to))
        .filter(
            slot_claims::expires_at
                .is_null()
                .or(slot_claims::expires_at.ge(at))
        )
        .select((slot_claims::provider_id, slot_claims::start_at))
        .load(c)
        .await)
}

/// True when the provider has a live claim starting now or later.
pub async fn has_future_claims(conn: &mut DbConn, provider_id: &str) -> QueryResult<bool> {
    let at = now();
    let n: i64 = db_run!(conn, |c| slot_claims::table
        .filter(slot_claims::provider_id.eq(provider_id))
        .filter(slot_claims::start_at.ge(at))
        .filter(
            slot_claims::expires_at
                .is_null()
                .or(slot_claims::expires_at.ge(at))
        )
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}
