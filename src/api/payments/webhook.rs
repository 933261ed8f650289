use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_json;
use crate::payments::webhook;
use crate::state::AppState;

/// A gateway callback. Signed with `x-onsite-signature: t=<unix>,v1=<hex
/// HMAC-SHA256(secret, "<t>.<body>")>`.
#[derive(Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// `charge.captured` (others are acknowledged and ignored).
    #[serde(rename = "type")]
    pub kind: String,
    pub payment_id: Option<String>,
    /// The gateway's charge reference.
    pub reference: Option<String>,
}

/// Receive a signed gateway callback. Bad signature: 400. Replays are harmless.
#[utoipa::path(post, path = "/v1/payments/webhooks/{gateway}", tag = "payments",
    params(("gateway" = String, Path, description = "`sim`")), request_body = WebhookEvent,
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
    let signature = req
        .headers()
        .get(webhook::HEADER)
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
    let event: WebhookEvent = parse_json(&body)?;
    if event.kind != "charge.captured" {
        return Ok(HttpResponse::Ok().json(StatusView { status: "ignored" }));
    }
    let (Some(payment_id), Some(reference)) = (event.payment_id, event.reference) else {
        return Err(ApiError::validation(
            "payment_id",
            "charge.captured needs payment_id and reference",
        ));
    };
    let mut conn = state.db.get().await?;
    let payment = db::payments::find(&mut conn, &payment_id)
        .await?
        .ok_or(ApiError::NotFound("payment"))?;
    if payment.status == "succeeded" {
        return Ok(HttpResponse::Ok().json(StatusView {
            status: "already_processed",
        }));
    }
    if payment.status != "processing"
        && !db::payments::transition(
            &mut conn,
            &payment.id,
            &payment.status,
            "processing",
            None,
            None,
        )
        .await?
    {
        return Ok(HttpResponse::Ok().json(StatusView {
            status: "already_processed",
        }));
    }
    drop(conn);
    super::capture::into_escrow(&state, &payment, &reference).await?;
    Ok(HttpResponse::Ok().json(StatusView {
        status: "processed",
    }))
}
