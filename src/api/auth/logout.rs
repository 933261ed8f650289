use actix_web::{web, HttpResponse};

use crate::db;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// End this login session (its refresh tokens stop working at once).
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            db::sessions::revoke(conn, &me.session_id, "logout").await?;
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}

/// End every login session of this account.
#[utoipa::path(post, path = "/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout_all(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let n = db::sessions::revoke_all(conn, me.id(), None, "logout_all").await?;
            // Signed out everywhere: no device keeps receiving push either.
            db::devices::remove_all(conn, me.id()).await?;
            crate::ws::close_user(&state, me.id());
            tracing::info!(user = %me.id(), sessions = n, "logged out everywhere");
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}
