//! Invoices (`invoices`) and their day counters (`invoice_counters`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{invoice_counters, invoices};
use super::{new_id, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = invoices)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Invoice {
    pub id: String,
    /// `INV-YYYYMMDD-NNNNN`: the day it was issued (UTC) and its place in that day.
    pub number: String,
    pub booking_id: String,
    pub issued_at: NaiveDateTime,
}

/// The invoice number for the `n`th invoice of `day` (`YYYYMMDD`).
pub fn number(day: &str, n: i32) -> String {
    format!("INV-{day}-{n:05}")
}

/// Issues the booking's invoice in the caller's transaction (the
/// completion's). The day's counter is taken with an upsert that locks its
/// row until the commit, so concurrent completions get consecutive numbers
/// and a rollback gives its number back. Issuing again returns the first.
pub async fn issue(conn: &mut DbConn, booking_id: &str, at: NaiveDateTime) -> QueryResult<Invoice> {
    if let Some(existing) = for_booking(conn, booking_id).await? {
        return Ok(existing);
    }
    let day = at.format("%Y%m%d").to_string();
    let n: i32 = db_run!(conn, |c| diesel::insert_into(invoice_counters::table)
        .values((
            invoice_counters::day.eq(&day),
            invoice_counters::last_number.eq(1),
        ))
        .on_conflict(invoice_counters::day)
        .do_update()
        .set(invoice_counters::last_number.eq(invoice_counters::last_number + 1))
        .returning(invoice_counters::last_number)
        .get_result(c)
        .await)?;
    let invoice = Invoice {
        id: new_id(),
        number: number(&day, n),
        booking_id: booking_id.to_owned(),
        issued_at: at,
    };
    db_run!(conn, |c| diesel::insert_into(invoices::table)
        .values(&invoice)
        .execute(c)
        .await)?;
    Ok(invoice)
}

pub async fn for_booking(conn: &mut DbConn, booking_id: &str) -> QueryResult<Option<Invoice>> {
    db_run!(conn, |c| invoices::table
        .filter(invoices::booking_id.eq(booking_id))
        .select(Invoice::as_select())
        .first(c)
        .await
        .optional())
}
