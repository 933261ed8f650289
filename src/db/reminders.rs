//! Reminders of scheduled bookings (`booking_reminders`), one row per lead time.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::booking_reminders;
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = booking_reminders)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Reminder {
    pub booking_id: String,
    pub lead_minutes: i32,
    pub remind_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Sets the booking's reminders for a start at `start`: one per lead whose
/// time is still ahead (a booking confirmed 3 h before its start gets no
/// "tomorrow" reminder). A reschedule replaces them all, sent ones included,
/// so the new time gets its reminders too.
pub async fn schedule(
    conn: &mut DbConn,
    booking_id: &str,
    start: NaiveDateTime,
    leads: &[i32],
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::delete(
        booking_reminders::table.filter(booking_reminders::booking_id.eq(booking_id))
    )
    .execute(c)
    .await)?;
    let now = super::now();
    for &lead in leads {
        let remind_at = start - chrono::Duration::minutes(i64::from(lead));
        if remind_at <= now {
            continue;
        }
        let row = Reminder {
            booking_id: booking_id.to_owned(),
            lead_minutes: lead,
            remind_at,
            sent_at: None,
        };
        db_run!(conn, |c| diesel::insert_into(booking_reminders::table)
            .values(&row)
            .on_conflict((
                booking_reminders::booking_id,
                booking_reminders::lead_minutes
            ))
            .do_nothing()
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// Drops the booking's reminders not sent yet (it was cancelled or ended).
pub async fn drop_unsent(conn: &mut DbConn, booking_id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::delete(
        booking_reminders::table
            .filter(booking_reminders::booking_id.eq(booking_id))
            .filter(booking_reminders::sent_at.is_null())
    )
    .execute(c)
    .await)?;
    Ok(())
}

/// Reminders due at `at`, oldest first.
pub async fn due(conn: &mut DbConn, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<Reminder>> {
    db_run!(conn, |c| booking_reminders::table
        .filter(booking_reminders::sent_at.is_null())
        .filter(booking_reminders::remind_at.le(at))
        .order(booking_reminders::remind_at.asc())
        .limit(limit)
        .select(Reminder::as_select())
        .load(c)
        .await)
}

/// Marks one reminder sent; false when another node (or an earlier round)
/// already did. Run in the transaction that stores its notice, this is what
/// makes a reminder go out once.
pub async fn mark_sent(conn: &mut DbConn, r: &Reminder, at: NaiveDateTime) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        booking_reminders::table
            .find((&r.booking_id, r.lead_minutes))
            .filter(booking_reminders::sent_at.is_null())
    )
    .set(booking_reminders::sent_at.eq(Some(at)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}
