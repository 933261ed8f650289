use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use onsite_actors::booking::{Actor, BookingEvent};
use onsite_actors::journal::Detail;
use onsite_actors::messages::Apply;
use serde::Deserialize;
use utoipa::ToSchema;

use super::view::BookingView;
use crate::booking_sessions;
use crate::db;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson, ValidJson};
use crate::state::AppState;

/// Sends `event` to the booking's session on behalf of `me` and answers with
/// the booking as it now is.
async fn run(
    state: &AppState,
    me: &AuthUser,
    id: &str,
    event: BookingEvent,
    reason: Option<String>,
    detail: Detail,
) -> ApiResult<HttpResponse> {
    let booking = state
        .with_db(async |conn| super::visible(conn, me, id).await)
        .await?;
    let actor = if me.id() == booking.provider_id {
        Actor::Provider
    } else if me.id() == booking.customer_id {
        Actor::Customer
    } else if me.role() == Role::Admin {
        Actor::Admin
    } else {
        return Err(ApiError::NotFound("booking"));
    };
    booking_sessions::apply(
        state,
        &booking.id,
        Apply {
            event,
            actor,
            by: Some(me.id().to_owned()),
            reason,
            detail,
        },
    )
    .await?;
    state
        .with_db(async |conn| {
            let booking = db::bookings::find(conn, &booking.id)
                .await?
                .ok_or(ApiError::NotFound("booking"))?;
            let sla = db::sla::find(conn, &booking.id).await?;
            Ok(HttpResponse::Ok()
                .json(BookingView::new(&booking, me.id()).with_sla(sla, &booking.currency)))
        })
        .await
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReasonRequest {
    pub reason: Option<String>,
}

fn reason(body: Option<ValidJson<ReasonRequest>>, required: bool) -> ApiResult<Option<String>> {
    let reason = body
        .and_then(|b| b.0.reason)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::validation(
            "reason",
            "must be at most 500 characters",
        ));
    }
    if required && reason.is_none() {
        return Err(ApiError::validation("reason", "is required"));
    }
    Ok(reason)
}

/// Provider accepts a paid request; the provider's chat token is minted and chat opens.
#[utoipa::path(post, path = "/v1/bookings/{id}/accept", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = BookingView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn accept(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    run(&state, &me, &id, BookingEvent::Accept, None, Detail::None).await
}

/// Provider declines a paid request; escrow is refunded in full.
#[utoipa::path(post, path = "/v1/bookings/{id}/decline", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Option<ReasonRequest>),
    responses((status = 200, body = BookingView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn decline(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: Option<ValidJson<ReasonRequest>>,
) -> ApiResult<HttpResponse> {
    let reason = reason(body, false)?;
    run(
        &state,
        &me,
        &id,
        BookingEvent::Decline,
        reason,
        Detail::None,
    )
    .await
}

/// Provider starts the job (only after arrival: 409 before).
#[utoipa::path(post, path = "/v1/bookings/{id}/start", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = BookingView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn start(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    run(&state, &me, &id, BookingEvent::Start, None, Detail::None).await
}

/// Provider completes the job; escrow is released (price minus commission, plus tip).
#[utoipa::path(post, path = "/v1/bookings/{id}/complete", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = BookingView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn complete(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    run(&state, &me, &id, BookingEvent::Complete, None, Detail::None).await
}

/// Customer, provider or admin cancels, with a reason; refunded per the cancellation policy.
#[utoipa::path(post, path = "/v1/bookings/{id}/cancel", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReasonRequest,
    responses((status = 200, body = BookingView), (status = 400, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: Option<ValidJson<ReasonRequest>>,
) -> ApiResult<HttpResponse> {
    // A stranger gets 404 before any word about the body.
    state
        .with_db(async |conn| super::visible(conn, &me, &id).await)
        .await?;
    let reason = reason(body, true)?;
    run(&state, &me, &id, BookingEvent::Cancel, reason, Detail::None).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// A free slot start.
    pub scheduled_at: DateTime<Utc>,
}

/// Customer moves a confirmed booking to another free slot.
#[utoipa::path(post, path = "/v1/bookings/{id}/reschedule", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RescheduleRequest,
    responses((status = 200, body = BookingView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn reschedule(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: LateJson<RescheduleRequest>,
) -> ApiResult<HttpResponse> {
    let slots = state
        .with_db(async |conn| {
            let booking = super::visible(conn, &me, &id).await?;
            if me.id() != booking.customer_id {
                return Err(ApiError::Forbidden(
                    "not_allowed",
                    "only the customer may reschedule".into(),
                ));
            }
            let req = body.parse()?;
            // The cut-off of the cancellation policy applies to moving the job too.
            if let Some(current) = booking.scheduled_at {
                if db::now() + state.config.money.cancel.cutoff > current {
                    return Err(ApiError::Conflict(
                        "reschedule_too_late",
                        "the booking starts too soon to be moved; cancel it instead".into(),
                    ));
                }
            } else {
                return Err(ApiError::Conflict(
                    "not_scheduled",
                    "an on-demand booking has no slot to move".into(),
                ));
            }
            let (service, profile) = (
                db::services::find(conn, &booking.service_id)
                    .await?
                    .ok_or(ApiError::NotFound("service"))?,
                crate::marketplace::ensure_bookable(conn, &booking.provider_id).await?,
            );
            let slots =
                crate::availability::booking_slots(conn, &profile, &service, req.scheduled_at)
                    .await?;
            Ok(slots)
        })
        .await?;
    run(
        &state,
        &me,
        &id,
        BookingEvent::Reschedule,
        None,
        Detail::Slots(slots.iter().map(|s| s.and_utc()).collect()),
    )
    .await
}
