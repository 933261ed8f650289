//! Payouts: a provider takes money out of their wallet.
//!
//! Requesting moves the amount from `provider:{id}` to `payouts:pending` in
//! the same transaction that records the payout, so it can never be spent
//! twice; at most one payout per provider is pending (a unique index), and
//! never more than what is available: the wallet's balance less what the
//! provider earned from bookings an open payment complaint is about. Once
//! approved (by an admin, or at once with `ONSITE_PAYOUT_APPROVAL=auto`) it
//! is sent by the [`PayoutSender`](crate::payments::payout::PayoutSender),
//! keyed by its id; paid moves it to `payouts:sent`, failed back to the
//! wallet. A sender that could not be reached is retried by the sweeper with
//! the same key, so a payout is paid at most once.

use crate::db::{self, ledger, payouts::PayoutRow, DbConn};
use crate::domain::{LedgerKind, Money, NotificationKind, PayoutStatus};
use crate::error::{ApiError, ApiResult};
use crate::notify::center::Notice;
use crate::notify::Mail;
use crate::payments::payout::{PayoutError, PayoutOrder};
use crate::state::AppState;

/// Money on its way out.
pub const PENDING: &str = "payouts:pending";
/// Money that left for providers' accounts.
pub const SENT: &str = "payouts:sent";

/// A provider's wallet as far as payouts go.
#[derive(Debug, Clone, Copy)]
pub struct Funds {
    pub balance: i64,
    /// Earnings of bookings under an open payment complaint.
    pub held: i64,
    /// What a payout may take now.
    pub available: i64,
}

pub async fn funds(conn: &mut DbConn, provider_id: &str) -> ApiResult<Funds> {
    let balance = ledger::balance(conn, &ledger::provider(provider_id)).await?;
    let held = db::payouts::held(conn, provider_id)
        .await?
        .min(balance.max(0));
    Ok(Funds {
        balance,
        held,
        available: (balance - held).max(0),
    })
}

fn notice(row: &PayoutRow) -> Notice {
    let amount = Money::new(row.amount, &row.currency).display();
    let (kind, subject, body) = match row.status {
        PayoutStatus::Paid => (
            NotificationKind::PayoutPaid,
            format!("Your payout of {amount} is on its way"),
            format!(
                "We sent {amount} to your payout account (reference {}).",
                row.reference.as_deref().unwrap_or("-")
            ),
        ),
        _ => (
            NotificationKind::PayoutFailed,
            format!("Your payout of {amount} did not go through"),
            format!(
                "Reason: {}.\nThe money is back in your wallet; check your payout account and ask again.",
                row.failure.as_deref().unwrap_or("unknown")
            ),
        ),
    };
    Notice::account(
        &row.provider_id,
        kind,
        Mail {
            to: String::new(),
            subject,
            body: format!("{body}\n"),
        },
        serde_json::json!({"payout_id": row.id, "status": row.status, "amount": row.amount,
            "currency": row.currency}),
    )
}

/// Records a payout of `amount` for `provider_id` (the caller's transaction
/// decides nothing else): 400/409 when it may not be.
pub async fn request(state: &AppState, provider_id: &str, amount: &Money) -> ApiResult<PayoutRow> {
    let minimum = state.config.money.payout_minimum;
    let auto = state.config.money.payout_auto;
    let row = state
        .in_transaction(async |c| {
            let destination = db::payouts::lock_destination(c, provider_id)
                .await?
                .ok_or_else(|| {
                    ApiError::Conflict(
                        "no_payout_account",
                        "set where payouts go first (PUT /v1/wallet/payout-account)".into(),
                    )
                })?;
            if amount.amount < minimum {
                return Err(ApiError::validation(
                    "amount",
                    format!(
                        "must be at least {}",
                        Money::new(minimum, &amount.currency).display()
                    ),
                ));
            }
            if db::payouts::pending_of(c, provider_id).await?.is_some() {
                return Err(pending());
            }
            if let Some(currency) = ledger::currency_of(c, &ledger::provider(provider_id)).await? {
                if currency != amount.currency {
                    return Err(ApiError::validation(
                        "amount",
                        format!("your wallet is in {currency}"),
                    ));
                }
            }
            let funds = funds(c, provider_id).await?;
            if amount.amount > funds.available {
                return Err(ApiError::Conflict(
                    "insufficient_funds",
                    format!(
                        "{} is available ({} held by open payment complaints)",
                        Money::new(funds.available, &amount.currency).display(),
                        Money::new(funds.held, &amount.currency).display()
                    ),
                ));
            }
            let now = db::now();
            let row = PayoutRow {
                id: db::new_id(),
                provider_id: provider_id.to_owned(),
                amount: amount.amount,
                currency: amount.currency.clone(),
                destination,
                status: PayoutStatus::Requested,
                approved_by: auto.then(|| "auto".to_owned()),
                approved_at: auto.then_some(now),
                reference: None,
                failure: None,
                attempts: 0,
                created_at: now,
                updated_at: now,
                settled_at: None,
            };
            if !db::payouts::insert(c, &row).await? {
                return Err(pending());
            }
            ledger::post(
                c,
                ledger::Posting {
                    kind: LedgerKind::PayoutRequest,
                    booking_id: None,
                    payment_id: None,
                    memo: format!("payout {}", row.id),
                    currency: &row.currency,
                    legs: vec![
                        (ledger::provider(provider_id), -row.amount),
                        (PENDING.to_owned(), row.amount),
                    ],
                },
            )
            .await
            .map_err(ApiError::internal)?;
            Ok(row)
        })
        .await?;
    tracing::info!(payout = %row.id, provider = %provider_id, amount = row.amount, "payout requested");
    if auto {
        return send(state, &row.id).await;
    }
    Ok(row)
}

