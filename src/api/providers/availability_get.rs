use actix_web::{web, HttpResponse};

use super::schedule::AvailabilityView;
use crate::db;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// My weekly hours, slot settings and upcoming exceptions (providers only).
#[utoipa::path(get, path = "/v1/providers/me/availability", tag = "availability", security(("bearer" = [])),
    responses((status = 200, body = AvailabilityView),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    state
        .with_db(async |conn| {
            let profile = db::providers::find_or_create(conn, me.id()).await?;
            Ok(HttpResponse::Ok().json(AvailabilityView::load(conn, &profile).await?))
        })
        .await
}
