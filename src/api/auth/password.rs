use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::auth::challenge::{self, Purpose};
use crate::auth::password;
use crate::db;
use crate::domain::{Channel, Email, Password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::{center, templates};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct ForgotRequest {
    #[schema(value_type = String, format = "email")]
    pub email: Email,
}

/// Ask for a password-reset link. Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/v1/auth/password/forgot", tag = "auth", request_body = ForgotRequest,
    responses((status = 202, body = StatusView)))]
pub async fn forgot(
    state: web::Data<AppState>,
    ValidJson(req): ValidJson<ForgotRequest>,
) -> ApiResult<HttpResponse> {
    // The work happens after the answer, so its timing says nothing about the
    // account; an address asked for too often is answered the same, unsent.
    let key = req.email.as_str().to_lowercase();
    if state
        .limits
        .check(crate::edge::limits::Bucket::CodesAccount, &key)
        .is_err()
    {
        tracing::info!("password reset not sent: too many for this address");
        return Ok(HttpResponse::Accepted().json(StatusView { status: "accepted" }));
    }
    let state = state.into_inner();
    actix_web::rt::spawn(async move {
        if let Err(e) = send_reset(&state, req.email).await {
            if !matches!(e, ApiError::RateLimited { .. }) {
                tracing::error!(error = %e, "password reset could not be sent");
            }
        }
    });
    Ok(HttpResponse::Accepted().json(StatusView { status: "accepted" }))
}

async fn send_reset(state: &crate::state::AppState, email: Email) -> ApiResult<()> {
    state
        .with_db(async |conn| {
            let Some(user) = db::users::find_by_email(conn, email.as_str()).await? else {
                return Ok(());
            };
            if !user.is_active() {
                return Ok(());
            }
            let issued = challenge::issue(
                state,
                conn,
                Some(&user.id),
                Purpose::PasswordReset,
                email.as_str(),
                false,
                true,
            )
            .await?;
            let token = issued.token.unwrap_or_default();
            let link = format!(
                "{}/reset-password?token={token}",
                state.config.http.public_url
            );
            let mail = templates::localized(
                crate::i18n::Lang::of(user.language.as_deref()),
                "reset",
                &[("link", &link), ("token", &token)],
                templates::password_reset(email.as_str(), &token, &link),
            );
            center::queue_mail(conn, &mail).await?;
            state.delivery.wake(Channel::Mail);
            Ok(())
        })
        .await
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    /// The token from the reset email.
    pub token: String,
    #[schema(value_type = String)]
    pub new_password: Password,
}

/// Set a new password with a reset token (single use, 30 minutes). Signs out every session.
#[utoipa::path(post, path = "/v1/auth/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 200, body = StatusView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn reset(
    state: web::Data<AppState>,
    ValidJson(req): ValidJson<ResetRequest>,
) -> ApiResult<HttpResponse> {
    reset_with_token(&state, &req.token, &req.new_password).await?;
    Ok(HttpResponse::Ok().json(StatusView {
        status: "password_reset",
    }))
}

/// Sets a new password with a reset token (the API's and the browser page's path).
pub async fn reset_with_token(
    state: &AppState,
    token: &str,
    new_password: &Password,
) -> ApiResult<()> {
    let user = state
        .with_db(async |conn| {
            let ch = challenge::redeem_token(conn, token, Purpose::PasswordReset).await?;
            match ch.user_id.as_deref() {
                Some(id) => Ok(db::users::find(conn, id).await?),
                None => Ok(None),
            }
        })
        .await?
        .filter(|u| u.is_active())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "invalid_token",
                "this link is invalid, expired or already used".into(),
            )
        })?;
    let hash = password::hash_async(new_password.expose().to_owned()).await?;
    state
        .in_transaction(async |conn| {
            db::users::set_password(conn, &user.id, &hash).await?;
            db::sessions::revoke_all(conn, &user.id, None, "password_reset").await?;
            db::devices::remove_all(conn, &user.id).await?;
            if let Some(to) = &user.email {
                let lang = crate::i18n::Lang::of(user.language.as_deref());
                let mail = templates::localized(
                    lang,
                    "password-changed",
                    &[],
                    templates::password_changed(to),
                );
                center::queue_mail(conn, &mail).await?;
            }
            Ok(())
        })
        .await?;
    state.delivery.wake(Channel::Mail);
    crate::ws::close_user(state, &user.id);
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct ChangeRequest {
    pub current_password: String,
    #[schema(value_type = String)]
    pub new_password: Password,
}

/// Change the password; every other session is signed out.
#[utoipa::path(post, path = "/v1/auth/password/change", tag = "auth", security(("bearer" = [])),
    request_body = ChangeRequest,
    responses((status = 200, body = StatusView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<ChangeRequest>,
) -> ApiResult<HttpResponse> {
    let ok = password::verify_async(
        req.current_password,
        me.user.password_hash.clone(),
        state.dummy_hash.clone(),
    )
    .await?;
    if !ok {
        return Err(ApiError::validation(
            "current_password",
            "is not this account's password",
        ));
    }
    let hash = password::hash_async(req.new_password.expose().to_owned()).await?;
    state
        .in_transaction(async |conn| {
            db::users::set_password(conn, me.id(), &hash).await?;
            db::sessions::revoke_all(conn, me.id(), Some(&me.session_id), "password_changed")
                .await?;
            // Whoever else was signed in loses push too; this app registers again.
            db::devices::remove_all(conn, me.id()).await?;
            if let Some(to) = &me.user.email {
                let lang = crate::i18n::Lang::of(me.user.language.as_deref());
                let mail = templates::localized(
                    lang,
                    "password-changed",
                    &[],
                    templates::password_changed(to),
                );
                center::queue_mail(conn, &mail).await?;
            }
            Ok(())
        })
        .await?;
    state.delivery.wake(Channel::Mail);
    // Sockets opened by the revoked sessions must not keep receiving data.
    crate::ws::close_user(&state, me.id());
    Ok(HttpResponse::Ok().json(StatusView {
        status: "password_changed",
    }))
}
