use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::cursor::{self, PageQuery};
use crate::db::{self, ledger};
use crate::domain::LedgerKind;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct LedgerSummary {
    /// Money customers paid in (funding postings).
    pub funded: i64,
    /// What escrow holds now for live bookings.
    pub escrow_held: i64,
    /// Escrow released on completion (to providers and commission).
    pub released: i64,
    /// Platform commission earned.
    pub commission: i64,
    /// What providers have earned in total (completions and cancellation fees).
    pub provider_earnings: i64,
    /// Money refunded to customers.
    pub refunded: i64,
    /// `funded == escrow_held + provider_earnings + commission + refunded`
    /// and every transaction sums to zero.
    pub balanced: bool,
    /// Transactions whose entries do not sum to zero (always 0 unless there is a bug).
    pub unbalanced_transactions: usize,
    /// Requested payouts not yet paid or failed (`payouts:pending`).
    pub payouts_pending: i64,
    /// Paid out to providers' accounts (`payouts:sent`).
    pub paid_out: i64,
}

/// Escrow held, released, commission and refunds, and whether they reconcile.
#[utoipa::path(get, path = "/v1/admin/ledger/summary", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = LedgerSummary), (status = 403, body = crate::error::ErrorBody)))]
pub async fn summary(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    state
        .with_db(async |conn| {
            let funded = -ledger::sum_kind(conn, "customer:", LedgerKind::Funding).await?;
            let escrow_held = ledger::balance(conn, ledger::ESCROW).await?;
            let released = -ledger::sum_kind(conn, ledger::ESCROW, LedgerKind::Release).await?;
            let commission = ledger::balance(conn, ledger::COMMISSION).await?;
            let provider_earnings = ledger::sum_kind(conn, "provider:", LedgerKind::Release)
                .await?
                + ledger::sum_kind(conn, "provider:", LedgerKind::CancellationFee).await?;
            let refunded = ledger::sum_kind(conn, "customer:", LedgerKind::Refund).await?;
            let unbalanced = ledger::unbalanced(conn).await?.len();
            let payouts_pending = ledger::balance(conn, crate::payouts::PENDING).await?;
            let paid_out = ledger::balance(conn, crate::payouts::SENT).await?;
            Ok(HttpResponse::Ok().json(LedgerSummary {
                payouts_pending,
                paid_out,
                funded,
                escrow_held,
                released,
                commission,
                provider_earnings,
                refunded,
                balanced: unbalanced == 0
                    && funded == escrow_held + provider_earnings + commission + refunded,
                unbalanced_transactions: unbalanced,
            }))
        })
        .await
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub account: String,
    /// Signed minor units.
    pub amount: i64,
    pub currency: String,
}

#[derive(Serialize, ToSchema)]
pub struct TransactionView {
    pub id: String,
    pub kind: crate::domain::LedgerKind,
    pub booking_id: Option<String>,
    pub payment_id: Option<String>,
    pub memo: String,
    pub at: DateTime<Utc>,
    /// Sum to zero.
    pub entries: Vec<EntryView>,
}

#[derive(Serialize, ToSchema)]
pub struct TransactionPage {
    pub items: Vec<TransactionView>,
    pub next_cursor: Option<String>,
}

/// Every ledger transaction with its entries, newest first.
#[utoipa::path(get, path = "/v1/admin/ledger/transactions", tag = "admin", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = TransactionPage), (status = 403, body = crate::error::ErrorBody)))]
pub async fn transactions(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let limit = query.limit()?;
    state
        .with_db(async |conn| {
            let txs = ledger::transactions(conn, query.after()?, limit).await?;
            let ids: Vec<String> = txs.iter().map(|t| t.id.clone()).collect();
            let mut entries: HashMap<String, Vec<EntryView>> = HashMap::new();
            for e in ledger::entries_of(conn, &ids).await? {
                entries
                    .entry(e.transaction_id.clone())
                    .or_default()
                    .push(EntryView {
                        account: e.account,
                        amount: e.amount,
                        currency: e.currency,
                    });
            }
            let next_cursor = cursor::next(&txs, limit, |t| (t.created_at, t.id.clone()));
            let items = txs
                .into_iter()
                .map(|t| TransactionView {
                    entries: entries.remove(&t.id).unwrap_or_default(),
                    at: db::utc(t.created_at),
                    id: t.id,
                    kind: t.kind,
                    booking_id: t.booking_id,
                    payment_id: t.payment_id,
                    memo: t.memo,
                })
                .collect();
            Ok(HttpResponse::Ok().json(TransactionPage { items, next_cursor }))
        })
        .await
}
