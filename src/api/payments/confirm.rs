use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::view::PaymentView;
use crate::api::bookings::view::BookingView;
use crate::db;
use crate::db::payments::Payment;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::payments::capture::{self, Settled};
use crate::payments::{ChargeOrder, ChargeOutcome, GatewayError};
use crate::state::AppState;
use onsite_actors::payment::{PaymentEvent, PaymentStatus};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// Simulated gateway: `sim_card_ok`, `sim_card_declined` or
    /// `sim_card_insufficient_funds`. Stripe: a PaymentMethod id (`pm_...`)
    /// from the app's Stripe SDK.
    pub payment_method: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmResponse {
    pub payment: PaymentView,
    /// The booking: `requested` (with your chat token) once paid, still
    /// `pending_payment` while the bank waits for the customer.
    pub booking: BookingView,
    /// Present on 202: what the app must do before the payment can finish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_action: Option<NextAction>,
}

/// The customer's bank asks them to authenticate (3-D Secure).
#[derive(Serialize, ToSchema)]
pub struct NextAction {
    /// `authenticate`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Hand this to the gateway's SDK to run the authentication.
    pub client_secret: Option<String>,
}

/// What a confirmation found before charging.
enum Start {
    /// Paid already: answer as before.
    Done,
    /// A charge awaits the bank: ask the gateway again (polling).
    Poll(Payment, String),
    /// Begun: charge it.
    Charge(Payment),
}

/// Confirm (charge) an intent. On success the money is captured into escrow
/// and the booking becomes `requested` (200). When the customer's bank wants
/// them to authenticate (3-D Secure) the answer is 202 with `next_action`;
/// the payment then finishes by the gateway's webhook, or by confirming again
/// (which polls the gateway). Confirming a succeeded intent again charges
/// nothing and answers the same.
#[utoipa::path(post, path = "/v1/payments/intents/{id}/confirm", tag = "payments", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ConfirmRequest,
    responses((status = 200, body = ConfirmResponse),
        (status = 202, description = "awaiting the customer's authentication; confirm again to poll", body = ConfirmResponse),
        (status = 400, body = crate::error::ErrorBody),
        (status = 402, description = "card declined; the booking stays pending_payment", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 503, description = "the gateway did not answer; nothing was charged or it will settle", body = crate::error::ErrorBody)))]
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
    let start = state
        .with_db(async |c| {
            let payment = db::payments::find(c, &id)
                .await?
                .filter(|p| p.customer_id == me.id())
                .ok_or(ApiError::NotFound("payment"))?;
            if payment.status.is_final() {
                return Ok(Start::Done);
            }
            if payment.status == PaymentStatus::Processing {
                if let Some(reference) = payment.gateway_ref.clone() {
                    return Ok(Start::Poll(payment, reference));
                }
            }
            let began = db::payments::begin(c, &payment).await?;
            if !began {
                return Err(ApiError::Conflict(
                    "payment_in_progress",
                    "this payment is being processed".into(),
                ));
            }
            Ok(Start::Charge(payment))
        })
        .await?;
    let payment = match start {
        // Confirming a succeeded intent again charges nothing and answers the same.
        Start::Done => {
            return state
                .with_db(async |c| answer(c, &me, &id, None).await)
                .await
        }
        Start::Poll(payment, reference) => {
            let settled = capture::reconcile(&state, &payment, &reference).await?;
            return settled_answer(&state, &me, &payment, settled).await;
        }
        Start::Charge(payment) => payment,
    };
    // No connection is held while the gateway answers. The attempt is named
    // by the payment's state before `begin`, so a retry of this confirmation
    // is the same attempt and a confirmation after a decline a new one.
    let attempt = payment.updated_at.and_utc().timestamp_micros().to_string();
    let charged = state
        .gateway
        .charge(&ChargeOrder {
            payment_id: &payment.id,
            attempt: &attempt,
            amount: payment.amount,
            currency: &payment.currency,
            method: &req.payment_method,
        })
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
    let settled = match charged {
        Ok(ChargeOutcome::Captured { reference }) => {
            // Keep the reference first, so the sweeper can finish an interrupted capture.
            keep_reference(&state, &payment, &reference).await?;
            capture::into_escrow(&state, &payment, &reference).await?;
            Settled::Escrow
        }
        Ok(ChargeOutcome::Pending {
            reference,
            client_secret,
        }) => {
            // The webhook, a poll or the sweeper finishes it from here.
            keep_reference(&state, &payment, &reference).await?;
            Settled::Pending { client_secret }
        }
        Ok(ChargeOutcome::Declined { code }) => {
            capture::declined(&state, &payment, &code).await?;
            Settled::Declined { code }
        }
        Err(GatewayError::UnknownMethod(m)) => {
            settle(
                nothing_charged(payment.status),
                payment.failure_code.as_deref(),
            )
            .await?;
            return Err(ApiError::validation(
                "payment_method",
                format!("`{m}` is not a payment method of this gateway"),
            ));
        }
        Err(e @ GatewayError::Unavailable(_)) => {
            settle(
                nothing_charged(payment.status),
                payment.failure_code.as_deref(),
            )
            .await?;
            tracing::error!(error = %e, "payment gateway unavailable");
            return Err(ApiError::Unavailable);
        }
    };
    settled_answer(&state, &me, &payment, settled).await
}

async fn keep_reference(state: &AppState, payment: &Payment, reference: &str) -> ApiResult<()> {
    state
        .with_db(async |c| Ok(db::payments::set_reference(c, &payment.id, reference).await?))
        .await
}

async fn settled_answer(
    state: &AppState,
    me: &AuthUser,
    payment: &Payment,
    settled: Settled,
) -> ApiResult<HttpResponse> {
    match settled {
        Settled::Escrow => {
            state
                .with_db(async |c| answer(c, me, &payment.id, None).await)
                .await
        }
        Settled::Pending { client_secret } => {
            let next = NextAction {
                kind: "authenticate",
                client_secret,
            };
            state
                .with_db(async |c| answer(c, me, &payment.id, Some(next)).await)
                .await
        }
        Settled::Declined { code } => Err(ApiError::PaymentRequired(
            code.clone(),
            format!("the card was refused ({code}); the booking still awaits payment"),
        )),
    }
}

/// Nothing was charged: the payment goes back to where it was before `begin`.
fn nothing_charged(before: PaymentStatus) -> PaymentEvent {
    match before {
        PaymentStatus::Failed => PaymentEvent::Interrupt,
        _ => PaymentEvent::Abandon,
    }
}

async fn answer(
    conn: &mut db::DbConn,
    me: &AuthUser,
    payment_id: &str,
    next_action: Option<NextAction>,
) -> ApiResult<HttpResponse> {
    let payment = db::payments::find(conn, payment_id)
        .await?
        .ok_or(ApiError::NotFound("payment"))?;
    let booking = db::bookings::find(conn, &payment.booking_id)
        .await?
        .ok_or(ApiError::NotFound("booking"))?;
    let mut res = if next_action.is_some() {
        HttpResponse::Accepted()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(ConfirmResponse {
        payment: PaymentView::from(&payment),
        booking: BookingView::new(&booking, me.id()),
        next_action,
    }))
}
