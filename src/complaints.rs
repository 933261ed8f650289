//! The complaint rules: who may complain about what, which complaint holds
//! a booking's escrow, and how an admin's resolution settles it.
//!
//! A party of a booking may file one open complaint about it at a time. A
//! `payment_issue` filed while the booking's money is still in escrow holds
//! the release: completion then leaves the money where it is, and the
//! admin's resolution pays it out, refunding the customer in part or in full
//! if the admin decides so (the refund comes off the provider's share; the
//! commission is taken only on what the provider keeps). The booking's row
//! is locked before escrow is read, here and in the journal's release, so a
//! complaint filed while the job completes either holds the money or finds it
//! already released.

use onsite_actors::booking::BookingState;

use crate::db::DbConn;
use crate::db::{self, bookings::Booking, complaints::ComplaintRow, ledger, payments::Refund};
use crate::domain::{ComplaintKind, ComplaintStatus, LedgerKind, Role, Severity};
use crate::error::{ApiError, ApiResult};
use crate::payments::{escrow, policy};

/// A complaint as its reporter files it (texts already trimmed and bounded).
pub struct Filing {
    pub kind: ComplaintKind,
    pub severity: Severity,
    pub description: String,
}

/// Stores `reporter`'s complaint about `booking`. Runs inside the caller's
/// transaction, with the booking row locked.
pub async fn file(
    c: &mut DbConn,
    booking: &Booking,
    reporter: Role,
    reporter_id: &str,
    filing: Filing,
) -> ApiResult<ComplaintRow> {
    let respondent_id = match reporter {
        Role::Customer => &booking.provider_id,
        _ => &booking.customer_id,
    };
    // Each side complains about the other's behaviour, not its own.
    match (reporter, filing.kind) {
        (Role::Customer, ComplaintKind::CustomerBehavior) => {
            return Err(ApiError::validation(
                "type",
                "a customer reports the provider's behaviour (`provider_behavior`)",
            ))
        }
        (Role::Provider, ComplaintKind::ProviderBehavior) => {
            return Err(ApiError::validation(
                "type",
                "a provider reports the customer's behaviour (`customer_behavior`)",
            ))
        }
        _ => {}
    }
    if booking.status == BookingState::PendingPayment && filing.kind != ComplaintKind::PaymentIssue
    {
        return Err(ApiError::Conflict(
            "booking_not_started",
            "nothing has happened on this booking yet; only a payment issue can be reported".into(),
        ));
    }
    db::bookings::lock(c, &booking.id).await?;
    if db::complaints::open_by(c, &booking.id, reporter_id).await? {
        return Err(ApiError::Conflict(
            "complaint_open",
            "you already have an open complaint about this booking; add to its thread".into(),
        ));
    }
    let holds_escrow = filing.kind == ComplaintKind::PaymentIssue
        && ledger::escrow_for_booking(c, &booking.id).await? > 0;
    let now = db::now();
    let row = ComplaintRow {
        id: db::new_id(),
        booking_id: booking.id.clone(),
        reporter_id: reporter_id.to_owned(),
        respondent_id: respondent_id.clone(),
        kind: filing.kind,
        severity: filing.severity,
        description: filing.description,
        status: ComplaintStatus::Open,
        assigned_to: None,
        holds_escrow,
        resolution: None,
        refund_amount: None,
        resolved_by: None,
        resolved_at: None,
        created_at: now,
        updated_at: now,
    };
    db::complaints::insert(c, &row).await?;
    Ok(row)
}

/// How an admin closes a complaint.
pub struct Decision<'a> {
    pub upheld: bool,
    pub resolution: &'a str,
    /// Minor units back to the customer out of the held escrow.
    pub refund: Option<i64>,
}

/// Closes `complaint` as `admin` decided and, when it held the booking's
/// escrow of a completed job, pays the escrow out (with the decided
/// refund). Returns the closed row and the refunds to send to the gateway
/// once committed. Runs inside the caller's transaction.
pub async fn decide(
    c: &mut DbConn,
    complaint: &ComplaintRow,
    admin: &str,
    decision: Decision<'_>,
    commission_bps: u32,
) -> ApiResult<(ComplaintRow, Vec<Refund>)> {
    let booking = db::bookings::find(c, &complaint.booking_id)
        .await?
        .ok_or(ApiError::NotFound("booking"))?;
    db::bookings::lock(c, &booking.id).await?;
    if !complaint.is_open() {
        return Err(ApiError::Conflict(
            "complaint_closed",
            "this complaint is already closed".into(),
        ));
    }
    let held = ledger::escrow_for_booking(c, &booking.id).await?;
    let completed = booking.status == BookingState::Completed;
    if let Some(refund) = decision.refund {
        if !decision.upheld {
            return Err(ApiError::validation(
                "refund_amount",
                "a rejected complaint refunds nothing",
            ));
        }
        if !complaint.holds_escrow || held == 0 {
            return Err(ApiError::Conflict(
                "no_held_escrow",
                "this complaint holds no money; refund through the booking instead".into(),
            ));
        }
        if !completed {
            return Err(ApiError::Conflict(
                "booking_not_completed",
                "the job is not completed: resolve without a refund (completion then releases as usual) or cancel the booking, which refunds by the policy".into(),
            ));
        }
        if !(0..=held).contains(&refund) {
            return Err(ApiError::validation(
                "refund_amount",
                format!("must be between 0 and the {held} held for this booking"),
            ));
        }
    }
    let now = db::now();
    let status = if decision.upheld {
        ComplaintStatus::Resolved
    } else {
        ComplaintStatus::Rejected
    };
    let closing = db::complaints::Closing {
        status,
        resolution: decision.resolution,
        refund_amount: decision.refund,
        admin,
        at: now,
    };
    if !db::complaints::close(c, &complaint.id, &closing).await? {
        return Err(ApiError::Conflict(
            "complaint_closed",
            "this complaint is already closed".into(),
        ));
    }
    let mut refunds = Vec::new();
    // The completed job's money waited for this decision (and no other
    // complaint still holds it): pay it out now.
    if complaint.holds_escrow
        && completed
        && held > 0
        && !db::complaints::holds_escrow(c, &booking.id).await?
    {
        let bps = u32::try_from(booking.commission_bps).unwrap_or(commission_bps);
        let split = policy::dispute(
            held,
            booking.total_amount,
            decision.refund.unwrap_or(0),
            bps,
        );
        refunds.extend(
            escrow::refund(c, &booking, split.to_customer, policy::RefundRule::Dispute).await?,
        );
        escrow::pay_out(
            c,
            &booking,
            split,
            LedgerKind::Release,
            format!("released after complaint on {}", booking.reference),
        )
        .await?;
    }
    let closed = db::complaints::find(c, &complaint.id)
        .await?
        .ok_or(ApiError::NotFound("complaint"))?;
    Ok((closed, refunds))
}
