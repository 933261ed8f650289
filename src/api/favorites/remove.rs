use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Removes a provider from my favorites; 404 if it was not one.
#[utoipa::path(delete, path = "/v1/favorites/{provider_id}", tag = "favorites", security(("bearer" = [])),
    params(("provider_id" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    super::customer(&me)?;
    let provider_id = path.into_inner();
    state
        .with_db(async |c| {
            if db::favorites::remove(c, me.id(), &provider_id).await? {
                Ok(HttpResponse::NoContent().finish())
            } else {
                Err(ApiError::NotFound("favorite"))
            }
        })
        .await
}
