//! Money leaving escrow: the ledger postings (and the refund rows the
//! gateway is then asked for) shared by the journal's effects and the
//! admins' dispute resolutions. Each runs inside its caller's transaction.

use crate::db::{self, bookings::Booking, ledger, payments::Refund, DbConn};
use crate::domain::LedgerKind;
use crate::payments::policy::{RefundRule, Split};
use onsite_actors::payment::RefundStatus;

/// Why escrow could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum EscrowError {
    #[error(transparent)]
    Ledger(#[from] ledger::LedgerError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// Money is held for a booking with no captured payment (or not enough
    /// left of them) to refund to.
    #[error("escrow held for {0} without a captured payment to refund")]
    NoPayment(String),
}

/// Moves `amount` of `b`'s escrow back to its customer and records the
/// refunds for the gateway (sent once the caller has committed): one per
/// captured payment it is taken from, the newest first (a balance before its
/// deposit), never more of a payment than is left of it. Nothing for an
/// amount of zero.
pub async fn refund(
    c: &mut DbConn,
    b: &Booking,
    amount: i64,
    rule: RefundRule,
) -> Result<Vec<Refund>, EscrowError> {
    if amount <= 0 {
        return Ok(Vec::new());
    }
    let paid = db::payments::captured_for(c, &b.id).await?;
    let mut left = amount;
    let mut refunds = Vec::new();
    for (payment, refunded) in &paid {
        let part = left.min(payment.amount - refunded);
        if part <= 0 {
            continue;
        }
        ledger::post(
            c,
            ledger::Posting {
                kind: LedgerKind::Refund,
                booking_id: Some(&b.id),
                payment_id: Some(&payment.id),
                memo: format!("refund ({rule}) for {}", b.reference),
                currency: &b.currency,
                legs: vec![
                    (ledger::ESCROW.to_owned(), -part),
                    (ledger::customer(&b.customer_id), part),
                ],
            },
        )
        .await?;
        let refund = Refund {
            id: db::new_id(),
            payment_id: payment.id.clone(),
            booking_id: b.id.clone(),
            amount: part,
            rule,
            status: RefundStatus::Pending,
            created_at: db::now(),
        };
        db::payments::insert_refund(c, &refund).await?;
        refunds.push(refund);
        left -= part;
        if left == 0 {
            return Ok(refunds);
        }
    }
    Err(EscrowError::NoPayment(b.id.clone()))
}

/// Pays what `split` leaves the provider and the platform out of escrow, as
/// one `kind` transaction (`release` on completion, `cancellation_fee` when
/// a cancelled job keeps part of the price).
pub async fn pay_out(
    c: &mut DbConn,
    b: &Booking,
    split: Split,
    kind: LedgerKind,
    memo: String,
) -> Result<(), EscrowError> {
    ledger::post(
        c,
        ledger::Posting {
            kind,
            booking_id: Some(&b.id),
            payment_id: None,
            memo,
            currency: &b.currency,
            legs: vec![
                (
                    ledger::ESCROW.to_owned(),
                    -(split.to_provider + split.commission),
                ),
                (ledger::provider(&b.provider_id), split.to_provider),
                (ledger::COMMISSION.to_owned(), split.commission),
            ],
        },
    )
    .await?;
    Ok(())
}
