use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::tokens;
use crate::domain::ClientInfo;
use crate::error::ApiResult;
use crate::extract::ValidJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for a new pair; the presented token is spent.
/// Presenting a spent token revokes its whole session.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = super::TokenPair),
        (status = 401, description = "unknown, revoked or reused token", body = crate::error::ErrorBody)))]
pub async fn refresh(
    state: web::Data<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let pair = tokens::rotate(&state, conn, &req.refresh_token, &client).await?;
            Ok(HttpResponse::Ok().json(super::TokenPair::from(pair)))
        })
        .await
}
