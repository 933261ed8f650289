use actix_web::{web, HttpResponse};

use crate::api::views::{Page, SessionView};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// My live login sessions (devices), most recently used first.
#[utoipa::path(get, path = "/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Page<SessionView>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let items = db::sessions::list_live(conn, me.id())
                .await?
                .iter()
                .map(|s| SessionView::new(s, &me.session_id))
                .collect();
            Ok(HttpResponse::Ok().json(Page {
                items,
                next_cursor: None,
            }))
        })
        .await
}

/// Revoke one of my sessions (sign that device out).
#[utoipa::path(delete, path = "/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let mine = db::sessions::find_session(conn, &id)
                .await?
                .filter(|s| s.user_id == me.id() && s.revoked_at.is_none())
                .ok_or(ApiError::NotFound("session"))?;
            db::sessions::revoke(conn, &mine.id, "revoked_by_user").await?;
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}
