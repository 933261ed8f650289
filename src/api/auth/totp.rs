use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{challenge, tokens};
use crate::db;
use crate::domain::{ClientInfo, LoginOutcome};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct TotpVerifyRequest {
    pub challenge_id: String,
    /// The authenticator's six-digit code, or a recovery code (`abcd-efgh`).
    pub code: String,
}

/// Complete a sign-in that answered `mfa_required`. A code is accepted once;
/// five wrong codes burn the challenge (sign in again).
#[utoipa::path(post, path = "/v1/auth/totp/verify", tag = "auth", request_body = TotpVerifyRequest,
    responses((status = 200, body = super::TokenPair),
        (status = 400, description = "wrong, reused, expired or burned", body = crate::error::ErrorBody),
        (status = 403, description = "account blocked meanwhile", body = crate::error::ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<TotpVerifyRequest>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let ch = match challenge::verify_second_step(&state, conn, &req.challenge_id, &req.code)
                .await
            {
                Ok(ch) => ch,
                Err(err) => {
                    super::otp::audit_failure(conn, &req.challenge_id, &client, &err).await?;
                    return Err(err.into());
                }
            };
            let user = match ch.user_id.as_deref() {
                Some(id) => db::users::find(conn, id).await?,
                None => None,
            }
            .filter(|u| u.is_active())
            .ok_or_else(|| {
                ApiError::Forbidden("account_blocked", "this account cannot sign in".into())
            })?;
            let pair = tokens::start_session(&state, conn, &user, &client).await?;
            db::audit::record(
                conn,
                Some(&user.id),
                user.identifier(),
                &client,
                LoginOutcome::Success,
            )
            .await?;
            Ok(HttpResponse::Ok().json(super::TokenPair::from(pair)))
        })
        .await
}
