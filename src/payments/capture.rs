//! A charge the gateway captured becomes escrow through the booking's session.
//! Used by confirmation, by the gateway's webhook and by the sweeper (which
//! finishes captures a crash interrupted), so all three end in the same
//! single transition.

use onsite_actors::booking::{Actor, BookingEvent, Refusal};
use onsite_actors::journal::Detail;
use onsite_actors::messages::{Apply, SessionError};
use onsite_actors::payment::{PaymentEvent, PaymentStatus};

use crate::booking_sessions;
use crate::db::{self, payments::Payment};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Moves the booking `pending_payment -> requested` with the captured payment
/// (the journal marks the payment `succeeded` and posts the funding in the
/// same transaction). If the booking can no longer be paid (it expired
/// meanwhile), the charge is refunded at the gateway and the payment fails.
pub async fn into_escrow(state: &AppState, payment: &Payment, reference: &str) -> ApiResult<()> {
    let captured = Apply {
        event: BookingEvent::PaymentCaptured,
        actor: Actor::System,
        by: Some(payment.customer_id.clone()),
        reason: None,
        detail: Detail::Payment {
            payment_id: payment.id.clone(),
            reference: reference.to_owned(),
        },
    };
    match booking_sessions::send(state, &payment.booking_id, captured).await {
        Ok(_) => Ok(()),
        Err(SessionError::Refused(Refusal::InvalidTransition { .. })) => {
            void(state, payment, reference).await
        }
        // Left `processing` with the gateway's reference: the sweeper re-drives
        // it into escrow (or voids it if the booking can no longer be paid).
        Err(e) => Err(booking_sessions::to_api(e)),
    }
}

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
                "booking_not_payable",
                "the booking is no longer awaiting payment; the charge was voided".into(),
            ))
        }
    }
}
