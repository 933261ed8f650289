//! The money and slot side effects of a commit.

use onsite_actors::journal::Detail;
use onsite_actors::payment::{PaymentEvent, PaymentStatus};
use onsite_actors::protocol::ErrorCode;

use super::commit::{rejected, CommitError};
use super::DbJournal;
use crate::db::{self, bookings::Booking, ledger, payments::Refund, sla::SlaRow, DbConn};
use crate::domain::{LedgerKind, NotificationKind};
use crate::notify;
use crate::payments::escrow;
use crate::payments::policy::{self, PaymentPurpose, RefundRule};

/// Which captured payment a commit takes into escrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// The payment that books: the whole price, or the deposit.
    Booking,
    /// The balance after a deposit.
    Balance,
}

/// A captured payment enters escrow: the customer's money moves to `escrow`.
/// The booking's first payment (the whole price or its deposit) starts the
/// provider's time to answer; a balance is only added to what is held.
pub(super) async fn capture(
    j: &DbJournal,
    c: &mut DbConn,
    b: &mut Booking,
    detail: &Detail,
    purpose: Purpose,
) -> Result<(), CommitError> {
    let Detail::Payment {
        payment_id,
        reference,
    } = detail
    else {
        return Err(rejected(
            ErrorCode::PaymentNotFound,
            "no payment was given for the capture",
        ));
    };
    let payment = db::payments::find(c, payment_id)
        .await?
        .filter(|p| p.booking_id == b.id)
        .ok_or_else(|| {
            rejected(
                ErrorCode::PaymentNotFound,
                "no such payment for this booking",
            )
        })?;
    let expected = match purpose {
        Purpose::Booking => payment.purpose != PaymentPurpose::Balance,
        Purpose::Balance => payment.purpose == PaymentPurpose::Balance,
    };
    if !expected {
        return Err(rejected(
            ErrorCode::PaymentNotFound,
            "that payment is not for this part of the price",
        ));
    }
    if purpose == Purpose::Balance && b.balance_paid_at.is_some() {
        return Err(rejected(
            ErrorCode::BalancePaid,
            "the balance of this booking is already paid",
        ));
    }
    if !db::payments::transition(
        c,
        &payment.id,
        PaymentStatus::Processing,
        PaymentEvent::Capture,
        Some(reference),
        None,
    )
    .await?
    {
        return Err(rejected(
            ErrorCode::PaymentNotProcessing,
            "the payment is not being captured",
        ));
    }
    b.tip_amount += payment.tip_amount;
    match purpose {
        Purpose::Booking => b.respond_by = Some(db::now() + j.money.request_timeout),
        Purpose::Balance => b.balance_paid_at = Some(db::now()),
    }
    ledger::post(
        c,
        ledger::Posting {
            kind: LedgerKind::Funding,
            booking_id: Some(&b.id),
            payment_id: Some(&payment.id),
            memo: format!("{} payment for {}", payment.purpose, b.reference),
            currency: &b.currency,
            legs: vec![
                (ledger::customer(&b.customer_id), -payment.amount),
                (ledger::ESCROW.to_owned(), payment.amount),
            ],
        },
    )
    .await?;
    Ok(())
}

/// Completion: the job's SLA is measured from its start: its length, and
/// whether it ran over the estimate plus the grace. None for a job that was
/// never started (an admin forced it to completed).
pub(super) async fn measure_sla(
    j: &DbJournal,
    c: &mut DbConn,
    b: &Booking,
    at: chrono::NaiveDateTime,
) -> Result<Option<SlaRow>, CommitError> {
    let Some(mut sla) = db::sla::find(c, &b.id).await? else {
        return Ok(None);
    };
    let ran = (at - sla.started_at).max(chrono::Duration::zero());
    let allowed = chrono::Duration::minutes(i64::from(sla.estimated_minutes)) + j.money.sla_grace;
    sla.actual_minutes =
        Some(i32::try_from((ran.num_milliseconds() + 59_999) / 60_000).unwrap_or(i32::MAX));
    sla.breached = Some(ran > allowed);
    sla.completed_at = Some(at);
    db::sla::finish(c, &sla).await?;
    Ok(Some(sla))
}

