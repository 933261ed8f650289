use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{country, not_found, notes, optional, required, status_for, AddressView};
use crate::db;
use crate::domain::{nullable, Location};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// Fields to change; absent fields stay, `null` clears the optional ones.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAddress {
    pub label: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub postal_code: Option<Option<String>>,
    pub country: Option<String>,
    /// A new place; `null` (or changing the street, city, region, postal
    /// code or country without one) has it geocoded again.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::api::views::LocationView>)]
    pub location: Option<Option<Location>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub access_notes: Option<Option<String>>,
    /// `true` makes it the default; the default cannot be unset (make
    /// another one the default instead).
    pub default: Option<bool>,
}

/// Change a saved address.
#[utoipa::path(patch, path = "/v1/me/addresses/{address}", tag = "account", security(("bearer" = [])),
    params(("address" = String, Path)), request_body = UpdateAddress,
    responses((status = 200, body = AddressView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
    ValidJson(req): ValidJson<UpdateAddress>,
) -> ApiResult<HttpResponse> {
    if req.default == Some(false) {
        return Err(ApiError::validation(
            "default",
            "make another address the default instead",
        ));
    }
    let address = state
        .in_transaction(async |conn| {
            let mut a = db::addresses::find(conn, me.id(), &path)
                .await?
                .ok_or_else(not_found)?;
            let before = a.one_line();
            if let Some(label) = &req.label {
                a.label = required("label", label, 40)?;
            }
            if let Some(street) = &req.street {
                a.street = required("street", street, 200)?;
            }
            if let Some(city) = &req.city {
                a.city = required("city", city, 100)?;
            }
            if let Some(region) = &req.region {
                a.region = optional("region", region.as_deref(), 100)?;
            }
            if let Some(code) = &req.postal_code {
                a.postal_code = optional("postal_code", code.as_deref(), 20)?;
            }
            if let Some(c) = &req.country {
                a.country = country(c)?;
            }
            if let Some(n) = &req.access_notes {
                a.access_notes = notes(n.as_deref())?;
            }
            let moved = a.one_line() != before;
            let location = match &req.location {
                Some(given) => Some(given.as_ref().map(|l| (l.lat, l.lng))),
                // Elsewhere now: the old point would send the provider astray.
                None if moved => Some(None),
                None => None,
            };
            if let Some(location) = location {
                a.location_lat = location.map(|l| l.0);
                a.location_lng = location.map(|l| l.1);
                a.geocode_status = status_for(location);
                a.geocode_tries = 0;
            }
            if req.default == Some(true) && !a.is_default {
                db::addresses::clear_default(conn, me.id()).await?;
                a.is_default = true;
            }
            a.updated_at = db::now();
            db::addresses::save(conn, &a).await?;
            Ok(a)
        })
        .await?;
    if address.location().is_none() {
        state.geo_wake.notify_one();
    }
    Ok(HttpResponse::Ok().json(AddressView::from(&address)))
}
