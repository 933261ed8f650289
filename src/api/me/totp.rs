//! `/v1/me/totp`: two-step sign-in with an authenticator app, for anyone.
//! Enrol (the secret is shown once, as text, an `otpauth://` URI and a QR
//! code), confirm with a code (recovery codes are shown once), turn off with
//! the password and a code.

use actix_web::{web, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::auth::{password, totp};
use crate::db;
use crate::domain::Channel;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::{center, templates};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct TotpStatus {
    /// Signing in asks for a code.
    pub enabled: bool,
    /// An enrolment waits for its confirming code.
    pub pending: bool,
    pub recovery_codes_left: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordProof {
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    /// Base32, for typing into the app. Shown this once.
    pub secret: String,
    /// `otpauth://totp/...`, for a link or a QR code.
    pub otpauth_uri: String,
    /// The URI as a QR code, `data:image/png;base64,...`.
    pub qr_png: String,
}

#[derive(Deserialize, ToSchema)]
pub struct CodeProof {
    /// The app's current six-digit code.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Each signs in once instead of an app code. Shown this once.
    pub recovery_codes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct DisableRequest {
    pub password: String,
    /// An app code or a recovery code.
    pub code: String,
}

async fn check_password(state: &AppState, me: &AuthUser, given: String) -> ApiResult<()> {
    let ok = password::verify_async(
        given,
        me.user.password_hash.clone(),
        state.dummy_hash.clone(),
    )
    .await?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "wrong_password",
            "that is not this account's password".into(),
        ))
    }
}

/// Whether two-step sign-in is on.
#[utoipa::path(get, path = "/v1/me/totp", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = TotpStatus)))]
pub async fn status(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    state
        .with_db(async |c| {
            let row = db::totp::find(c, me.id()).await?;
            Ok(HttpResponse::Ok().json(TotpStatus {
                enabled: row.as_ref().is_some_and(|t| t.confirmed_at.is_some()),
                pending: row.as_ref().is_some_and(|t| t.confirmed_at.is_none()),
                recovery_codes_left: db::totp::recovery_left(c, me.id()).await?,
            }))
        })
        .await
}

/// Start enrolling an authenticator app (needs the password). A new call
/// replaces an unconfirmed enrolment; once on, turn it off first (409).
#[utoipa::path(post, path = "/v1/me/totp", tag = "account", security(("bearer" = [])),
    request_body = PasswordProof,
    responses((status = 201, body = Enrolment), (status = 403, body = crate::error::ErrorBody),
        (status = 409, description = "already on", body = crate::error::ErrorBody)))]
pub async fn enrol(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<PasswordProof>,
) -> ApiResult<HttpResponse> {
    check_password(&state, &me, req.password).await?;
    let secret = totp::new_secret();
    let account = me
        .user
        .username
        .clone()
        .unwrap_or_else(|| me.user.identifier().to_owned());
    let generator = totp::generator(&secret, &state.config.platform.name, &account)?;
    let png = generator
        .get_qr_png()
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    state
        .with_db(async |c| {
            if db::totp::confirmed(c, me.id()).await?.is_some() {
                return Err(ApiError::Conflict(
                    "totp_enabled",
                    "two-step sign-in is already on; turn it off first to enrol another app".into(),
                ));
            }
            Ok(db::totp::enrol(c, me.id(), &secret).await?)
        })
        .await?;
    Ok(HttpResponse::Created().json(Enrolment {
        otpauth_uri: generator.get_url(),
        qr_png: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        secret,
    }))
}

/// Confirm the enrolment with the app's code: two-step sign-in is on from
/// now, and the recovery codes are shown this once.
#[utoipa::path(post, path = "/v1/me/totp/confirm", tag = "account", security(("bearer" = [])),
    request_body = CodeProof,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "nothing to confirm", body = crate::error::ErrorBody)))]
pub async fn confirm(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<CodeProof>,
) -> ApiResult<HttpResponse> {
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| totp::recovery_hash(&state.code_key, me.id(), c))
        .collect();
    state
        .in_transaction(async |c| {
            let pending = db::totp::find(c, me.id()).await?;
            if pending.is_none_or(|t| t.confirmed_at.is_some()) {
                return Err(ApiError::Conflict(
                    "no_enrolment",
                    "start with POST /v1/me/totp".into(),
                ));
            }
            if !totp::check(&state, c, me.id(), &req.code, true).await? {
                return Err(ApiError::validation(
                    "code",
                    "is not the app's current code",
                ));
            }
            db::totp::set_recovery(c, me.id(), &hashes).await?;
            if let Some(to) = &me.user.email {
                let mail = templates::localized(
                    crate::i18n::Lang::of(me.user.language.as_deref()),
                    "two-step-on",
                    &[],
                    templates::two_step_changed(to, true),
                );
                center::queue_mail(c, &mail).await?;
            }
            Ok(())
        })
        .await?;
    state.delivery.wake(Channel::Mail);
    Ok(HttpResponse::Ok().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Turn two-step sign-in off (the password and an app or recovery code).
#[utoipa::path(delete, path = "/v1/me/totp", tag = "account", security(("bearer" = [])),
    request_body = DisableRequest,
    responses((status = 200, body = StatusView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn disable(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<DisableRequest>,
) -> ApiResult<HttpResponse> {
    check_password(&state, &me, req.password).await?;
    state
        .in_transaction(async |c| {
            if db::totp::confirmed(c, me.id()).await?.is_none() {
                return Err(ApiError::Conflict(
                    "totp_off",
                    "two-step sign-in is not on".into(),
                ));
            }
            if !totp::accept(&state, c, me.id(), &req.code).await? {
                return Err(ApiError::validation(
                    "code",
                    "is neither the app's code nor an unused recovery code",
                ));
            }
            db::totp::remove(c, me.id()).await?;
            if let Some(to) = &me.user.email {
                let mail = templates::localized(
                    crate::i18n::Lang::of(me.user.language.as_deref()),
                    "two-step-off",
                    &[],
                    templates::two_step_changed(to, false),
                );
                center::queue_mail(c, &mail).await?;
            }
            Ok(())
        })
        .await?;
    state.delivery.wake(Channel::Mail);
    Ok(HttpResponse::Ok().json(StatusView {
        status: "totp_disabled",
    }))
}
