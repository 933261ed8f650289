use actix_web::{web, HttpResponse};

use super::invite::{invite, InviteRequest, InviteResponse};
use crate::domain::{ClientInfo, Role};
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// Create another admin (admins only), by the same invitation mechanism as
/// providers: the new admin chooses a password through the emailed link,
/// then signs in with the emailed code like every admin.
#[utoipa::path(post, path = "/v1/admin/admins", tag = "admin", security(("bearer" = [])),
    request_body = InviteRequest,
    responses((status = 201, body = InviteResponse), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 409, description = "email or phone taken", body = crate::error::ErrorBody)))]
pub async fn invite_admin(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    lang: crate::i18n::middleware::RequestLang,
    ValidJson(req): ValidJson<InviteRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let res = invite(&state, &me, &client, req, Role::Admin, lang).await?;
    Ok(HttpResponse::Created().json(res))
}
