//! Stripe's webhook events (already verified by signature): each event id is
//! handled once; PaymentIntent events go through the same reconciliation as
//! a polling confirmation, so whichever comes first makes the one transition.

use serde::Deserialize;
use serde_json::Value;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_json;
use crate::payments::capture::{self, Settled};
use crate::state::AppState;
use onsite_actors::payment::PaymentStatus;

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: Value,
}

/// Handles one verified event; what became of it (`processed`, `pending`,
/// `declined`, `already_processed`, `stale_attempt`, `ignored`, `duplicate`).
pub async fn handle(state: &AppState, body: &[u8]) -> ApiResult<&'static str> {
    let event: Event = parse_json(body)?;
    if state
        .with_db(async |c| Ok(db::payments::event_seen(c, "stripe", &event.id).await?))
        .await?
    {
        return Ok("duplicate");
    }
    let outcome = match event.kind.as_str() {
        "payment_intent.succeeded" | "payment_intent.amount_capturable_updated" => {
            intent(state, &event.data.object, true).await?
        }
        "payment_intent.payment_failed" | "payment_intent.canceled" => {
            intent(state, &event.data.object, false).await?
        }
        _ => "ignored",
    };
    // Remembered only once handled: an event whose handling failed (503) is
    // handled again when Stripe redelivers it.
    state
        .with_db(async |c| {
            Ok(db::payments::remember_event(c, "stripe", &event.id, &event.kind).await?)
        })
        .await?;
    Ok(outcome)
}

/// A PaymentIntent moved. `may_fund`: the event says money may be there
/// (authorised or captured), so a payment a crash left failed is taken up
/// again; a failure event only settles a payment still processing.
async fn intent(state: &AppState, object: &Value, may_fund: bool) -> ApiResult<&'static str> {
    let reference = object["id"]
        .as_str()
        .filter(|id| id.starts_with("pi_"))
        .ok_or_else(|| ApiError::validation("data.object.id", "must be a PaymentIntent id"))?;
    // Not one of ours (another integration on the same account).
    let Some(payment_id) = object["metadata"]["payment_id"].as_str() else {
        return Ok("ignored");
    };
    let taken = state
        .with_db(async |c| {
            let Some(payment) = db::payments::find(c, payment_id).await? else {
                return Ok(Err("ignored"));
            };
            if payment.status == PaymentStatus::Succeeded {
                return Ok(Err("already_processed"));
            }
            // An earlier attempt's authorisation: never captured, it lapses.
            if payment
                .gateway_ref
                .as_deref()
                .is_some_and(|r| r != reference)
            {
                return Ok(Err("stale_attempt"));
            }
            if payment.status != PaymentStatus::Processing {
                if !may_fund {
                    return Ok(Err("already_processed"));
                }
                let began = db::payments::begin(c, &payment).await?;
                if !began {
                    return Ok(Err("already_processed"));
                }
            }
            if payment.gateway_ref.is_none() {
                db::payments::set_reference(c, &payment.id, reference).await?;
            }
            Ok(Ok(payment))
        })
        .await?;
    let payment = match taken {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    Ok(match capture::reconcile(state, &payment, reference).await {
        Ok(Settled::Escrow) => "processed",
        Ok(Settled::Pending { .. }) => "pending",
        Ok(Settled::Declined { .. }) => "declined",
        // Charged for a booking that could no longer take it (ended, or its
        // balance already paid): refunded, and handled, so not redelivered.
        Err(ApiError::Conflict(capture::VOIDED, _)) => "voided",
        Err(e) => return Err(e),
    })
}
