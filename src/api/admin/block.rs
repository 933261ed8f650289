use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::api::views::UserView;
use crate::db::{self, schema::users};
use crate::db_run;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

async fn set_status(
    state: &AppState,
    me: &AuthUser,
    id: &str,
    status: &str,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    if id == me.id() {
        return Err(ApiError::Conflict(
            "self",
            "admins cannot block themselves".into(),
        ));
    }
    let mut conn = state.db.get().await?;
    let user = db::users::find(&mut conn, id)
        .await?
        .filter(|u| u.status != "deleted")
        .ok_or(ApiError::NotFound("user"))?;
    db_run!(conn, |c| diesel::update(users::table.find(&user.id))
        .set((users::status.eq(status), users::updated_at.eq(db::now())))
        .execute(c)
        .await)?;
    if status == "blocked" {
        db::sessions::revoke_all(&mut conn, &user.id, None, "blocked").await?;
        crate::ws::close_user(state, &user.id);
        tracing::warn!(user = %user.id, admin = %me.id(), "user blocked");
    }
    let user = db::users::find(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

/// Block a user: their sessions end and their sockets close with 4401.
#[utoipa::path(post, path = "/v1/admin/users/{id}/block", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn block(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(&state, &me, &id, "blocked").await
}

/// Unblock a user (they log in again).
#[utoipa::path(post, path = "/v1/admin/users/{id}/unblock", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn unblock(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(&state, &me, &id, "active").await
}
