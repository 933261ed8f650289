//! How one provider is doing, for the admins: bookings by outcome, how many
//! requests they accepted, their earnings and their SLA, over a window of
//! bookings created since a time (indexes `bookings_provider`,
//! `ledger_entries_account`, the events' primary key).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

use super::schema::{booking_events, booking_sla, bookings, complaints, ledger_entries};
use super::DbConn;
use crate::db_run;
use onsite_actors::booking::BookingState;

/// Bookings created since `since`, counted by status.
pub async fn by_status(
    conn: &mut DbConn,
    provider_id: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<(BookingState, i64)>> {
    db_run!(conn, |c| bookings::table
        .filter(bookings::provider_id.eq(provider_id))
        .filter(bookings::created_at.ge(since))
        .group_by(bookings::status)
        .select((bookings::status, diesel::dsl::count_star()))
        .load(c)
        .await)
}

/// Of those bookings, how many moved from `requested` to `to` (the
/// provider's answers: `confirmed` accepted, `declined`, `expired` unanswered).
pub async fn answered(
    conn: &mut DbConn,
    provider_id: &str,
    since: NaiveDateTime,
    to: BookingState,
) -> QueryResult<i64> {
    let status = format!("%\"status\":\"{to}\"%");
    let ids = bookings::table
        .filter(bookings::provider_id.eq(provider_id.to_owned()))
        .filter(bookings::created_at.ge(since))
        .select(bookings::id);
    db_run!(conn, |c| booking_events::table
        .filter(booking_events::booking_id.eq_any(ids.clone()))
        .filter(booking_events::kind.eq("booking"))
        .filter(booking_events::payload.like(status.clone()))
        .filter(booking_events::payload.like("%\"previous\":\"requested\"%"))
        .count()
        .get_result(c)
        .await)
}

/// The prices of the completed bookings, and what the provider's wallet was
/// paid since `since` (releases and cancellation shares, less nothing).
pub async fn money(
    conn: &mut DbConn,
    provider_id: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let gross = db_run!(conn, |c| bookings::table
        .filter(bookings::provider_id.eq(provider_id))
        .filter(bookings::created_at.ge(since))
        .filter(bookings::status.eq(BookingState::Completed))
        .select(diesel::dsl::sql::<BigInt>(
            "CAST(COALESCE(SUM(bookings.total_amount), 0) AS BIGINT)"
        ))
        .first(c)
        .await)?;
    let account = super::ledger::provider(provider_id);
    let earned = db_run!(conn, |c| ledger_entries::table
        .filter(ledger_entries::account.eq(&account))
        .filter(ledger_entries::created_at.ge(since))
        .select(diesel::dsl::sql::<BigInt>(
            "CAST(COALESCE(SUM(ledger_entries.amount), 0) AS BIGINT)"
        ))
        .first(c)
        .await)?;
    Ok((gross, earned))
}

/// Jobs measured, breaches, and the penalties taken, since `since`.
pub async fn sla(
    conn: &mut DbConn,
    provider_id: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, i64, i64)> {
    let rows: Vec<(Option<bool>, i64)> = db_run!(conn, |c| booking_sla::table
        .inner_join(bookings::table.on(bookings::id.eq(booking_sla::booking_id)))
        .filter(bookings::provider_id.eq(provider_id))
        .filter(bookings::created_at.ge(since))
        .filter(booking_sla::completed_at.is_not_null())
        .select((booking_sla::breached, booking_sla::penalty))
        .load(c)
        .await)?;
    let breaches = rows.iter().filter(|(b, _)| *b == Some(true)).count();
    let penalties = rows.iter().map(|(_, p)| p).sum();
    Ok((
        i64::try_from(rows.len()).unwrap_or(i64::MAX),
        i64::try_from(breaches).unwrap_or(i64::MAX),
        penalties,
    ))
}

/// Complaints about the provider filed since `since`.
pub async fn complaints_against(
    conn: &mut DbConn,
    provider_id: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    db_run!(conn, |c| complaints::table
        .filter(complaints::respondent_id.eq(provider_id))
        .filter(complaints::created_at.ge(since))
        .count()
        .get_result(c)
        .await)
}
