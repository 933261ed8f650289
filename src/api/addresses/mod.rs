//! `/v1/me/addresses`: each user's address book (a label, the street, city,
//! region, postal code and country, a location, notes for the provider such
//! as a gate code, one default). An address saved without a location is
//! geocoded in the background; a booking may name one by `address_id`.

pub mod create;
pub mod delete;
pub mod list;
pub mod update;

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::views::LocationView;
use crate::db::{self, addresses::Address};
use crate::domain::GeocodeStatus;
use crate::error::{ApiError, ApiResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/me/addresses")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/v1/me/addresses/{id}")
            .route(web::patch().to(update::update))
            .route(web::delete().to(delete::delete)),
    );
}

#[derive(Serialize, ToSchema)]
pub struct AddressView {
    pub id: String,
    pub label: String,
    pub street: String,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Absent while the geocoder is still placing it, or when it could not.
    pub location: Option<LocationView>,
    pub access_notes: Option<String>,
    pub default: bool,
    /// `given`, `pending`, `found` or `not_found`.
    pub geocode_status: GeocodeStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> Self {
        Self {
            id: a.id.clone(),
            label: a.label.clone(),
            street: a.street.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            location: a.location().map(|(lat, lng)| LocationView {
                lat,
                lng,
                address: None,
            }),
            access_notes: a.access_notes.clone(),
            default: a.is_default,
            geocode_status: a.geocode_status,
            created_at: db::utc(a.created_at),
            updated_at: db::utc(a.updated_at),
        }
    }
}

/// `value` trimmed, 1 to `max` characters.
fn required(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(ApiError::validation(
            field,
            format!("must be 1 to {max} characters of text"),
        ));
    }
    Ok(v.to_owned())
}

/// Like [`required`]; blank means none.
fn optional(field: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required(field, v, max).map(Some),
    }
}

/// Two letters, ISO 3166-1 alpha-2 shape (`za`, `IR`).
fn country(value: &str) -> ApiResult<String> {
    let v = value.trim().to_ascii_uppercase();
    if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::validation(
            "country",
            "must be a two-letter ISO 3166-1 code such as ZA or IR",
        ));
    }
    Ok(v)
}

/// Access notes may hold line breaks (and nothing else invisible).
fn notes(value: Option<&str>) -> ApiResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > 500 || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::validation(
            "access_notes",
            "must be at most 500 characters of text",
        ));
    }
    Ok(Some(v.to_owned()))
}

fn not_found() -> ApiError {
    ApiError::NotFound("address")
}

/// Where an address's location now comes from.
fn status_for(location: Option<(f64, f64)>) -> GeocodeStatus {
    if location.is_some() {
        GeocodeStatus::Given
    } else {
        GeocodeStatus::Pending
    }
}
