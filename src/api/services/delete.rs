use actix_web::{web, HttpResponse};

use super::access::editable;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Delete a service (its provider, or an admin). The record stays for the
/// bookings that refer to it, but nobody can see or book it any more.
#[utoipa::path(delete, path = "/v1/services/{id}", tag = "services", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id")),
    responses((status = 204, description = "deleted"),
        (status = 403, description = "`not_owner`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .with_db(async |conn| {
            editable(conn, &me, &id).await?;
            if !db::services::soft_delete(conn, &id).await? {
                return Err(ApiError::NotFound("service"));
            }
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}
