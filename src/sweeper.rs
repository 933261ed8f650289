//! The background sweeper: expires unpaid and unanswered bookings (through
//! their sessions, like any other change), frees expired slot holds, and
//! retries refunds the gateway has not confirmed.

use actix_web::web;
use onsite_actors::booking::{Actor, BookingEvent};
use onsite_actors::messages::Apply;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::sessions;
use crate::state::AppState;

/// Runs the sweeper every `sweep_interval` until the server stops.
pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(state.config.sweep_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "sweep failed; will retry");
            }
        }
    });
}

/// A capture interrupted after the gateway charged (the process died, the
/// session was unreachable): put it into escrow now, or void it if the booking
/// can no longer be paid. Without a reference the charge never completed: the
/// payment fails and the customer may confirm again (the gateway charges a
/// payment id at most once).
async fn finish_capture(state: &AppState, payment: &db::payments::Payment) {
    match payment.gateway_ref.clone() {
        Some(reference) => {
            if let Err(e) =
                crate::api::payments::capture::into_escrow(state, payment, &reference).await
            {
                tracing::warn!(payment = %payment.id, error = %e, "interrupted capture not finished yet");
            }
        }
        None => {
            if let Ok(mut conn) = state.db.get().await {
                let _ = db::payments::transition(
                    &mut conn,
                    &payment.id,
                    "processing",
                    "failed",
                    None,
                    Some("interrupted"),
                )
                .await;
            }
        }
    }
}

/// One pass. Public so tests and operators can trigger it deterministically.
pub async fn sweep(state: &AppState) -> ApiResult<()> {
    let mut conn = state.db.get().await?;
    let freed = db::slots::purge_expired(&mut conn).await?;
    if freed > 0 {
        tracing::info!(freed, "expired slot holds released");
    }
    let overdue = db::bookings::overdue(&mut conn, db::now(), 200).await?;
    let refunds = db::payments::stale_pending_refunds(
        &mut conn,
        db::now() - chrono::Duration::seconds(30),
        50,
    )
    .await?;
    let stuck =
        db::payments::stale_processing(&mut conn, db::now() - chrono::Duration::seconds(30), 50)
            .await?;
    drop(conn);
    for payment in stuck {
        finish_capture(state, &payment).await;
    }
    for (id, status) in overdue {
        let (event, reason) = if status == "pending_payment" {
            (BookingEvent::PaymentExpired, "not paid in time")
        } else {
            (
                BookingEvent::RequestExpired,
                "the provider did not answer in time",
            )
        };
        let outcome = sessions::apply(
            state,
            &id,
            Apply {
                event,
                actor: Actor::System,
                by: None,
                reason: Some(reason.to_owned()),
                detail: serde_json::Value::Null,
            },
        )
        .await;
        match outcome {
            Ok(_) => tracing::info!(booking = %id, %status, "booking expired"),
            // Paid, answered or cancelled since the query: nothing to do.
            Err(ApiError::Conflict("invalid_transition", _)) => {}
            Err(e) => tracing::warn!(booking = %id, error = %e, "could not expire booking"),
        }
    }
    let mut conn = state.db.get().await?;
    for refund in refunds {
        if let Err(e) = crate::journal::send_refund(&state.journal, &mut conn, &refund).await {
            tracing::warn!(refund = %refund.id, error = %e, "refund still not sent");
        }
    }
    Ok(())
}
