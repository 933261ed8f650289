use actix_web::{web, HttpResponse};

use super::invite::{invite, InviteRequest, InviteResponse};
use crate::domain::{ClientInfo, Role};
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// Invite a provider (admins only): creates the provider account without a
/// password and emails a single-use link (7 days) to choose one with
/// `POST /v1/auth/invitations/accept`. The account still needs a complete
/// profile and verification before it can be booked.
#[utoipa::path(post, path = "/v1/admin/providers", tag = "admin", security(("bearer" = [])),
    request_body = InviteRequest,
    responses((status = 201, body = InviteResponse), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 409, description = "email or phone taken", body = crate::error::ErrorBody)))]
pub async fn invite_provider(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    lang: crate::i18n::middleware::RequestLang,
    ValidJson(req): ValidJson<InviteRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let res = invite(&state, &me, &client, req, Role::Provider, lang).await?;
    Ok(HttpResponse::Created().json(res))
}
