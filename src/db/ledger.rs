//! The double-entry ledger. Every movement of money is one transaction whose
//! entries (signed amounts on named accounts) sum to zero.
//!
//! Accounts: `customer:{id}` (money the customer paid in, negative while held or
//! spent), `escrow` (held for live bookings), `provider:{id}` (the provider's
//! wallet), `platform:commission`, `payouts:pending` (requested payouts on
//! their way out) and `payouts:sent` (what left for providers' accounts).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

use super::schema::{ledger_entries, ledger_transactions};
use super::{new_id, now, DbConn};
use crate::db_run;
use crate::domain::LedgerKind;

/// Why a posting was not written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The legs do not sum to zero: a critical bug, never written.
    #[error("unbalanced ledger posting {kind} refused: {legs:?}")]
    Unbalanced {
        kind: LedgerKind,
        legs: Vec<(String, i64)>,
    },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub const ESCROW: &str = "escrow";
pub const COMMISSION: &str = "platform:commission";

pub fn customer(id: &str) -> String {
    format!("customer:{id}")
}

pub fn provider(id: &str) -> String {
    format!("provider:{id}")
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = ledger_transactions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct LedgerTransaction {
    pub id: String,
    pub kind: LedgerKind,
    pub booking_id: Option<String>,
    pub payment_id: Option<String>,
    pub memo: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = ledger_entries)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct LedgerEntry {
    pub id: String,
    pub transaction_id: String,
    pub account: String,
    pub amount: i64,
    pub currency: String,
    pub created_at: NaiveDateTime,
}

/// One balanced transaction to post.
pub struct Posting<'a> {
    pub kind: LedgerKind,
    pub booking_id: Option<&'a str>,
    pub payment_id: Option<&'a str>,
    pub memo: String,
    pub currency: &'a str,
    pub legs: Vec<(String, i64)>,
}

/// Posts a transaction. Refuses (rolling back the caller's transaction)
/// anything that does not balance: that would be a critical bug.
pub async fn post(conn: &mut DbConn, posting: Posting<'_>) -> Result<Option<String>, LedgerError> {
    let legs: Vec<(String, i64)> = posting.legs.into_iter().filter(|(_, a)| *a != 0).collect();
    if legs.is_empty() {
        return Ok(None);
    }
    let sum = legs
        .iter()
        .try_fold(0i64, |acc, (_, a)| acc.checked_add(*a));
    if sum != Some(0) {
        return Err(LedgerError::Unbalanced {
            kind: posting.kind,
            legs,
        });
    }
    let at = now();
    let tx = LedgerTransaction {
        id: new_id(),
        kind: posting.kind,
        booking_id: posting.booking_id.map(str::to_owned),
        payment_id: posting.payment_id.map(str::to_owned),
        memo: posting.memo,
        created_at: at,
    };
    db_run!(conn, |c| diesel::insert_into(ledger_transactions::table)
        .values(&tx)
        .execute(c)
        .await)?;
    for (account, amount) in legs {
        let entry = LedgerEntry {
            id: new_id(),
            transaction_id: tx.id.clone(),
            account,
            amount,
            currency: posting.currency.to_owned(),
            created_at: at,
        };
        db_run!(conn, |c| diesel::insert_into(ledger_entries::table)
            .values(&entry)
            .execute(c)
            .await)?;
    }
    Ok(Some(tx.id))
}

const SUM: &str = "CAST(COALESCE(SUM(ledger_entries.amount), 0) AS BIGINT)";

/// The balance of an account.
pub async fn balance(conn: &mut DbConn, account: &str) -> QueryResult<i64> {
    db_run!(conn, |c| ledger_entries::table
        .filter(ledger_entries::account.eq(account))
        .select(diesel::dsl::sql::<BigInt>(SUM))
        .first(c)
        .await)
}

