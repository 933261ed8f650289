use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::{PayoutPage, PayoutView};
use crate::api::cursor::{self, PageQuery};
use crate::db;
use crate::domain::Money;
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutRequest {
    /// In minor units, in the wallet's currency; at least
    /// `ONSITE_PAYOUT_MINIMUM` and at most what is available.
    pub amount: Money,
}

/// Take money out of my wallet (providers only): one pending payout at a
/// time, never more than `available` (`GET /v1/wallet`). With manual
/// approval it waits for an admin; with `auto` it is sent at once.
#[utoipa::path(post, path = "/v1/wallet/payouts", tag = "payments", security(("bearer" = [])),
    request_body = PayoutRequest,
    responses((status = 201, body = PayoutView),
        (status = 400, description = "below the minimum, another currency", body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody),
        (status = 409, description = "`no_payout_account`, `payout_pending`, `insufficient_funds`",
            body = crate::error::ErrorBody)))]
pub async fn request(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<PayoutRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let row = crate::payouts::request(&state, me.id(), &req.amount).await?;
    Ok(HttpResponse::Created().json(PayoutView::from(&row)))
}

/// My payouts, newest first (providers only).
#[utoipa::path(get, path = "/v1/wallet/payouts", tag = "payments", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = PayoutPage), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let limit = query.limit()?;
    let after = query.after()?;
    let rows = state
        .with_db(async |c| Ok(db::payouts::list(c, Some(me.id()), None, after, limit).await?))
        .await?;
    Ok(HttpResponse::Ok().json(PayoutPage {
        next_cursor: cursor::next(&rows, limit, |p| (p.created_at, p.id.clone())),
        items: rows.iter().map(PayoutView::from).collect(),
    }))
}
