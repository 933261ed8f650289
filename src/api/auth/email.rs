use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::auth::challenge::{self, Issued, Purpose};
use crate::db::{self, DbConn};
use crate::domain::Channel;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::{center, templates};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ChallengeSent {
    pub challenge_id: String,
    /// Seconds the code stays valid.
    pub expires_in: i64,
}

/// Leaves the mail with the code and link of an email-verification challenge
/// in the outbox and wakes the mail worker.
pub async fn queue_verification_mail(
    state: &AppState,
    conn: &mut DbConn,
    to: &str,
    issued: &Issued,
    lang: crate::i18n::Lang,
) -> ApiResult<()> {
    let code = issued.code.as_deref().unwrap_or_default();
    let token = issued.token.as_deref().unwrap_or_default();
    let link = format!(
        "{}/verify-email?token={token}",
        state.config.http.public_url
    );
    let mail = templates::localized(
        lang,
        "verify",
        &[("code", code), ("link", &link)],
        templates::verify_email(to, code, &link),
    );
    center::queue_mail(conn, &mail).await?;
    state.delivery.wake(Channel::Mail);
    Ok(())
}

/// Send (again) the email verification code and link.
#[utoipa::path(post, path = "/v1/auth/email/send-verification", tag = "auth", security(("bearer" = [])),
    responses((status = 202, body = ChallengeSent),
        (status = 409, description = "already verified", body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn send_verification(
    state: web::Data<AppState>,
    me: AuthUser,
) -> ApiResult<HttpResponse> {
    let Some(email) = me.user.email.clone() else {
        return Err(ApiError::BadRequest(
            "no_email",
            "add an email address with PATCH /v1/me first".into(),
        ));
    };
    if me.user.email_verified_at.is_some() {
        return Err(ApiError::Conflict(
            "already_verified",
            "this email address is already verified".into(),
        ));
    }
    state
        .limits
        .check(crate::edge::limits::Bucket::CodesAccount, me.id())?;
    let issued = state
        .with_db(async |conn| {
            let issued = challenge::issue(
                &state,
                conn,
                Some(me.id()),
                Purpose::EmailVerify,
                &email,
                true,
                true,
            )
            .await?;
            let lang = crate::i18n::Lang::of(me.user.language.as_deref());
            queue_verification_mail(&state, conn, &email, &issued, lang).await?;
            Ok(issued)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(ChallengeSent {
        challenge_id: issued.id,
        expires_in: 15 * 60,
    }))
}

/// Either the link `token`, or the `challenge_id` with its six-digit `code`.
#[derive(Deserialize, ToSchema)]
pub struct VerifyEmailRequest {
    pub token: Option<String>,
    pub challenge_id: Option<String>,
    pub code: Option<String>,
}

/// Confirm an email address by link token or code.
#[utoipa::path(post, path = "/v1/auth/email/verify", tag = "auth", request_body = VerifyEmailRequest,
    responses((status = 200, body = StatusView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    ValidJson(req): ValidJson<VerifyEmailRequest>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let ch = match (req.token, req.challenge_id, req.code) {
                (Some(token), _, _) => {
                    challenge::redeem_token(conn, &token, Purpose::EmailVerify).await?
                }
                (None, Some(id), Some(code)) => {
                    challenge::verify_code(&state, conn, &id, &code, Purpose::EmailVerify).await?
                }
                (None, None, _) => {
                    return Err(ApiError::validation(
                        "token",
                        "send `token`, or `challenge_id` and `code`",
                    ))
                }
                (None, Some(_), None) => {
                    return Err(ApiError::validation(
                        "code",
                        "is required with challenge_id",
                    ))
                }
            };
            confirm(conn, &ch).await?;
            Ok(HttpResponse::Ok().json(StatusView {
                status: "email_verified",
            }))
        })
        .await
}

/// Confirms the address by the link's token (the browser page's path).
pub async fn verify_token(state: &AppState, token: &str) -> ApiResult<()> {
    state
        .with_db(async |conn| {
            let ch = challenge::redeem_token(conn, token, Purpose::EmailVerify).await?;
            confirm(conn, &ch).await
        })
        .await
}

/// Marks the challenge's account verified, if its address is still the one
/// the challenge was sent to.
async fn confirm(conn: &mut db::DbConn, ch: &db::challenges::Challenge) -> ApiResult<()> {
    let user = match ch.user_id.as_deref() {
        Some(id) => db::users::find(conn, id).await?,
        None => None,
    };
    let Some(user) = user.filter(|u| u.email.as_deref() == Some(ch.destination.as_str())) else {
        return Err(ApiError::BadRequest(
            "challenge_stale",
            "the account's email has changed since this was sent".into(),
        ));
    };
    db::users::mark_email_verified(conn, &user.id).await?;
    Ok(())
}
