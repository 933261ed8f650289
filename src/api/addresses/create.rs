use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{country, notes, optional, required, status_for, AddressView};
use crate::db::{self, addresses::Address};
use crate::domain::Location;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAddress {
    /// `Home`, `Office`, `Mum's`... (default `Home` for the first address,
    /// `Address` after).
    pub label: Option<String>,
    pub street: String,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Leave out to have it geocoded (in the background; see
    /// `geocode_status`), e.g. when the app has no place from
    /// `GET /v1/geo/search`.
    #[schema(value_type = Option<crate::api::views::LocationView>)]
    pub location: Option<Location>,
    /// For the provider: a gate code, the floor, where to park.
    pub access_notes: Option<String>,
    /// Make it the default (the first address always is).
    #[serde(default)]
    pub default: bool,
}

/// Save an address.
#[utoipa::path(post, path = "/v1/me/addresses", tag = "account", security(("bearer" = [])),
    request_body = CreateAddress,
    responses((status = 201, body = AddressView), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "the address book is full", body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<CreateAddress>,
) -> ApiResult<HttpResponse> {
    let street = required("street", &req.street, 200)?;
    let city = required("city", &req.city, 100)?;
    let region = optional("region", req.region.as_deref(), 100)?;
    let postal_code = optional("postal_code", req.postal_code.as_deref(), 20)?;
    let country = country(&req.country)?;
    let access_notes = notes(req.access_notes.as_deref())?;
    let label = optional("label", req.label.as_deref(), 40)?;
    let location = req.location.as_ref().map(|l| (l.lat, l.lng));
    let address = state
        .in_transaction(async |conn| {
            let held = db::addresses::count(conn, me.id()).await?;
            if held >= db::addresses::MAX_PER_USER {
                return Err(ApiError::Conflict(
                    "address_book_full",
                    format!(
                        "an account keeps at most {} addresses; delete one first",
                        db::addresses::MAX_PER_USER
                    ),
                ));
            }
            let first = held == 0;
            if req.default && !first {
                db::addresses::clear_default(conn, me.id()).await?;
            }
            let now = db::now();
            let address = Address {
                id: db::new_id(),
                user_id: me.id().to_owned(),
                label: label
                    .clone()
                    .unwrap_or_else(|| if first { "Home" } else { "Address" }.into()),
                street: street.clone(),
                city: city.clone(),
                region: region.clone(),
                postal_code: postal_code.clone(),
                country: country.clone(),
                location_lat: location.map(|l| l.0),
                location_lng: location.map(|l| l.1),
                access_notes: access_notes.clone(),
                is_default: first || req.default,
                geocode_status: status_for(location),
                geocode_tries: 0,
                created_at: now,
                updated_at: now,
            };
            db::addresses::insert(conn, &address).await?;
            Ok(address)
        })
        .await?;
    if address.location().is_none() {
        state.geo_wake.notify_one();
    }
    Ok(HttpResponse::Created().json(AddressView::from(&address)))
}
