use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_json;
use crate::payments::webhook;
use crate::state::AppState;
use onsite_actors::payment::PaymentStatus;

/// A gateway callback. Signed with `x-onsite-signature: t=<unix>,v1=<hex
/// HMAC-SHA256(secret, "<t>.<body>")>`.
#[derive(Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// `charge.captured` (others are acknowledged and ignored).
    #[serde(rename = "type")]
    pub kind: WebhookKind,
    pub payment_id: Option<String>,
    /// The gateway's charge reference.
    pub reference: Option<String>,
}

/// The gateway events this server acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum WebhookKind {
    /// The charge was captured: the payment goes into escrow.
    #[serde(rename = "charge.captured")]
    ChargeCaptured,
    /// Anything else: acknowledged and ignored.
    #[serde(other)]
    Other,
}

/// Receive a signed gateway callback. `sim`: `x-onsite-signature`, events
/// as below. `stripe`: `Stripe-Signature` with the endpoint's secret, Stripe
/// events (`payment_intent.succeeded`, `.amount_capturable_updated`,
/// `.payment_failed`, `.canceled`; others acknowledged), each event id
/// handled once. Bad or stale signature: 400. Replays are harmless.
#[utoipa::path(post, path = "/v1/payments/webhooks/{gateway}", tag = "payments",
    params(("gateway" = String, Path, description = "`sim` or `stripe` (the configured gateway)")), request_body = WebhookEvent,
    responses((status = 200, body = StatusView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn receive(
    state: web::Data<AppState>,
    gateway: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    if gateway.as_str() != state.gateway.name() {
        return Err(ApiError::NotFound("gateway"));
    }
    let is_stripe = gateway.as_str() == "stripe";
    let header = if is_stripe {
        webhook::STRIPE_HEADER
    } else {
        webhook::HEADER
    };
    let signature = req
        .headers()
        .get(header)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !webhook::verify(
        &state.webhook_secret,
        signature,
        &body,
        chrono::Utc::now().timestamp(),
    ) {
        return Err(ApiError::BadRequest(
            "invalid_signature",
            "the webhook signature is missing, wrong or stale".into(),
        ));
    }
    if is_stripe {
        let status = crate::payments::stripe::events::handle(&state, &body).await?;
        return Ok(HttpResponse::Ok().json(StatusView { status }));
    }
    let event: WebhookEvent = parse_json(&body)?;
    if event.kind != WebhookKind::ChargeCaptured {
        return Ok(HttpResponse::Ok().json(StatusView { status: "ignored" }));
    }
    let (Some(payment_id), Some(reference)) = (event.payment_id, event.reference) else {
        return Err(ApiError::validation(
            "payment_id",
            "charge.captured needs payment_id and reference",
        ));
    };
    let payment = state
        .with_db(async |c| {
            let payment = db::payments::find(c, &payment_id)
                .await?
                .ok_or(ApiError::NotFound("payment"))?;
            if payment.status == PaymentStatus::Processing {
                return Ok(Some(payment));
            }
            // A succeeded payment is refused by the table: already processed.
            let began = db::payments::begin(c, &payment).await?;
            Ok(began.then_some(payment))
        })
        .await?;
    let Some(payment) = payment else {
        return Ok(HttpResponse::Ok().json(StatusView {
            status: "already_processed",
        }));
    };
    use crate::payments::capture;
    let status = match capture::into_escrow(&state, &payment, &reference).await {
        Ok(()) => "processed",
        // Refunded at the gateway: handled, so the sender stops redelivering.
        Err(ApiError::Conflict(capture::VOIDED, _)) => "voided",
        Err(e) => return Err(e),
    };
    Ok(HttpResponse::Ok().json(StatusView { status }))
}
