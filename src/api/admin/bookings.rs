use actix_web::{web, HttpResponse};
use onsite_actors::booking::BookingState;
use onsite_actors::messages::Force;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::bookings::read::{self, ListQuery};
use crate::api::bookings::view::BookingView;
use crate::api::views::Page;
use crate::booking_sessions;
use crate::db::{self, bookings::Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// Every booking, newest first, optionally by status.
#[utoipa::path(get, path = "/v1/admin/bookings", tag = "admin", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = Page<BookingView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    read::page(&state, &me, Viewer::Admin, query.into_inner()).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceRequest {
    /// The state to move the booking to.
    #[schema(value_type = String, example = "arrived")]
    pub to: BookingState,
    /// Why (mandatory; recorded in the journal with who did it).
    pub reason: String,
}

/// Move a booking to another state through its session, recorded with who and why.
#[utoipa::path(post, path = "/v1/admin/bookings/{id}/force", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ForceRequest,
    responses((status = 200, body = BookingView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn force(
    state: web::Data<AppState>,
    me: AuthUser,
    client: crate::domain::ClientInfo,
    id: web::Path<String>,
    ValidJson(req): ValidJson<ForceRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation(
            "reason",
            "is required (at most 500 characters)",
        ));
    }
    let booking = state
        .with_db(async |conn| Ok(db::bookings::find(conn, &id).await?))
        .await?
        .ok_or(ApiError::NotFound("booking"))?;
    booking_sessions::force(
        &state,
        &booking.id,
        Force {
            to: req.to,
            by: me.id().to_owned(),
            reason: reason.clone(),
        },
    )
    .await?;
    // After the session's commit (the journal has it too, with who and why).
    state.with_db(async |conn| {
        let before = booking.status;
        let booking = db::bookings::find(conn, &booking.id)
            .await?
            .ok_or(ApiError::NotFound("booking"))?;
        super::audit::record(
            conn,
            &me,
            &client,
            super::audit::Entry {
                action: "booking.force",
                target_type: "booking",
                target_id: &booking.id,
                before: Some(serde_json::json!({"status": before})),
                after: Some(serde_json::json!({"status": booking.status})),
                reason: Some(&reason),
            },
        )
        .await?;
        tracing::warn!(booking = %booking.id, admin = %me.id(), to = %booking.status, "booking forced");
        Ok(HttpResponse::Ok().json(BookingView::new(&booking, me.id())))
    })
    .await
}
