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
    /// Money is held for a booking with no captured payment to refund to.
    #[error("escrow held for {0} without a captured payment")]
    NoPayment(String),
}

/// Moves `amount` of `b`'s escrow back to its customer and records the
/// refund for the gateway (sent once the caller has committed). Nothing for
/// an amount of zero.
pub async fn refund(
    c: &mut DbConn,
    b: &Booking,
    amount: i64,
    rule: RefundRule,
) -> Result<Option<Refund>, EscrowError> {
    if amount <= 0 {
        return Ok(None);
    }
    let payment = db::payments::captured_for(c, &b.id)
        .await?
        .ok_or_else(|| EscrowError::NoPayment(b.id.clone()))?;
    ledger::post(
        c,
        ledger::Posting {
            kind: LedgerKind::Refund,
            booking_id: Some(&b.id),
            payment_id: Some(&payment.id),
            memo: format!("refund ({rule}) for {}", b.reference),
            currency: &b.currency,
            legs: vec![
                (ledger::ESCROW.to_owned(), -amount),
                (ledger::customer(&b.customer_id), amount),
            ],
        },
    )
    .await?;
    let refund = Refund {
        id: db::new_id(),
        payment_id: payment.id.clone(),
        booking_id: b.id.clone(),
        amount,
        rule,
        status: RefundStatus::Pending,
        created_at: db::now(),
    };
    db::payments::insert_refund(c, &refund).await?;
    Ok(Some(refund))
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
