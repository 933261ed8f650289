//! The per-booking journal (`booking_events`): gap-free `seq` per booking,
//! unique `(booking_id, seq)`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::booking_events;
use super::DbConn;
use crate::db_run;
use onsite_actors::protocol::EventKind;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = booking_events)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct EventRow {
    pub booking_id: String,
    pub seq: i64,
    pub kind: EventKind,
    /// JSON object.
    pub payload: String,
    pub by_user: Option<String>,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, row: &EventRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(booking_events::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Events after `since_seq`, in order, at most `limit`.
pub async fn since(
    conn: &mut DbConn,
    booking_id: &str,
    since_seq: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    db_run!(conn, |c| booking_events::table
        .filter(booking_events::booking_id.eq(booking_id))
        .filter(booking_events::seq.gt(since_seq))
        .order(booking_events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(c)
        .await)
}

/// Events with `after < seq <= up_to`, in order.
pub async fn between(
    conn: &mut DbConn,
    booking_id: &str,
    after: i64,
    up_to: i64,
) -> QueryResult<Vec<EventRow>> {
    db_run!(conn, |c| booking_events::table
        .filter(booking_events::booking_id.eq(booking_id))
        .filter(booking_events::seq.gt(after))
        .filter(booking_events::seq.le(up_to))
        .order(booking_events::seq.asc())
        .select(EventRow::as_select())
        .load(c)
        .await)
}

/// The events of several bookings in one query: for each `(booking_id,
/// after, up_to)` those with `after < seq <= up_to`, ordered by booking and
/// `seq`. Callers keep the list short (each range is one term of the query).
pub async fn ranges(conn: &mut DbConn, ranges: &[(&str, i64, i64)]) -> QueryResult<Vec<EventRow>> {
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    db_run!(conn, |c| {
        let mut query = booking_events::table
            .select(EventRow::as_select())
            .order((booking_events::booking_id.asc(), booking_events::seq.asc()))
            .into_boxed();
        for (id, after, up_to) in ranges {
            query = query.or_filter(
                booking_events::booking_id
                    .eq(*id)
                    .and(booking_events::seq.gt(*after))
                    .and(booking_events::seq.le(*up_to)),
            );
        }
        query.load(c).await
    })
}

/// The events of one kind of several bookings, ordered by booking and `seq`
/// (the last of each booking is its latest).
pub async fn of_kind_many(
    conn: &mut DbConn,
    ids: &[&str],
    kind: EventKind,
) -> QueryResult<Vec<EventRow>> {
    db_run!(conn, |c| booking_events::table
        .filter(booking_events::booking_id.eq_any(ids))
        .filter(booking_events::kind.eq(kind))
        .order((booking_events::booking_id.asc(), booking_events::seq.asc()))
        .select(EventRow::as_select())
        .load(c)
        .await)
}
