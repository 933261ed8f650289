//! A charge the gateway captured becomes escrow through the booking's session.
//! Used by confirmation, by the gateway's webhook and by the sweeper (which
//! finishes captures a crash interrupted), so all three end in the same
//! single transition.

use onsite_actors::booking::{Actor, BookingEvent, Refusal};
use onsite_actors::journal::Detail;
use onsite_actors::messages::{Apply, SessionError};
use onsite_actors::payment::{PaymentEvent, PaymentStatus};
use onsite_actors::protocol::ErrorCode;

use crate::booking_sessions;
use crate::db::{self, payments::Payment};
use crate::domain::NotificationKind;
use crate::error::{ApiError, ApiResult};
use crate::notify;
use crate::payments::policy::PaymentPurpose;
use crate::payments::{ChargeOutcome, GatewayError};
use crate::state::AppState;

/// Where a processing payment ended up after asking the gateway.
#[derive(Debug)]
pub enum Settled {
    /// Captured and in escrow: the booking is `requested`.
    Escrow,
    /// Still waiting for the customer's bank (3-D Secure) or the network.
    Pending { client_secret: Option<String> },
    /// Refused: the payment failed and the booking still awaits payment.
    Declined { code: String },
}

/// Asks the gateway where the charge `reference` of a `processing` payment
/// stands and acts on it: into escrow, declined, or left pending. The one
/// path a polling confirmation, a webhook and the sweeper all take, so each
/// ends in the same single transition whichever comes first.
pub async fn reconcile(state: &AppState, payment: &Payment, reference: &str) -> ApiResult<Settled> {
    match state.gateway.status(reference).await {
        Ok(ChargeOutcome::Captured { reference }) => {
            into_escrow(state, payment, &reference).await?;
            Ok(Settled::Escrow)
        }
        Ok(ChargeOutcome::Pending { client_secret, .. }) => Ok(Settled::Pending { client_secret }),
        Ok(ChargeOutcome::Declined { code }) => {
            declined(state, payment, &code).await?;
            Ok(Settled::Declined { code })
        }
        Err(GatewayError::UnknownMethod(m)) | Err(GatewayError::Unavailable(m)) => {
            tracing::warn!(payment = %payment.id, error = %m, "could not ask the gateway about a charge");
            Err(ApiError::Unavailable)
        }
    }
}

/// The card was refused: the payment fails (the customer may confirm again
/// with another card) and the customer is told, in one transaction.
pub async fn declined(state: &AppState, payment: &Payment, code: &str) -> ApiResult<()> {
    let notified = state
        .in_transaction(async |c| {
            let moved = db::payments::transition(
                c,
                &payment.id,
                PaymentStatus::Processing,
                PaymentEvent::Decline,
                None,
                Some(code),
            )
            .await?;
            // Already settled by a concurrent path: it told the customer.
            if !moved {
                return Ok(Vec::new());
            }
            let Some(booking) = db::bookings::find(c, &payment.booking_id).await? else {
                return Ok(Vec::new());
            };
            let notice = notify::booking::money(
                c,
                &booking,
                NotificationKind::PaymentFailed,
                payment.amount,
                Some(code),
            )
            .await?;
            Ok(state.delivery.store(c, vec![notice]).await?)
        })
        .await?;
    state.delivery.deliver(&notified);
    Ok(())
}

/// Moves the booking `pending_payment -> requested` with the captured payment
/// (the journal marks the payment `succeeded` and posts the funding in the
/// same transaction); a balance is added to a booked job's escrow the same
/// way, without moving it. If the booking can no longer be paid (it expired
/// or ended meanwhile, or another payment already paid its balance), the
/// charge is refunded at the gateway and the payment fails.
pub async fn into_escrow(state: &AppState, payment: &Payment, reference: &str) -> ApiResult<()> {
    // A balance joins the escrow of a booked job; anything else books it.
    let event = if payment.purpose == PaymentPurpose::Balance {
        BookingEvent::BalanceCaptured
    } else {
        BookingEvent::PaymentCaptured
    };
    let captured = Apply {
        event,
        actor: Actor::System,
        by: Some(payment.customer_id.clone()),
        // A `booking` event whose status does not change says why.
        reason: (event == BookingEvent::BalanceCaptured).then(|| "balance_paid".to_owned()),
        detail: Detail::Payment {
            payment_id: payment.id.clone(),
            reference: reference.to_owned(),
        },
    };
    match booking_sessions::send(state, &payment.booking_id, captured).await {
        Ok(_) => Ok(()),
        Err(SessionError::Refused(Refusal::InvalidTransition { .. }))
        | Err(SessionError::Rejected {
            code: ErrorCode::BalancePaid,
            ..
        }) => void(state, payment, reference).await,
        // Left `processing` with the gateway's reference: the sweeper re-drives
        // it into escrow (or voids it if the booking can no longer be paid).
        Err(e) => Err(booking_sessions::to_api(e)),
    }
}

/// The code of the 409 a voided charge answers.
pub const VOIDED: &str = "booking_not_payable";

/// The booking is no longer awaiting payment: the charge is voided.
async fn void(state: &AppState, payment: &Payment, reference: &str) -> ApiResult<()> {
    let voided = state
        .with_db(async |c| {
            // A concurrent capture of this same payment may have won: then the
            // booking is paid with it and there is nothing to void.
            let now = db::payments::find(c, &payment.id).await?;
            if now.is_some_and(|p| p.status == PaymentStatus::Succeeded) {
                return Ok(None);
            }
            Ok(Some(
                db::payments::transition(
                    c,
                    &payment.id,
                    PaymentStatus::Processing,
                    PaymentEvent::Void,
                    Some(reference),
                    Some("booking_not_payable"),
                )
                .await?,
            ))
        })
        .await?;
    match voided {
        None => Ok(()),
        Some(false) => Err(ApiError::Conflict(
            "payment_in_progress",
            "this payment is being processed".into(),
        )),
        Some(true) => {
            if let Err(e) = state
                .gateway
                .refund(reference, &format!("void-{}", payment.id), payment.amount)
                .await
            {
                tracing::error!(payment = %payment.id, error = %e, "could not void a charge for an unpayable booking");
            }
            Err(ApiError::Conflict(
                VOIDED,
                "the booking can no longer take this payment; the charge was voided".into(),
            ))
        }
    }
}
