//! `GET /v1/wallet`: my balance and ledger lines.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::cursor::{self, PageQuery};
use crate::db::{self, ledger};
use crate::domain::{Money, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/wallet").route(web::get().to(wallet)));
}

#[derive(Serialize, ToSchema)]
pub struct LedgerLine {
    pub transaction_id: String,
    /// `funding`, `release`, `refund`, `cancellation_fee`.
    pub kind: crate::domain::LedgerKind,
    pub booking_id: Option<String>,
    /// Signed: positive is money in.
    pub amount: Money,
    pub memo: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct WalletView {
    /// The ledger account shown: `provider:{id}` or `customer:{id}`.
    pub account: String,
    /// Sum of all lines, in minor units (per currency; one currency per platform today).
    pub balance: i64,
    /// Providers: what a payout may take now (`balance` less `held`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// Providers: earnings of bookings an open payment complaint is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<i64>,
    pub items: Vec<LedgerLine>,
    pub next_cursor: Option<String>,
}

/// My wallet: providers see their earnings, customers their payments and refunds.
#[utoipa::path(get, path = "/v1/wallet", tag = "payments", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = WalletView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn wallet(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let account = match me.role() {
        Role::Provider => ledger::provider(me.id()),
        Role::Customer => ledger::customer(me.id()),
        Role::Admin => {
            return Err(ApiError::Forbidden(
                "no_wallet",
                "admins have no wallet; see /v1/admin/ledger/summary".into(),
            ))
        }
    };
    let limit = query.limit()?;
    state
        .with_db(async |conn| {
            let balance = ledger::balance(conn, &account).await?;
            let funds = match me.role() {
                Role::Provider => Some(crate::payouts::funds(conn, me.id()).await?),
                _ => None,
            };
            let rows = ledger::lines(conn, &account, query.after()?, limit).await?;
            let next_cursor = cursor::next(&rows, limit, |(e, _)| (e.created_at, e.id.clone()));
            let items = rows
                .into_iter()
                .map(|(entry, tx)| LedgerLine {
                    transaction_id: tx.id,
                    kind: tx.kind,
                    booking_id: tx.booking_id,
                    amount: Money::new(entry.amount, &entry.currency),
                    memo: tx.memo,
                    at: db::utc(entry.created_at),
                })
                .collect();
            Ok(HttpResponse::Ok().json(WalletView {
                account,
                balance,
                available: funds.map(|f| f.available),
                held: funds.map(|f| f.held),
                items,
                next_cursor,
            }))
        })
        .await
}
