use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::view::PaymentView;
use crate::api::bookings::view::BookingView;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::payments::{ChargeOutcome, GatewayError};
use crate::state::AppState;
use onsite_actors::payment::{PaymentEvent, PaymentStatus};

use crate::domain::NotificationKind;
use crate::notify;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// Simulated gateway: `sim_card_ok`, `sim_card_declined` or `sim_card_insufficient_funds`.
    pub payment_method: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmResponse {
    pub payment: PaymentView,
    /// The booking, now `requested`, with your chat token.
    pub booking: BookingView,
}

/// Confirm (charge) an intent. On success the money is captured into escrow
/// and the booking becomes `requested`. Confirming a succeeded intent again
/// charges nothing and answers the same.
#[utoipa::path(post, path = "/v1/payments/intents/{id}/confirm", tag = "payments", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ConfirmRequest,
    responses((status = 200, body = ConfirmResponse), (status = 400, body = crate::error::ErrorBody),
        (status = 402, description = "card declined; the booking stays pending_payment", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn confirm(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: LateJson<ConfirmRequest>,
) -> ApiResult<HttpResponse> {
    // A stranger learns nothing about the body: the payment is looked up first.
    state
        .with_db(async |c| {
            db::payments::find(c, &id)
                .await?
                .filter(|p| p.customer_id == me.id())
                .ok_or(ApiError::NotFound("payment"))
        })
        .await?;
    let req = body.parse()?;
    // Only one confirmation runs at a time: `begin` is refused while processing.
    let payment = state
        .with_db(async |c| {
            let payment = db::payments::find(c, &id)
                .await?
                .filter(|p| p.customer_id == me.id())
                .ok_or(ApiError::NotFound("payment"))?;
            if payment.status.is_final() {
                return Ok(None);
            }
            let began = db::payments::transition(
                c,
                &payment.id,
                payment.status,
                PaymentEvent::Begin,
                None,
                None,
            )
            .await?;
            if !began {
                return Err(ApiError::Conflict(
                    "payment_in_progress",
                    "this payment is being processed".into(),
                ));
            }
            Ok(Some(payment))
        })
        .await?;
    let Some(payment) = payment else {
        // Confirming a succeeded intent again charges nothing and answers the same.
        return state.with_db(async |c| answer(c, &me, &id).await).await;
    };
    // No connection is held while the gateway answers.
    let charged = state
        .gateway
        .charge(
            &payment.id,
            payment.amount,
            &payment.currency,
            &req.payment_method,
        )
        .await;
    let settle = async |event: PaymentEvent, code: Option<&str>| {
        state
            .with_db(async |c| {
                db::payments::transition(
                    c,
                    &payment.id,
                    PaymentStatus::Processing,
                    event,
                    None,
                    code,
                )
                .await?;
                Ok(())
            })
            .await
    };
    match charged {
        Ok(ChargeOutcome::Captured { reference }) => {
            // Keep the reference first, so the sweeper can finish an interrupted capture.
            state
                .with_db(async |c| {
                    Ok(db::payments::set_reference(c, &payment.id, &reference).await?)
                })
                .await?;
            crate::payments::capture::into_escrow(&state, &payment, &reference).await?;
            state
                .with_db(async |c| answer(c, &me, &payment.id).await)
                .await
        }
        Ok(ChargeOutcome::Declined { code }) => {
            let notified = state
                .in_transaction(async |c| {
                    db::payments::transition(
                        c,
                        &payment.id,
                        PaymentStatus::Processing,
                        PaymentEvent::Decline,
                        None,
                        Some(&code),
                    )
                    .await?;
                    let Some(booking) = db::bookings::find(c, &payment.booking_id).await? else {
                        return Ok(Vec::new());
                    };
                    let notice = notify::booking::money(
                        &booking,
                        NotificationKind::PaymentFailed,
                        payment.amount,
                        Some(&code),
                    );
                    Ok(state.delivery.store(c, vec![notice]).await?)
                })
                .await?;
            state.delivery.deliver(&notified);
            Err(ApiError::PaymentRequired(
                code.clone(),
                format!("the card was refused ({code}); the booking still awaits payment"),
            ))
        }
        Err(GatewayError::UnknownMethod(m)) => {
            settle(
                nothing_charged(payment.status),
                payment.failure_code.as_deref(),
            )
            .await?;
            Err(ApiError::validation(
                "payment_method",
                format!("`{m}` is not a payment method of this gateway"),
            ))
        }
        Err(e @ GatewayError::Unavailable(_)) => {
            settle(
                nothing_charged(payment.status),
                payment.failure_code.as_deref(),
            )
            .await?;
            tracing::error!(error = %e, "payment gateway unavailable");
            Err(ApiError::Unavailable)
        }
    }
}

/// Nothing was charged: the payment goes back to where it was before `begin`.
fn nothing_charged(before: PaymentStatus) -> PaymentEvent {
    match before {
        PaymentStatus::Failed => PaymentEvent::Interrupt,
        _ => PaymentEvent::Abandon,
    }
}

async fn answer(conn: &mut db::DbConn, me: &AuthUser, payment_id: &str) -> ApiResult<HttpResponse> {
    let payment = db::payments::find(conn, payment_id)
        .await?
        .ok_or(ApiError::NotFound("payment"))?;
    let booking = db::bookings::find(conn, &payment.booking_id)
        .await?
        .ok_or(ApiError::NotFound("booking"))?;
    Ok(HttpResponse::Ok().json(ConfirmResponse {
        payment: PaymentView::from(&payment),
        booking: BookingView::new(&booking, me.id()),
    }))
}
