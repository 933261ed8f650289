//! Slot holds (`slot_holds`): a customer's five-minute reservation of the
//! slots a booking would occupy. The claims in `slot_claims` enforce it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::slot_holds;
use super::{now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = slot_holds)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SlotHold {
    pub id: String,
    pub provider_id: String,
    pub service_id: String,
    pub customer_id: String,
    pub start_at: NaiveDateTime,
    /// End of the last occupied slot.
    pub end_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// Set when a booking was made from it.
    pub consumed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl SlotHold {
    /// Not expired and not yet turned into a booking.
    pub fn is_live(&self, at: NaiveDateTime) -> bool {
        self.consumed_at.is_none() && self.expires_at >= at
    }
}

pub async fn insert(conn: &mut DbConn, hold: &SlotHold) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(slot_holds::table)
        .values(hold)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<SlotHold>> {
    db_run!(conn, |c| slot_holds::table
        .find(id)
        .select(SlotHold::as_select())
        .first(c)
        .await
        .optional())
}

/// Marks a live hold as used by a booking. False if it expired or was used.
pub async fn consume(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let at = now();
    let n = db_run!(conn, |c| diesel::update(
        slot_holds::table
            .find(id)
            .filter(slot_holds::consumed_at.is_null())
            .filter(slot_holds::expires_at.ge(at))
    )
    .set(slot_holds::consumed_at.eq(Some(at)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// How many live holds a customer has right now.
pub async fn live_count(conn: &mut DbConn, customer_id: &str) -> QueryResult<i64> {
    let at = now();
    db_run!(conn, |c| slot_holds::table
        .filter(slot_holds::customer_id.eq(customer_id))
        .filter(slot_holds::consumed_at.is_null())
        .filter(slot_holds::expires_at.ge(at))
        .count()
        .get_result(c)
        .await)
}
