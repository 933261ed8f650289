use actix_web::{web, HttpResponse};

use super::not_found;
use crate::db;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// Delete a saved address (bookings made with it keep their copy). When it
/// was the default, the oldest remaining address becomes the default.
#[utoipa::path(delete, path = "/v1/me/addresses/{address}", tag = "account", security(("bearer" = [])),
    params(("address" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .in_transaction(async |conn| {
            if !db::addresses::delete(conn, me.id(), &path).await? {
                return Err(not_found());
            }
            db::addresses::ensure_default(conn, me.id()).await?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
