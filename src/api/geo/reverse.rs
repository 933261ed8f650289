use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{language, PlaceList};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReverseQuery {
    pub lat: f64,
    pub lng: f64,
}

/// What is at a point (an empty list where nothing is known, e.g. at sea).
#[utoipa::path(get, path = "/v1/geo/reverse", tag = "geo", security(("bearer" = [])),
    params(ReverseQuery),
    responses((status = 200, body = PlaceList), (status = 400, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody),
        (status = 503, description = "the geocoder is down", body = crate::error::ErrorBody)))]
pub async fn reverse(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    query: web::Query<ReverseQuery>,
) -> ApiResult<HttpResponse> {
    if !query.lat.is_finite() || !(-90.0..=90.0).contains(&query.lat) {
        return Err(ApiError::validation("lat", "must be a number in [-90, 90]"));
    }
    if !query.lng.is_finite() || !(-180.0..=180.0).contains(&query.lng) {
        return Err(ApiError::validation(
            "lng",
            "must be a number in [-180, 180]",
        ));
    }
    state
        .limits
        .check(crate::edge::limits::Bucket::GeoAccount, me.id())?;
    let place = state
        .geocoder
        .reverse(query.lat, query.lng, &language(&req))
        .await?;
    Ok(HttpResponse::Ok().json(PlaceList {
        items: place.into_iter().collect(),
        source: state.geocoder.source(),
    }))
}
