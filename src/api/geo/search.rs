use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{language, PlaceList};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What the user typed: an address, a place name, or `lat,lng`.
    pub q: String,
    /// 1 to 10 (default 5).
    pub limit: Option<usize>,
}

/// Find places for a typed address.
#[utoipa::path(get, path = "/v1/geo/search", tag = "geo", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = PlaceList), (status = 400, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody),
        (status = 503, description = "the geocoder is down", body = crate::error::ErrorBody)))]
pub async fn search(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.q.trim();
    if q.chars().count() < 3 || q.chars().count() > 200 {
        return Err(ApiError::validation("q", "must be 3 to 200 characters"));
    }
    let limit = query.limit.unwrap_or(5);
    if !(1..=10).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 10"));
    }
    state
        .limits
        .check(crate::edge::limits::Bucket::GeoAccount, me.id())?;
    let items = state.geocoder.search(q, &language(&req), limit).await?;
    Ok(HttpResponse::Ok().json(PlaceList {
        items,
        source: state.geocoder.source(),
    }))
}
