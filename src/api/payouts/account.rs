use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutAccountRequest {
    /// Where payouts go: for the simulated sender `sim_bank_ok` (paid),
    /// `sim_bank_closed` (refused) or `sim_bank_down` (an outage); for
    /// Stripe a connected account id (`acct_...`). 3 to 100 characters of
    /// letters, digits, `_`, `-`.
    pub destination: String,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutAccountView {
    pub destination: String,
}

/// Set where my payouts go (providers only).
#[utoipa::path(put, path = "/v1/wallet/payout-account", tag = "payments", security(("bearer" = [])),
    request_body = PayoutAccountRequest,
    responses((status = 200, body = PayoutAccountView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody)))]
pub async fn set(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<PayoutAccountRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let destination = req.destination.trim().to_owned();
    let ok = (3..=100).contains(&destination.len())
        && destination
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(ApiError::validation(
            "destination",
            "must be 3 to 100 letters, digits, _ or -",
        ));
    }
    if let Err(why) = state.payouts.check_destination(&destination) {
        return Err(ApiError::validation("destination", why));
    }
    state
        .with_db(async |c| Ok(db::payouts::set_destination(c, me.id(), &destination).await?))
        .await?;
    Ok(HttpResponse::Ok().json(PayoutAccountView { destination }))
}

/// Where my payouts go (providers only; 404 until set).
#[utoipa::path(get, path = "/v1/wallet/payout-account", tag = "payments", security(("bearer" = [])),
    responses((status = 200, body = PayoutAccountView),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let destination = state
        .with_db(async |c| {
            db::payouts::destination(c, me.id())
                .await?
                .ok_or(ApiError::NotFound("payout account"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(PayoutAccountView { destination }))
}