fn pending() -> ApiError {
    ApiError::Conflict(
        "payout_pending",
        "a payout is already pending; wait until it is paid or failed".into(),
    )
}

/// Settles a requested payout and posts what follows from it, in one
/// transaction; false if it was already settled.
async fn settle(
    state: &AppState,
    row: &PayoutRow,
    outcome: Result<String, String>,
) -> ApiResult<bool> {
    let notified = state
        .in_transaction(async |c| {
            let (status, reference, failure) = match &outcome {
                Ok(r) => (PayoutStatus::Paid, Some(r.as_str()), None),
                Err(why) => (PayoutStatus::Failed, None, Some(why.as_str())),
            };
            if !db::payouts::settle(c, &row.id, status, reference, failure).await? {
                return Ok(None);
            }
            let (kind, to) = match status {
                PayoutStatus::Paid => (LedgerKind::Payout, SENT.to_owned()),
                _ => (LedgerKind::PayoutReturn, ledger::provider(&row.provider_id)),
            };
            ledger::post(
                c,
                ledger::Posting {
                    kind,
                    booking_id: None,
                    payment_id: None,
                    memo: format!("payout {}", row.id),
                    currency: &row.currency,
                    legs: vec![(PENDING.to_owned(), -row.amount), (to, row.amount)],
                },
            )
            .await
            .map_err(ApiError::internal)?;
            let settled = db::payouts::find(c, &row.id)
                .await?
                .ok_or(ApiError::NotFound("payout"))?;
            Ok(Some(state.delivery.store(c, vec![notice(&settled)]).await?))
        })
        .await?;
    match notified {
        Some(rows) => {
            state.delivery.deliver(&rows);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Sends an approved payout through the sender and settles it; a sender
/// that cannot be reached leaves it requested (the sweeper tries again).
pub async fn send(state: &AppState, id: &str) -> ApiResult<PayoutRow> {
    let row = state
        .with_db(async |c| {
            db::payouts::find(c, id)
                .await?
                .ok_or(ApiError::NotFound("payout"))
        })
        .await?;
    if row.status != PayoutStatus::Requested || row.approved_at.is_none() {
        return Ok(row);
    }
    let order = PayoutOrder {
        id: &row.id,
        amount: row.amount,
        currency: &row.currency,
        destination: &row.destination,
    };
    match state.payouts.send(&order).await {
        Ok(reference) => {
            settle(state, &row, Ok(reference)).await?;
            tracing::info!(payout = %row.id, "payout paid");
        }
        Err(PayoutError::Refused(why)) => {
            settle(state, &row, Err(why)).await?;
            tracing::warn!(payout = %row.id, "payout refused by the sender; funds returned");
        }
        Err(PayoutError::Unavailable(why)) => {
            tracing::warn!(payout = %row.id, error = %why, "payout sender unavailable; will retry");
            state
                .with_db(async |c| Ok(db::payouts::count_attempt(c, &row.id, &why).await?))
                .await?;
        }
    }
    state
        .with_db(async |c| {
            db::payouts::find(c, id)
                .await?
                .ok_or(ApiError::NotFound("payout"))
        })
        .await
}

/// An admin's refusal of a payout not yet approved: failed, funds returned.
pub async fn reject(state: &AppState, row: &PayoutRow, reason: &str) -> ApiResult<bool> {
    if row.approved_at.is_some() {
        return Err(ApiError::Conflict(
            "payout_approved",
            "this payout is already approved and being sent".into(),
        ));
    }
    settle(state, row, Err(format!("refused by an admin: {reason}"))).await
}

/// The sweeper's pass: sends approved payouts a sender outage left behind.
pub async fn retry_unsent(state: &AppState) -> ApiResult<usize> {
    let rows = state
        .with_db(async |c| Ok(db::payouts::unsent(c, 20).await?))
        .await?;
    let mut sent = 0;
    for row in rows {
        if send(state, &row.id).await?.status != PayoutStatus::Requested {
            sent += 1;
        }
    }
    Ok(sent)
}
