//! A charge the gateway captured becomes escrow through the booking's session.

use onsite_actors::booking::{Actor, BookingEvent};
use onsite_actors::messages::Apply;
use serde_json::json;

use crate::db::{self, payments::Payment};
use crate::error::{ApiError, ApiResult};
use crate::sessions;
use crate::state::AppState;

/// Moves the booking `pending_payment -> requested` with the captured payment
/// (the journal marks the payment `succeeded` and posts the funding in the
/// same transaction). If the booking can no longer be paid (it expired
/// meanwhile), the charge is refunded at the gateway and the payment fails.
pub async fn into_escrow(state: &AppState, payment: &Payment, reference: &str) -> ApiResult<()> {
    let outcome = sessions::apply(
        state,
        &payment.booking_id,
        Apply {
            event: BookingEvent::PaymentCaptured,
            actor: Actor::System,
            by: Some(payment.customer_id.clone()),
            reason: None,
            detail: json!({"payment_id": payment.id, "reference": reference}),
        },
    )
    .await;
    match outcome {
        Ok(_) => Ok(()),
        Err(ApiError::Conflict("invalid_transition", _)) => {
            let mut conn = state.db.get().await?;
            // A concurrent capture of this same payment may have won: then the
            // booking is paid with it and there is nothing to void.
            let now = db::payments::find(&mut conn, &payment.id).await?;
            if now.as_ref().is_some_and(|p| p.status == "succeeded") {
                return Ok(());
            }
            let voided = db::payments::transition(
                &mut conn,
                &payment.id,
                "processing",
                "failed",
                Some(reference),
                Some("booking_not_payable"),
            )
            .await?;
            drop(conn);
            if !voided {
                return Err(ApiError::Conflict(
                    "payment_in_progress",
                    "this payment is being processed".into(),
                ));
            }
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
        Err(e) => {
            // Leave it `processing` with the gateway's reference: the sweeper
            // re-drives it into escrow (or voids it if the booking can no
            // longer be paid).
            Err(e)
        }
    }
}
