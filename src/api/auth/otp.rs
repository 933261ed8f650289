use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::challenge::{self, Purpose};
use crate::auth::AuthError;
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
            let user = challenge_account(conn, &ch, true).await?;
            let audit = super::login::Audit {
                identifier: user.identifier(),
                client: &client,
            };
            super::login::signed_in(&state, conn, &user, &client, &audit, StatusCode::OK).await
        })
        .await
}

/// The active account a settled second-step challenge belongs to (an
/// admin's, when `admin_only`); 403 otherwise.
pub(super) async fn challenge_account(
    conn: &mut db::DbConn,
    ch: &db::challenges::Challenge,
    admin_only: bool,
) -> ApiResult<db::users::User> {
    let user = match ch.user_id.as_deref() {
        Some(id) => db::users::find(conn, id).await?,
        None => None,
    };
    user.filter(|u| u.is_active() && (!admin_only || u.role == Role::Admin))
        .ok_or_else(|| ApiError::Forbidden("account_blocked", "this account cannot sign in".into()))
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
