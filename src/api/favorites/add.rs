use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::db;
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct FavoriteRequest {
    pub provider_id: String,
}

/// Adds a bookable provider to my favorites: 201 when added, 200 when it
/// already was one. 404 for anyone who is not a bookable provider.
#[utoipa::path(post, path = "/v1/favorites", tag = "favorites", security(("bearer" = [])),
    request_body = FavoriteRequest,
    responses((status = 201, body = StatusView), (status = 200, body = StatusView),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn add(
    state: web::Data<AppState>,
    me: AuthUser,
    body: ValidJson<FavoriteRequest>,
) -> ApiResult<HttpResponse> {
    super::customer(&me)?;
    let provider_id = body.0.provider_id;
    state
        .with_db(async |c| {
            marketplace::bookable_provider(c, &provider_id).await?;
            if db::favorites::add(c, me.id(), &provider_id, db::now()).await? {
                Ok(HttpResponse::Created().json(StatusView { status: "added" }))
            } else {
                Ok(HttpResponse::Ok().json(StatusView {
                    status: "already_a_favorite",
                }))
            }
        })
        .await
}
