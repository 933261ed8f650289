//! Aggregates for the stats routes: counts and sums only, by range queries
//! on indexed timestamps (`bookings_created`, `bookings_completed`,
//! `ledger_entries_created`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

use super::schema::{bookings, provider_profiles, services, users};
use super::DbConn;
use crate::db_run;
use crate::domain::{Role, ServiceStatus, UserStatus};
use onsite_actors::booking::BookingState;

const SUM_PRICE: &str = "CAST(COALESCE(SUM(bookings.total_amount), 0) AS BIGINT)";

/// Accounts of `role` that are not deleted.
pub async fn users_with_role(conn: &mut DbConn, role: Role) -> QueryResult<i64> {
    db_run!(conn, |c| users::table
        .filter(users::role.eq(role))
        .filter(users::status.ne(UserStatus::Deleted))
        .count()
        .get_result(c)
        .await)
}

/// Active, verified providers, and how many of them are online.
pub async fn active_providers(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let verified = db_run!(conn, |c| provider_profiles::table
        .inner_join(users::table.on(users::id.eq(provider_profiles::user_id)))
        .filter(users::status.eq(UserStatus::Active))
        .filter(provider_profiles::verified_at.is_not_null())
        .count()
        .get_result(c)
        .await)?;
    let online = db_run!(conn, |c| provider_profiles::table
        .inner_join(users::table.on(users::id.eq(provider_profiles::user_id)))
        .filter(users::status.eq(UserStatus::Active))
        .filter(provider_profiles::verified_at.is_not_null())
        .filter(provider_profiles::online.eq(true))
        .count()
        .get_result(c)
        .await)?;
    Ok((verified, online))
}

/// Approved, active, not deleted services.
pub async fn listed_services(conn: &mut DbConn) -> QueryResult<i64> {
    db_run!(conn, |c| services::table
        .filter(services::status.eq(ServiceStatus::Approved))
        .filter(services::active.eq(true))
        .filter(services::deleted_at.is_null())
        .count()
        .get_result(c)
        .await)
}

/// All bookings, and the completed ones.
pub async fn bookings_total(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let total = db_run!(conn, |c| bookings::table.count().get_result(c).await)?;
    let completed = db_run!(conn, |c| bookings::table
        .filter(bookings::status.eq(BookingState::Completed))
        .count()
        .get_result(c)
        .await)?;
    Ok((total, completed))
}

/// One day (or any range): bookings created in it, bookings completed in
/// it, and the prices of those completed. `completed_at` is set by the
/// completion alone (a terminal state), so its range is the whole filter: a
/// status filter beside it made SQLite scan the status index instead
/// (230 ms a day at 1M bookings).
pub async fn bookings_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<(i64, i64, i64)> {
    let created = db_run!(conn, |c| bookings::table
        .filter(bookings::created_at.ge(from))
        .filter(bookings::created_at.lt(to))
        .count()
        .get_result(c)
        .await)?;
    let (completed, value): (i64, i64) = db_run!(conn, |c| bookings::table
        .filter(bookings::completed_at.ge(from))
        .filter(bookings::completed_at.lt(to))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<BigInt>(SUM_PRICE)
        ))
        .first(c)
        .await)?;
    Ok((created, completed, value))
}

/// Bookings completed in the range by service: `(service_id, count, prices)`.
pub async fn completed_by_service(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(String, i64, i64)>> {
    db_run!(conn, |c| bookings::table
        .filter(bookings::completed_at.ge(from))
        .filter(bookings::completed_at.lt(to))
        .group_by(bookings::service_id)
        .select((
            bookings::service_id,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<BigInt>(SUM_PRICE),
        ))
        .load(c)
        .await)
}

/// The base location of every active, verified provider, `None` for those
/// without one (bucketed by the caller, never shown).
pub async fn provider_bases(conn: &mut DbConn) -> QueryResult<Vec<Option<(f64, f64)>>> {
    let rows: Vec<(Option<f64>, Option<f64>)> = db_run!(conn, |c| provider_profiles::table
        .inner_join(users::table.on(users::id.eq(provider_profiles::user_id)))
        .filter(users::status.eq(UserStatus::Active))
        .filter(provider_profiles::verified_at.is_not_null())
        .select((provider_profiles::base_lat, provider_profiles::base_lng))
        .load(c)
        .await)?;
    Ok(rows.into_iter().map(|(lat, lng)| lat.zip(lng)).collect())
}

/// Rated providers, best first (rating, then how many rated), with their
/// accounts; the caller keeps the bookable ones.
pub async fn best_rated(
    conn: &mut DbConn,
    limit: i64,
) -> QueryResult<Vec<(super::providers::ProviderProfile, super::users::User)>> {
    db_run!(conn, |c| provider_profiles::table
        .inner_join(users::table.on(users::id.eq(provider_profiles::user_id)))
        .filter(users::status.eq(UserStatus::Active))
        .filter(provider_profiles::verified_at.is_not_null())
        .filter(provider_profiles::rating_count.gt(0))
        .order((
            provider_profiles::rating.desc(),
            provider_profiles::rating_count.desc(),
            provider_profiles::user_id.asc(),
        ))
        .limit(limit)
        .select((
            super::providers::ProviderProfile::as_select(),
            super::users::User::as_select(),
        ))
        .load(c)
        .await)
}

/// Ledger sums of one UTC day, one transaction kind and one class of
/// account (`customer`, `provider`, `commission`, `other`).
#[derive(Debug, QueryableByName)]
pub struct LedgerDay {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub day: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub class: String,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Every ledger entry written in the range, summed by day, kind and class
/// of account in one pass over `ledger_entries_created` (the same SQL on
/// both backends but for the placeholders).
pub async fn ledger_by_day(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<LedgerDay>> {
    use diesel::sql_types::Timestamp;
    const SQL: &str = "SELECT CAST(date(e.created_at) AS TEXT) AS day, t.kind AS kind, \
         CASE WHEN e.account LIKE 'customer:%' THEN 'customer' \
              WHEN e.account LIKE 'provider:%' THEN 'provider' \
              WHEN e.account = 'platform:commission' THEN 'commission' \
              ELSE 'other' END AS class, \
         CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) AS total \
         FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id \
         WHERE e.created_at >= {1} AND e.created_at < {2} GROUP BY 1, 2, 3";
    match conn {
        DbConn::Pg(c) => {
            diesel::sql_query(SQL.replace("{1}", "$1").replace("{2}", "$2"))
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(to)
                .load(&mut **c)
                .await
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query(SQL.replace("{1}", "?").replace("{2}", "?"))
                .bind::<Timestamp, _>(from)
                .bind::<Timestamp, _>(to)
                .load(&mut **c)
                .await
        }
    }
}
