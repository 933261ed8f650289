use actix_web::{web, HttpResponse};
use onsite_actors::messages::{FixIn, Locate};
use onsite_actors::protocol::parse::RawFix;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LocationRequest {
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: Option<f64>,
    pub heading: Option<f64>,
    pub speed_mps: Option<f64>,
    /// Device time (RFC 3339), echoed exactly in `location` events.
    pub at: String,
}

/// A position fix over HTTP: the same rules as the websocket `location` frame.
#[utoipa::path(post, path = "/v1/bookings/{id}/location", tag = "realtime", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = LocationRequest,
    responses((status = 202, body = StatusView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn post(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: LateJson<LocationRequest>,
) -> ApiResult<HttpResponse> {
    let booking = state
        .with_db(async |conn| super::visible(conn, &me, &id).await)
        .await?;
    if !booking.is_party(me.id()) {
        return Err(ApiError::Forbidden(
            onsite_actors::protocol::ErrorCode::NotAParticipant.as_str(),
            "only the booking's parties send fixes".into(),
        ));
    }
    let req = body.parse()?;
    let fix = FixIn::parse(RawFix {
        lat: Some(req.lat),
        lng: Some(req.lng),
        accuracy_m: req.accuracy_m,
        heading: req.heading,
        speed_mps: req.speed_mps,
        at: Some(&req.at),
    })?;
    crate::booking_sessions::request(
        &state,
        &booking.id,
        Locate {
            user_id: me.id().into(),
            fix,
        },
    )
    .await?;
    metrics::counter!("onsite_location_fixes_total", "via" => "http").increment(1);
    Ok(HttpResponse::Accepted().json(StatusView { status: "accepted" }))
}
