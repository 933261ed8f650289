//! The jobs' SLA (`booking_sla`): written by the journal's commit when a job
//! starts and when it completes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::booking_sla;
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = booking_sla)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SlaRow {
    pub booking_id: String,
    pub started_at: NaiveDateTime,
    /// The booking's estimated duration when the job started.
    pub estimated_minutes: i32,
    /// From start to completion, whole minutes rounded up.
    pub actual_minutes: Option<i32>,
    /// Ran over the estimate plus the grace (known at completion).
    pub breached: Option<bool>,
    /// Taken from the provider's share and refunded, minor units.
    pub penalty: i64,
    pub completed_at: Option<NaiveDateTime>,
}

/// The job started at `at`.
pub async fn start(
    conn: &mut DbConn,
    booking_id: &str,
    at: NaiveDateTime,
    estimated_minutes: i32,
) -> QueryResult<()> {
    let row = SlaRow {
        booking_id: booking_id.to_owned(),
        started_at: at,
        estimated_minutes,
        actual_minutes: None,
        breached: None,
        penalty: 0,
        completed_at: None,
    };
    db_run!(conn, |c| diesel::insert_into(booking_sla::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, booking_id: &str) -> QueryResult<Option<SlaRow>> {
    db_run!(conn, |c| booking_sla::table
        .find(booking_id)
        .select(SlaRow::as_select())
        .first(c)
        .await
        .optional())
}

/// The job completed: its measure.
pub async fn finish(conn: &mut DbConn, row: &SlaRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        booking_sla::table.find(&row.booking_id)
    )
    .set((
        booking_sla::actual_minutes.eq(row.actual_minutes),
        booking_sla::breached.eq(row.breached),
        booking_sla::penalty.eq(row.penalty),
        booking_sla::completed_at.eq(row.completed_at),
    ))
    .execute(c)
    .await)?;
    Ok(())
}

/// The SLA rows of these bookings (the admins' performance view).
pub async fn of_bookings(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<SlaRow>> {
    db_run!(conn, |c| booking_sla::table
        .filter(booking_sla::booking_id.eq_any(ids))
        .select(SlaRow::as_select())
        .load(c)
        .await)
}
