//! `/v1/geo`: typed addresses to places (`search`) and places to addresses
//! (`reverse`), through the configured geocoder. Signed-in callers only,
//! held to a per-account rate: the upstream service's quota is shared.

pub mod reverse;
pub mod search;

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::geocoding::{GeoError, Place};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/geo/search").route(web::get().to(search::search)))
        .service(web::resource("/v1/geo/reverse").route(web::get().to(reverse::reverse)));
}

#[derive(Serialize, ToSchema)]
pub struct PlaceList {
    /// Best first.
    pub items: Vec<Place>,
    /// `nominatim`, or `coordinates` when no geocoder is configured (then
    /// only `lat,lng` input is understood).
    pub source: &'static str,
}

impl From<GeoError> for ApiError {
    fn from(e: GeoError) -> Self {
        tracing::warn!(error = %e, "geocoder unavailable");
        ApiError::Upstream(
            "geocoder_unavailable",
            "the address search is unavailable; try again shortly, or place the pin by hand".into(),
        )
    }
}

/// The caller's language for place names: the first of `Accept-Language`.
fn language(req: &actix_web::HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 35
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .unwrap_or_else(|| "en".into())
}
