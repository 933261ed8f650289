//! The background sweeper: expires unpaid and unanswered bookings (through
//! their sessions, like any other change), frees expired slot holds,
//! retries refunds the gateway has not confirmed, and publishes the reviews
//! whose window closed.

use actix_web::web;
use onsite_actors::booking::{BookingEvent, BookingState, Refusal};
use onsite_actors::messages::{Apply, SessionError};
use onsite_actors::payment::{PaymentEvent, PaymentStatus};

use crate::booking_sessions;
use crate::db;
use crate::error::ApiResult;
use crate::notify;
use crate::state::AppState;

/// Runs the sweeper every `sweep_interval` until the server stops.
pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(state.config.sessions.sweep_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            state.limits.housekeep();
            // With several nodes, one runs the pass (the one holding its lease).
            let lease = state.config.sessions.sweep_interval * 3;
            if !crate::cluster::leases::claim_job(&state, "sweeper", lease).await {
                continue;
            }
            let started = std::time::Instant::now();
            let outcome = sweep(&state).await;
            crate::metrics::sweep(outcome.is_ok(), started.elapsed());
            if let Err(e) = outcome {
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
            // The gateway says where it stands: captured (into escrow),
            // declined, or still with the customer's bank.
            match crate::payments::capture::reconcile(state, payment, &reference).await {
                Ok(settled) => {
                    tracing::debug!(payment = %payment.id, ?settled, "processing payment looked at")
                }
                Err(e) => {
                    tracing::warn!(payment = %payment.id, error = %e, "interrupted capture not finished yet")
                }
            }
        }
        None => {
            let failed = state
                .with_db(async |c| {
                    Ok(db::payments::transition(
                        c,
                        &payment.id,
                        PaymentStatus::Processing,
                        PaymentEvent::Interrupt,
                        None,
                        Some("interrupted"),
                    )
                    .await?)
                })
                .await;
            if let Err(e) = failed {
                tracing::warn!(payment = %payment.id, error = %e, "interrupted payment not failed yet");
            }
        }
    }
}

/// One pass. Public so tests and operators can trigger it deterministically.
pub async fn sweep(state: &AppState) -> ApiResult<()> {
    let stale = db::now() - chrono::Duration::seconds(30);
    let (overdue, refunds, stuck) = state
        .with_db(async |c| {
            let freed = db::slots::purge_expired(c).await?;
            // Leases released or lapsed an hour ago are history.
            let hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
            db::leases::forget_old(c, hour_ago).await?;
            if freed > 0 {
                tracing::info!(freed, "expired slot holds released");
            }
            // Sent and dropped outbox rows are kept a week (for support), then go.
            let purged = db::outbox::purge(c, db::now() - chrono::Duration::days(7)).await?;
            if purged > 0 {
                tracing::debug!(purged, "old outbox rows purged");
            }
            let overdue = db::bookings::overdue(c, db::now(), 200).await?;
            let refunds = db::payments::stale_pending_refunds(c, stale, 50).await?;
            let stuck = db::payments::stale_processing(c, stale, 50).await?;
            Ok((overdue, refunds, stuck))
        })
        .await?;
    for payment in stuck {
        finish_capture(state, &payment).await;
    }
    // Approved payouts a sender outage left unsent (same idempotency key).
    if let Err(e) = crate::payouts::retry_unsent(state).await {
        tracing::warn!(error = %e, "payout retry failed; will retry");
    }
    for (id, status) in overdue {
        let (event, reason) = if status == BookingState::PendingPayment {
            (BookingEvent::PaymentExpired, "not paid in time")
        } else {
            (
                BookingEvent::RequestExpired,
                "the provider did not answer in time",
            )
        };
        let expire = Apply::system(event, Some(reason.to_owned()));
        match booking_sessions::send(state, &id, expire).await {
            Ok(_) => tracing::info!(booking = %id, %status, "booking expired"),
            // Paid, answered or cancelled since the query: nothing to do.
            Err(SessionError::Refused(Refusal::InvalidTransition { .. })) => {}
            Err(e) => tracing::warn!(booking = %id, code = %e.code(), "could not expire booking"),
        }
    }
    for refund in refunds {
        if let Err(e) = crate::journal::send_refund(&state.journal, &refund).await {
            tracing::warn!(refund = %refund.id, error = %e, "refund still not sent");
        }
    }
    send_reminders(state).await?;
    publish_reviews(state).await
}

/// Publishes the hidden reviews of bookings whose review window closed (the
/// other party never reviewed), each booking in a transaction of its own.
async fn publish_reviews(state: &AppState) -> ApiResult<()> {
    let now = db::now();
    let closed_before = now - state.config.reviews.window;
    let due = state
        .with_db(async |c| Ok(db::reviews::due(c, closed_before, 200).await?))
        .await?;
    for booking_id in due {
        let published = state
            .in_transaction(async |c| crate::reviews::publish(c, &booking_id, now).await)
            .await?;
        if published > 0 {
            tracing::debug!(booking = %booking_id, published, "review window closed; reviews published");
        }
    }
    Ok(())
}

/// Sends the reminders that are due. Each is marked sent in the transaction
/// that stores its notices, so it goes out once however many nodes sweep and
/// whatever restarts; one for a booking that is no longer ahead is dropped.
async fn send_reminders(state: &AppState) -> ApiResult<()> {
    let now = db::now();
    let due = state
        .with_db(async |c| Ok(db::reminders::due(c, now, 100).await?))
        .await?;
    for reminder in due {
        let notified = state
            .in_transaction(async |c| {
                if !db::reminders::mark_sent(c, &reminder, now).await? {
                    return Ok(Vec::new());
                }
                let Some(b) = db::bookings::find(c, &reminder.booking_id).await? else {
                    return Ok(Vec::new());
                };
                let ahead = b.scheduled_at.is_some_and(|start| start > now);
                if !ahead || !matches!(b.status, BookingState::Confirmed | BookingState::EnRoute) {
                    return Ok(Vec::new());
                }
                let (notices, parties) = notify::booking::reminders(
                    c,
                    &state.config.http.public_url,
                    &state.config.money.cancel,
                    &b,
                    reminder.lead_minutes,
                )
                .await?;
                Ok(state.delivery.store_for(c, notices, &parties).await?)
            })
            .await?;
        state.delivery.deliver(&notified);
    }
    Ok(())
}
