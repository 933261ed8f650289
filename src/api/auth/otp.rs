use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::challenge::{self, Purpose};
use crate::auth::{tokens, AuthError};
use crate::db;
use crate::domain::ClientInfo;
use crate::domain::{LoginOutcome, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct OtpVerifyRequest {
    pub challenge_id: String,
    /// The six-digit code from the email.
    pub code: String,
}

/// Complete an admin login with the emailed code.
#[utoipa::path(post, path = "/v1/auth/otp/verify", tag = "auth", request_body = OtpVerifyRequest,
    responses((status = 200, body = super::TokenPair),
        (status = 400, description = "wrong, expired, used or burned code", body = crate::error::ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<OtpVerifyRequest>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let result = challenge::verify_code(
                &state,
                conn,
                &req.challenge_id,
                &req.code,
                Purpose::AdminLogin,
            )
            .await;
            let ch = match result {
                Ok(ch) => ch,
                Err(err) => {
                    audit_failure(conn, &req.challenge_id, &client, &err).await?;
                    return Err(err.into());
                }
            };
            let user = match ch.user_id.as_deref() {
                Some(id) => db::users::find(conn, id).await?,
                None => None,
            }
            .filter(|u| u.is_active() && u.role == Role::Admin)
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

/// Writes a refused second-step code to the login audit (burned or failed)
/// under the challenge's account.
pub(super) async fn audit_failure(
    conn: &mut db::DbConn,
    challenge_id: &str,
    client: &ClientInfo,
    err: &AuthError,
) -> ApiResult<()> {
    if let Some(ch) = db::challenges::find(conn, challenge_id).await? {
        let outcome = if matches!(err, AuthError::Burned) {
            LoginOutcome::OtpBurned
        } else {
            LoginOutcome::OtpFailed
        };
        db::audit::record(
            conn,
            ch.user_id.as_deref(),
            &ch.destination,
            client,
            outcome,
        )
        .await?;
    }
    Ok(())
}
