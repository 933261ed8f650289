use actix_web::web;

use crate::api::views::UserView;
use crate::extract::AuthUser;

/// The current user.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(me: AuthUser) -> web::Json<UserView> {
    web::Json(UserView::from(&me.user))
}
