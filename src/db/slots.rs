//! Slot claims: one row per occupied slot start of a provider, for a live hold
//! or booking. The primary key `(provider_id, start_at)` is what makes double
//! booking impossible, whatever the application believed before the insert.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::slot_claims;
use super::{now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = slot_claims)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SlotClaim {
    pub provider_id: String,
    pub start_at: NaiveDateTime,
    pub hold_id: Option<String>,
    pub booking_id: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
}

/// What a claim is for.
pub enum Claimant<'a> {
    Hold {
        id: &'a str,
        expires_at: NaiveDateTime,
    },
    Booking(&'a str),
}

/// Claims every start in `starts` for `claimant`, first clearing expired hold
/// claims on them. `Ok(false)` when any of them is taken (nothing is claimed
/// then, provided the caller runs this inside a transaction).
pub async fn claim(
    conn: &mut DbConn,
    provider_id: &str,
    starts: &[NaiveDateTime],
    claimant: Claimant<'_>,
) -> QueryResult<bool> {
    let at = now();
    db_run!(conn, |c| diesel::delete(
        slot_claims::table
            .filter(slot_claims::provider_id.eq(provider_id))
            .filter(slot_claims::start_at.eq_any(starts))
            .filter(slot_claims::expires_at.lt(at))
    )
    .execute(c)
    .await)?;
    let (hold_id, booking_id, expires_at) = match claimant {
        Claimant::Hold { id, expires_at } => (Some(id.to_owned()), None, Some(expires_at)),
        Claimant::Booking(id) => (None, Some(id.to_owned()), None),
    };
    for start in starts {
        let row = SlotClaim {
            provider_id: provider_id.to_owned(),
            start_at: *start,
            hold_id: hold_id.clone(),
            booking_id: booking_id.clone(),
            expires_at,
        };
        // One row at a time: SQLite has no DEFAULT keyword for batch inserts.
        let inserted = db_run!(conn, |c| diesel::insert_into(slot_claims::table)
            .values(&row)
            .execute(c)
            .await);
        match inserted {
            Ok(_) => {}
            Err(e) if super::is_unique_violation(&e) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Hands a live hold's claims over to the booking made from it. Returns how
/// many claims moved (0 if the hold's claims expired and were taken).
pub async fn convert_hold(
    conn: &mut DbConn,
    hold_id: &str,
    booking_id: &str,
) -> QueryResult<usize> {
    let at = now();
    db_run!(conn, |c| diesel::update(
        slot_claims::table
            .filter(slot_claims::hold_id.eq(hold_id))
            .filter(slot_claims::expires_at.ge(at))
    )
    .set((
        slot_claims::booking_id.eq(Some(booking_id)),
        slot_claims::hold_id.eq(None::<String>),
        slot_claims::expires_at.eq(None::<NaiveDateTime>),
    ))
    .execute(c)
    .await)
}

/// Frees every slot of a booking.
pub async fn release_booking(conn: &mut DbConn, booking_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        slot_claims::table.filter(slot_claims::booking_id.eq(booking_id))
    )
    .execute(c)
    .await)
}

/// Deletes hold claims that have expired (the sweeper calls this).
pub async fn purge_expired(conn: &mut DbConn) -> QueryResult<usize> {
    let at = now();
    db_run!(conn, |c| diesel::delete(
        slot_claims::table.filter(slot_claims::expires_at.lt(at))
    )
    .execute(c)
    .await)
}

/// Starts already claimed by live holds or bookings in `[from, to)`.
pub async fn taken(
    conn: &mut DbConn,
    provider_id: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    let at = now();
    db_run!(conn, |c| slot_claims::table
        .filter(slot_claims::provider_id.eq(provider_id))
        .filter(slot_claims::start_at.ge(from))
        .filter(slot_claims::start_at.lt(to))
        .filter(
            slot_claims::expires_at
                .is_null()
                .or(slot_claims::expires_at.ge(at))
        )
        .select(slot_claims::start_at)
        .load(c)
        .await)
}
