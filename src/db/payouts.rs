//! Providers' payouts (`payouts`) and where they go (`payout_accounts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{complaints, ledger_entries, ledger_transactions, payout_accounts, payouts};
use super::DbConn;
use crate::db_run;
use crate::domain::{ComplaintKind, ComplaintStatus, LedgerKind, PayoutStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = payouts)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PayoutRow {
    pub id: String,
    pub provider_id: String,
    pub amount: i64,
    pub currency: String,
    pub destination: String,
    pub status: PayoutStatus,
    /// The admin who approved it, or `auto`.
    pub approved_by: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
    /// The sender's reference once paid.
    pub reference: Option<String>,
    /// Why it failed.
    pub failure: Option<String>,
    /// Sends tried (an unavailable sender is retried by the sweeper).
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub settled_at: Option<NaiveDateTime>,
}

pub async fn destination(conn: &mut DbConn, provider_id: &str) -> QueryResult<Option<String>> {
    db_run!(conn, |c| payout_accounts::table
        .find(provider_id)
        .select(payout_accounts::destination)
        .first(c)
        .await
        .optional())
}

/// The provider's destination, holding its row until the transaction ends
/// (PostgreSQL; SQLite runs transactions one at a time): a provider's payout
/// requests are decided one after the other, so two can never both spend
/// the same balance.
pub async fn lock_destination(conn: &mut DbConn, provider_id: &str) -> QueryResult<Option<String>> {
    match conn {
        DbConn::Pg(c) => payout_accounts::table
            .find(provider_id)
            .select(payout_accounts::destination)
            .for_update()
            .first(&mut **c)
            .await
            .optional(),
        DbConn::Sqlite(_) => destination(conn, provider_id).await,
    }
}

pub async fn set_destination(
    conn: &mut DbConn,
    provider_id: &str,
    destination: &str,
) -> QueryResult<()> {
    let at = super::now();
    db_run!(conn, |c| diesel::insert_into(payout_accounts::table)
        .values((
            payout_accounts::provider_id.eq(provider_id),
            payout_accounts::destination.eq(destination),
            payout_accounts::updated_at.eq(at),
        ))
        .on_conflict(payout_accounts::provider_id)
        .do_update()
        .set((
            payout_accounts::destination.eq(destination),
            payout_accounts::updated_at.eq(at),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Inserts a requested payout; false when the provider already has one
/// pending (the partial unique index refused it).
pub async fn insert(conn: &mut DbConn, row: &PayoutRow) -> QueryResult<bool> {
    match db_run!(conn, |c| diesel::insert_into(payouts::table)
        .values(row)
        .execute(c)
        .await)
    {
        Ok(_) => Ok(true),
        Err(e) if super::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<PayoutRow>> {
    db_run!(conn, |c| payouts::table
        .find(id)
        .select(PayoutRow::as_select())
        .first(c)
        .await
        .optional())
}

/// The provider's pending payout, if any.
pub async fn pending_of(conn: &mut DbConn, provider_id: &str) -> QueryResult<Option<PayoutRow>> {
    db_run!(conn, |c| payouts::table
        .filter(payouts::provider_id.eq(provider_id))
        .filter(payouts::status.eq(PayoutStatus::Requested))
        .select(PayoutRow::as_select())
        .first(c)
        .await
        .optional())
}

/// Newest first, after the keyset `(created_at, id)`; one provider's or all,
/// of one status or any.
pub async fn list(
    conn: &mut DbConn,
    provider_id: Option<&str>,
    status: Option<PayoutStatus>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<PayoutRow>> {
    db_run!(conn, |c| {
        let mut q = payouts::table
            .select(PayoutRow::as_select())
            .order((payouts::created_at.desc(), payouts::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some(p) = provider_id {
            q = q.filter(payouts::provider_id.eq(p.to_owned()));
        }
        if let Some(s) = status {
            q = q.filter(payouts::status.eq(s));
        }
        if let Some((at, id)) = after {
            q = q.filter(
                payouts::created_at
                    .lt(at)
                    .or(payouts::created_at.eq(at).and(payouts::id.lt(id))),
            );
        }
        q.load(c).await
    })
}

/// Approved payouts still waiting to be sent (a send that found the sender
/// unavailable, or one cut off by a crash).
pub async fn unsent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<PayoutRow>> {
    db_run!(conn, |c| payouts::table
        .filter(payouts::status.eq(PayoutStatus::Requested))
        .filter(payouts::approved_at.is_not_null())
        .select(PayoutRow::as_select())
        .order((payouts::created_at.asc(), payouts::id.asc()))
        .limit(limit)
        .load(c)
        .await)
}

pub async fn approve(conn: &mut DbConn, id: &str, by: &str) -> QueryResult<bool> {
    let at = super::now();
    let n = db_run!(conn, |c| diesel::update(
        payouts::table
            .find(id)
            .filter(payouts::status.eq(PayoutStatus::Requested))
            .filter(payouts::approved_at.is_null())
    )
    .set((
        payouts::approved_by.eq(Some(by)),
        payouts::approved_at.eq(Some(at)),
        payouts::updated_at.eq(at),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn count_attempt(conn: &mut DbConn, id: &str, error: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(payouts::table.find(id))
        .set((
            payouts::attempts.eq(payouts::attempts + 1),
            payouts::failure.eq(Some(error)),
            payouts::updated_at.eq(super::now()),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Settles a requested payout as paid (with the sender's reference) or
/// failed (with the reason); false if it was no longer requested.
pub async fn settle(
    conn: &mut DbConn,
    id: &str,
    status: PayoutStatus,
    reference: Option<&str>,
    failure: Option<&str>,
) -> QueryResult<bool> {
    let at = super::now();
    let n = db_run!(conn, |c| diesel::update(
        payouts::table
            .find(id)
            .filter(payouts::status.eq(PayoutStatus::Requested))
    )
    .set((
        payouts::status.eq(status),
        payouts::reference.eq(reference),
        payouts::failure.eq(failure),
        payouts::attempts.eq(payouts::attempts + 1),
        payouts::settled_at.eq(Some(at)),
        payouts::updated_at.eq(at),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// What the provider earned from bookings released to their wallet that a
/// payment complaint still open is about: not available for payout.
pub async fn held(conn: &mut DbConn, provider_id: &str) -> QueryResult<i64> {
    let account = super::ledger::provider(provider_id);
    let open = complaints::table
        .filter(complaints::kind.eq(ComplaintKind::PaymentIssue))
        .filter(complaints::status.eq_any([ComplaintStatus::Open, ComplaintStatus::InReview]))
        .select(complaints::booking_id.nullable());
    let total: Option<i64> = db_run!(conn, |c| ledger_entries::table
        .inner_join(ledger_transactions::table)
        .filter(ledger_entries::account.eq(account.clone()))
        .filter(ledger_transactions::kind.eq(LedgerKind::Release))
        .filter(ledger_transactions::booking_id.eq_any(open.clone()))
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("CAST(SUM(ledger_entries.amount) AS BIGINT)",))
        .first(c)
        .await)?;
    Ok(total.unwrap_or(0).max(0))
}

/// Erases where an erased provider's payouts went (the rows stay for the
/// ledger, their destination does not).
pub async fn forget_destination(conn: &mut DbConn, provider_id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::delete(
        payout_accounts::table.find(provider_id)
    )
    .execute(c)
    .await)?;
    db_run!(conn, |c| diesel::update(
        payouts::table.filter(payouts::provider_id.eq(provider_id))
    )
    .set(payouts::destination.eq("erased"))
    .execute(c)
    .await)?;
    Ok(())
}
