use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Unread {
    /// How many of the caller's notifications are still unread.
    pub unread_count: i64,
}

/// Mark one of my notifications read (again is harmless).
#[utoipa::path(post, path = "/v1/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Unread), (status = 404, body = crate::error::ErrorBody)))]
pub async fn read(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            if !db::notifications::mark_read(conn, me.id(), &id).await? {
                return Err(ApiError::NotFound("notification"));
            }
            let unread_count = db::notifications::unread_count(conn, me.id()).await?;
            Ok(HttpResponse::Ok().json(Unread { unread_count }))
        })
        .await
}

/// Mark all my notifications read.
#[utoipa::path(post, path = "/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Unread), (status = 401, body = crate::error::ErrorBody)))]
pub async fn read_all(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            db::notifications::mark_all_read(conn, me.id()).await?;
            Ok(HttpResponse::Ok().json(Unread { unread_count: 0 }))
        })
        .await
}