/// Completion: escrow goes to the provider's wallet and the platform
/// commission, less the SLA penalty (refunded to the customer) when the job
/// ran over. Held instead while a payment complaint filed before it is open:
/// the admin's resolution releases it. Returns the refunds to send.
pub(super) async fn release(
    j: &DbJournal,
    c: &mut DbConn,
    b: &Booking,
    sla: Option<&mut SlaRow>,
    forced: bool,
) -> Result<Vec<Refund>, CommitError> {
    // Taken before the complaints are read, so a complaint filed at the same
    // moment either sees the release or is seen by it.
    db::bookings::lock(c, &b.id).await?;
    // A job booked with a deposit completes only once its balance is paid.
    // An admin's forced completion releases what is held (commission on
    // it): the way out when a customer never pays the balance.
    if !forced && b.balance_unpaid() > 0 {
        return Err(rejected(
            ErrorCode::BalanceDue,
            "the customer has not paid the balance yet",
        ));
    }
    if db::complaints::holds_escrow(c, &b.id).await? {
        return Ok(Vec::new());
    }
    let held = ledger::escrow_for_booking(c, &b.id).await?;
    let mut split = policy::release(
        held,
        b.tip_amount,
        u32::try_from(b.commission_bps).unwrap_or(j.money.commission_bps),
    );
    let mut refunds = Vec::new();
    if let Some(sla) = sla.filter(|s| s.breached == Some(true)) {
        let penalty =
            policy::sla_penalty(split.to_provider, b.total_amount, j.money.sla_penalty_bps);
        let penalised = escrow::refund(c, b, penalty, RefundRule::SlaPenalty).await?;
        if !penalised.is_empty() {
            split.to_provider -= penalty;
            sla.penalty = penalty;
            db::sla::finish(c, sla).await?;
            refunds.extend(penalised);
        }
    }
    escrow::pay_out(
        c,
        b,
        split,
        LedgerKind::Release,
        format!("completed {}", b.reference),
    )
    .await?;
    Ok(refunds)
}

/// Ends escrow for a booking that did not complete: `refund_bps` of what was
/// paid of the price (and the tip) back to the customer, the rest to the
/// provider minus commission.
/// Returns the refunds to send to the gateway once committed.
pub(super) async fn settle(
    j: &DbJournal,
    c: &mut DbConn,
    b: &Booking,
    refund_bps: u32,
    rule: RefundRule,
) -> Result<Vec<Refund>, CommitError> {
    let held = ledger::escrow_for_booking(c, &b.id).await?;
    if held == 0 {
        return Ok(Vec::new());
    }
    let commission_bps = u32::try_from(b.commission_bps).unwrap_or(j.money.commission_bps);
    let split = policy::split(held, b.tip_amount, refund_bps, commission_bps);
    let refunds = escrow::refund(c, b, split.to_customer, rule).await?;
    escrow::pay_out(
        c,
        b,
        split,
        LedgerKind::CancellationFee,
        format!("kept ({rule}) for {}", b.reference),
    )
    .await?;
    Ok(refunds)
}

/// Reschedule: the booking's slots move to the new start given in `detail`.
pub(super) async fn move_slot(
    c: &mut DbConn,
    b: &mut Booking,
    detail: &Detail,
) -> Result<(), CommitError> {
    let starts: Vec<chrono::NaiveDateTime> = match detail {
        Detail::Slots(starts) => starts.iter().map(|s| s.naive_utc()).collect(),
        _ => Vec::new(),
    };
    let Some(first) = starts.first().copied() else {
        return Err(rejected(
            ErrorCode::SlotUnavailable,
            "no new slot was given",
        ));
    };
    db::slots::release_booking(c, &b.id).await?;
    if !db::slots::claim(
        c,
        &b.provider_id,
        &starts,
        db::slots::Claimant::Booking(&b.id),
    )
    .await?
    {
        return Err(rejected(
            ErrorCode::SlotUnavailable,
            "that slot is no longer free",
        ));
    }
    b.scheduled_at = Some(first);
    Ok(())
}

/// Sends committed refunds to the gateway; a failure leaves the refund
/// `pending` for the sweeper to retry.
pub(super) async fn send_refunds(j: &DbJournal, refunds: Vec<Refund>) {
    for refund in refunds {
        if let Err(e) = send_refund(j, &refund).await {
            tracing::warn!(refund = %refund.id, error = %e, "refund not sent yet; will retry");
        }
    }
}

/// Sends one refund to the gateway (no connection is held while it answers),
/// then settles it once: only the worker that settles it counts it.
pub async fn send_refund(j: &DbJournal, refund: &Refund) -> anyhow::Result<()> {
    let payment =
        j.db.run(async |c| db::payments::find(c, &refund.payment_id).await)
            .await??
            .ok_or_else(|| anyhow::anyhow!("payment {} missing", refund.payment_id))?;
    let reference = payment.gateway_ref.as_deref().unwrap_or_default();
    j.gateway
        .refund(reference, &refund.id, refund.amount)
        .await?;
    let notified =
        j.db.transaction(async |c| {
            let mut notified = Vec::new();
            if db::payments::settle_refund(c, &refund.id).await? {
                db::payments::add_refunded(c, &payment.id, refund.amount).await?;
                if let Some(booking) = db::bookings::find(c, &refund.booking_id).await? {
                    let notice = notify::booking::money(
                        c,
                        &booking,
                        NotificationKind::RefundIssued,
                        refund.amount,
                        None,
                    )
                    .await?;
                    notified = j.delivery.store(c, vec![notice]).await?;
                }
            }
            Ok::<_, anyhow::Error>(notified)
        })
        .await?;
    // Told once the refund is settled, and only by the worker that settled it.
    j.delivery.deliver(&notified);
    Ok(())
}
