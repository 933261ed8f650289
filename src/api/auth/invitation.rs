use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::auth::challenge::{self, Purpose};
use crate::auth::{password, tokens};
use crate::db;
use crate::domain::ClientInfo;
use crate::domain::{Password, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation email.
    pub token: String,
    /// 8+ characters with upper, lower and a digit.
    #[schema(value_type = String)]
    pub password: Password,
}

/// Accept an invitation: set the invited account's password (the token is
/// single use, 7 days). Confirms the email address. A provider is signed in
/// at once (a token pair); an admin gets `{"status": "password_set"}` and
/// signs in with the emailed code like every admin.
#[utoipa::path(post, path = "/v1/auth/invitations/accept", tag = "auth",
    request_body = AcceptInvitationRequest,
    responses((status = 200, description = "tokens (providers) or `{\"status\": \"password_set\"}` (admins)",
            body = super::TokenPair),
        (status = 400, description = "`invalid_token` or a weak password", body = crate::error::ErrorBody)))]
pub async fn accept(
    state: web::Data<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<AcceptInvitationRequest>,
) -> ApiResult<HttpResponse> {
    Ok(
        match accept_token(&state, &client, &req.token, &req.password, true).await? {
            Accepted::SignedIn(pair) => HttpResponse::Ok().json(pair),
            Accepted::PasswordSet => HttpResponse::Ok().json(StatusView {
                status: "password_set",
            }),
        },
    )
}

/// What accepting an invitation led to.
pub enum Accepted {
    /// A provider, signed in at once.
    SignedIn(Box<super::TokenPair>),
    /// An admin (who signs in with the emailed code), or anyone accepting
    /// in a browser (who signs in in the app).
    PasswordSet,
}

/// Accepts the invitation behind `token` with `password` (the API's and the
/// browser page's path); `sign_in`: a provider gets a session at once.
pub async fn accept_token(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    password: &Password,
    sign_in: bool,
) -> ApiResult<Accepted> {
    // Hash first (without holding a connection): redeeming burns the token,
    // which must not be lost to a slow hash.
    let hash = password::hash_async(password.expose().to_owned()).await?;
    state
        .with_db(async |conn| {
            let ch = challenge::redeem_token(conn, token, Purpose::Invitation).await?;
            let user = match ch.user_id.as_deref() {
                Some(id) => db::users::find(conn, id).await?,
                None => None,
            }
            .filter(|u| u.is_active() && u.email.as_deref() == Some(ch.destination.as_str()))
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "invalid_token",
                    "this link is invalid, expired or already used".into(),
                )
            })?;
            db::users::set_password(conn, &user.id, &hash).await?;
            if user.email_verified_at.is_none() {
                db::users::mark_email_verified(conn, &user.id).await?;
            }
            tracing::info!(user = %user.id, role = %user.role, "invitation accepted");
            if user.role == Role::Admin || !sign_in {
                return Ok(Accepted::PasswordSet);
            }
            let user = db::users::find(conn, &user.id)
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            let pair = tokens::start_session(state, conn, &user, client).await?;
            Ok(Accepted::SignedIn(Box::new(super::TokenPair::from(pair))))
        })
        .await
}
