use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use onsite_actors::messages::{FixIn, Locate};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
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
    ValidJson(req): ValidJson<LocationRequest>,
) -> ApiResult<HttpResponse> {
    if !req.lat.is_finite() || !(-90.0..=90.0).contains(&req.lat) {
        return Err(ApiError::validation("lat", "must be a number in [-90, 90]"));
    }
    if !req.lng.is_finite() || !(-180.0..=180.0).contains(&req.lng) {
        return Err(ApiError::validation(
            "lng",
            "must be a number in [-180, 180]",
        ));
    }
    for (name, v) in [
        ("accuracy_m", req.accuracy_m),
        ("heading", req.heading),
        ("speed_mps", req.speed_mps),
    ] {
        if v.is_some_and(|x| !x.is_finite() || x < 0.0) {
            return Err(ApiError::validation(name, "must be a finite number >= 0"));
        }
    }
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(&req.at)
        .map_err(|_| ApiError::validation("at", "must be an RFC 3339 time"))?
        .with_timezone(&Utc);
    let mut conn = state.db.get().await?;
    let booking = super::visible(&mut conn, &me, &id).await?;
    drop(conn);
    if !booking.is_party(me.id()) {
        return Err(ApiError::Forbidden(
            "not_a_participant",
            "only the booking's parties send fixes".into(),
        ));
    }
    let fix = FixIn {
        lat: req.lat,
        lng: req.lng,
        accuracy_m: req.accuracy_m,
        heading: req.heading,
        speed_mps: req.speed_mps,
        at,
        at_raw: req.at.clone().into(),
    };
    crate::sessions::send(
        &state,
        &booking.id,
        Locate {
            user_id: me.id().into(),
            fix,
        },
    )
    .await?;
    Ok(HttpResponse::Accepted().json(StatusView { status: "accepted" }))
}
