use actix_web::{web, HttpResponse};

use crate::api::views::UserView;
use crate::db;
use crate::domain::{ClientInfo, UserStatus};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

async fn set_status(
    state: &AppState,
    me: &AuthUser,
    client: &ClientInfo,
    id: &str,
    status: UserStatus,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    if id == me.id() {
        return Err(ApiError::Conflict(
            "self",
            "admins cannot block themselves".into(),
        ));
    }
    state
        .in_transaction(async |conn| {
            let user = db::users::find(conn, id)
                .await?
                .filter(|u| u.status != UserStatus::Deleted)
                .ok_or(ApiError::NotFound("user"))?;
            db::users::set_status(conn, &user.id, status).await?;
            let action = if status == UserStatus::Blocked {
                "user.block"
            } else {
                "user.unblock"
            };
            super::audit::record(
                conn,
                me,
                client,
                super::audit::Entry {
                    action,
                    target_type: "user",
                    target_id: &user.id,
                    before: Some(serde_json::json!({"status": user.status})),
                    after: Some(serde_json::json!({"status": status})),
                    reason: None,
                },
            )
            .await?;
            if status == UserStatus::Blocked {
                db::sessions::revoke_all(conn, &user.id, None, "blocked").await?;
                crate::ws::close_user(state, &user.id);
                tracing::warn!(user = %user.id, admin = %me.id(), "user blocked");
            }
            let user = db::users::find(conn, id)
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            Ok(HttpResponse::Ok().json(UserView::from(&user)))
        })
        .await
}

/// Block a user: their sessions end and their sockets close with 4401.
#[utoipa::path(post, path = "/v1/admin/users/{id}/block", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn block(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(&state, &me, &client, &id, UserStatus::Blocked).await
}

/// Unblock a user (they log in again).
#[utoipa::path(post, path = "/v1/admin/users/{id}/unblock", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn unblock(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(&state, &me, &client, &id, UserStatus::Active).await
}
