//! The admins' CSV exports read in keyset pages, oldest first by
//! `(created_at, id)` within a time range, so an export of any size holds
//! one page at a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::bookings::Booking;
use super::ledger::{LedgerEntry, LedgerTransaction};
use super::payments::Payment;
use super::schema::{bookings, ledger_entries, ledger_transactions, payments, users};
use super::users::User;
use super::DbConn;
use crate::db_run;

/// `[from, to)`; either end may be open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// The last row of the previous page.
pub type Key = (NaiveDateTime, String);

/// Filters `$q` to `$range` and past `$after` on `$table`'s `created_at`
/// and `id`, oldest first, `$limit` rows.
macro_rules! keyset_page {
    ($q:expr, $table:ident, $range:expr, $after:expr, $limit:expr) => {{
        let mut q = $q;
        if let Some(from) = $range.from {
            q = q.filter($table::created_at.ge(from));
        }
        if let Some(to) = $range.to {
            q = q.filter($table::created_at.lt(to));
        }
        if let Some((at, id)) = $after {
            q = q.filter(
                $table::created_at
                    .gt(*at)
                    .or($table::created_at.eq(*at).and($table::id.gt(id.clone()))),
            );
        }
        q.order(($table::created_at.asc(), $table::id.asc()))
            .limit($limit)
    }};
}

pub async fn bookings(
    conn: &mut DbConn,
    range: Range,
    after: Option<&Key>,
    limit: i64,
) -> QueryResult<Vec<Booking>> {
    db_run!(conn, |c| keyset_page!(
        bookings::table.select(Booking::as_select()).into_boxed(),
        bookings,
        range,
        after,
        limit
    )
    .load(c)
    .await)
}

pub async fn users(
    conn: &mut DbConn,
    range: Range,
    after: Option<&Key>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    db_run!(conn, |c| keyset_page!(
        users::table.select(User::as_select()).into_boxed(),
        users,
        range,
        after,
        limit
    )
    .load(c)
    .await)
}

pub async fn payments(
    conn: &mut DbConn,
    range: Range,
    after: Option<&Key>,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    db_run!(conn, |c| keyset_page!(
        payments::table.select(Payment::as_select()).into_boxed(),
        payments,
        range,
        after,
        limit
    )
    .load(c)
    .await)
}

/// Ledger entries with their transaction.
pub async fn ledger(
    conn: &mut DbConn,
    range: Range,
    after: Option<&Key>,
    limit: i64,
) -> QueryResult<Vec<(LedgerEntry, LedgerTransaction)>> {
    db_run!(conn, |c| keyset_page!(
        ledger_entries::table
            .inner_join(ledger_transactions::table)
            .select((LedgerEntry::as_select(), LedgerTransaction::as_select()))
            .into_boxed(),
        ledger_entries,
        range,
        after,
        limit
    )
    .load(c)
    .await)
}