/// The currency of an account's entries (its latest), if it has any.
pub async fn currency_of(conn: &mut DbConn, account: &str) -> QueryResult<Option<String>> {
    db_run!(conn, |c| ledger_entries::table
        .filter(ledger_entries::account.eq(account))
        .order(ledger_entries::created_at.desc())
        .select(ledger_entries::currency)
        .first(c)
        .await
        .optional())
}

/// What escrow holds for one booking.
pub async fn escrow_for_booking(conn: &mut DbConn, booking_id: &str) -> QueryResult<i64> {
    booking_sum(conn, booking_id, ESCROW).await
}

/// What one booking's transactions moved to `account`, all told.
pub async fn booking_sum(conn: &mut DbConn, booking_id: &str, account: &str) -> QueryResult<i64> {
    db_run!(conn, |c| ledger_entries::table
        .inner_join(ledger_transactions::table)
        .filter(ledger_transactions::booking_id.eq(booking_id))
        .filter(ledger_entries::account.eq(account))
        .select(diesel::dsl::sql::<BigInt>(SUM))
        .first(c)
        .await)
}

/// The sum of the entries on `account` in transactions of `kind`.
pub async fn sum_kind(
    conn: &mut DbConn,
    account_prefix: &str,
    kind: LedgerKind,
) -> QueryResult<i64> {
    let pattern = format!("{account_prefix}%");
    db_run!(conn, |c| ledger_entries::table
        .inner_join(ledger_transactions::table)
        .filter(ledger_transactions::kind.eq(kind))
        .filter(ledger_entries::account.like(&pattern))
        .select(diesel::dsl::sql::<BigInt>(SUM))
        .first(c)
        .await)
}

/// Entries of an account with their transactions, newest first.
pub async fn lines(
    conn: &mut DbConn,
    account: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(LedgerEntry, LedgerTransaction)>> {
    db_run!(conn, |c| {
        let mut query = ledger_entries::table
            .inner_join(ledger_transactions::table)
            .filter(ledger_entries::account.eq(account.to_owned()))
            .select((LedgerEntry::as_select(), LedgerTransaction::as_select()))
            .into_boxed();
        if let Some((at, id)) = &after {
            query = query.filter(
                ledger_entries::created_at
                    .lt(*at)
                    .or(ledger_entries::created_at
                        .eq(*at)
                        .and(ledger_entries::id.lt(id.clone()))),
            );
        }
        query
            .order((ledger_entries::created_at.desc(), ledger_entries::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

/// Transactions newest first, after the cursor.
pub async fn transactions(
    conn: &mut DbConn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<LedgerTransaction>> {
    db_run!(conn, |c| {
        let mut query = ledger_transactions::table
            .select(LedgerTransaction::as_select())
            .into_boxed();
        if let Some((at, id)) = &after {
            query = query.filter(
                ledger_transactions::created_at
                    .lt(*at)
                    .or(ledger_transactions::created_at
                        .eq(*at)
                        .and(ledger_transactions::id.lt(id.clone()))),
            );
        }
        query
            .order((
                ledger_transactions::created_at.desc(),
                ledger_transactions::id.desc(),
            ))
            .limit(limit)
            .load(c)
            .await
    })
}

pub async fn entries_of(
    conn: &mut DbConn,
    transaction_ids: &[String],
) -> QueryResult<Vec<LedgerEntry>> {
    db_run!(conn, |c| ledger_entries::table
        .filter(ledger_entries::transaction_id.eq_any(transaction_ids))
        .select(LedgerEntry::as_select())
        .load(c)
        .await)
}

/// Every transaction's entry sum that is not zero (must always be empty).
pub async fn unbalanced(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    db_run!(conn, |c| ledger_entries::table
        .group_by(ledger_entries::transaction_id)
        .select((
            ledger_entries::transaction_id,
            diesel::dsl::sql::<BigInt>(SUM)
        ))
        .having(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "SUM(ledger_entries.amount) <> 0"
        ))
        .load(c)
        .await)
}
