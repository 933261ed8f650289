use actix_web::{web, HttpResponse};
use onsite_actors::booking::BookingState;
use onsite_actors::messages::Force;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::bookings::read;
use crate::api::bookings::view::BookingView;
use crate::api::cursor::PageQuery;
use crate::api::views::Page;
use crate::booking_sessions;
use crate::db::{self, bookings::BookingFilter, bookings::Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct AdminBookingQuery {
    /// Only bookings in this status.
    pub status: Option<String>,
    pub provider_id: Option<String>,
    pub customer_id: Option<String>,
    /// Created on or after this day, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Created on or before this day, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Every booking, newest first, by status, provider, customer and creation day.
#[utoipa::path(get, path = "/v1/admin/bookings", tag = "admin", security(("bearer" = [])),
    params(AdminBookingQuery),
    responses((status = 200, body = Page<BookingView>), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<AdminBookingQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let (from, to) = crate::api::dates::day_range(q.from.as_deref(), q.to.as_deref())?;
    let filter = BookingFilter {
        status: read::status(q.status.as_deref())?,
        provider_id: q.provider_id,
        customer_id: q.customer_id,
        from,
        to,
    };
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    read::filtered(&state, &me, Viewer::Admin, &filter, paging).await
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
