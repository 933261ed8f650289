use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::ProviderView;
use crate::db;
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineRequest {
    pub online: bool,
}

/// Go online or offline (providers only). Going online needs a complete,
/// verified profile (403 `profile_incomplete` / `provider_not_verified`);
/// going offline always works.
#[utoipa::path(put, path = "/v1/providers/me/online", tag = "providers", security(("bearer" = [])),
    request_body = OnlineRequest,
    responses((status = 200, body = ProviderView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`, `profile_incomplete` or `provider_not_verified`",
            body = crate::error::ErrorBody)))]
pub async fn put(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<OnlineRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    state
        .with_db(async |conn| {
            db::providers::find_or_create(conn, me.id()).await?;
            if req.online {
                marketplace::ensure_bookable(conn, me.id()).await?;
            }
            db::providers::set_online(conn, me.id(), req.online).await?;
            let profile = db::providers::find_or_create(conn, me.id()).await?;
            Ok(HttpResponse::Ok().json(ProviderView::own(&me.user, &profile)))
        })
        .await
}
