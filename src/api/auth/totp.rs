use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::challenge;
use crate::domain::ClientInfo;
use crate::error::ApiResult;
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
            let user = super::otp::challenge_account(conn, &ch, false).await?;
            let audit = super::login::Audit {
                identifier: user.identifier(),
                client: &client,
            };
            super::login::signed_in(&state, conn, &user, &client, &audit, StatusCode::OK).await
        })
        .await
}
