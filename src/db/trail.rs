//! The throttled location trail (`location_trail`), kept for admins and disputes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use onsite_actors::journal::TrailPoint;

use super::schema::location_trail;
use super::DbConn;
use crate::db_run;
use crate::domain::Role;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = location_trail)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_default_value = false)]
pub struct TrailRow {
    pub id: String,
    pub booking_id: String,
    pub role: Role,
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: Option<f64>,
    pub recorded_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl TrailRow {
    pub fn of(point: &TrailPoint) -> Self {
        Self {
            id: super::new_id(),
            booking_id: point.booking_id.clone(),
            role: point.role,
            lat: point.lat,
            lng: point.lng,
            accuracy_m: point.accuracy_m,
            recorded_at: point.at.naive_utc(),
            created_at: super::now(),
        }
    }
}

pub async fn insert(conn: &mut DbConn, row: &TrailRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(location_trail::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Several points in one statement (keep `rows` within the backends' bind
/// limits: 8 parameters a row).
/// SQLite (in process, no round trips) takes them one by one: its batch
/// insert is not available through the async wrapper.
pub async fn insert_many(conn: &mut DbConn, rows: &[TrailRow]) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => {
            diesel::insert_into(location_trail::table)
                .values(rows)
                .execute(&mut **c)
                .await?;
        }
        DbConn::Sqlite(_) => {
            for row in rows {
                insert(conn, row).await?;
            }
        }
    }
    Ok(())
}

/// A booking's trail, oldest first.
pub async fn of_booking(conn: &mut DbConn, booking_id: &str) -> QueryResult<Vec<TrailRow>> {
    db_run!(conn, |c| location_trail::table
        .filter(location_trail::booking_id.eq(booking_id))
        .order(location_trail::recorded_at.asc())
        .select(TrailRow::as_select())
        .load(c)
        .await)
}
