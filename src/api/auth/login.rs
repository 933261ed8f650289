use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::challenge::{self, Purpose};
use crate::auth::{password, tokens};
use crate::db::{self, users::User, DbConn};
use crate::domain::Channel;
use crate::domain::ClientInfo;
use crate::domain::{LoginOutcome, Phone, Role, UserStatus, Username};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::notify::{center, templates};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Email address, phone number (any common spelling of an E.164
    /// number) or username.
    pub identifier: String,
    pub password: String,
}

/// Admins get this instead of tokens; the code goes to their email only.
#[derive(Serialize, ToSchema)]
pub struct OtpRequired {
    pub otp_required: bool,
    pub challenge_id: String,
    /// Seconds the code stays valid.
    pub expires_in: i64,
}

/// Anyone with two-step sign-in on gets this instead of tokens: send the
/// authenticator's code (or a recovery code) to `POST /v1/auth/totp/verify`.
#[derive(Serialize, ToSchema)]
pub struct TotpRequired {
    pub mfa_required: bool,
    /// `totp`.
    pub method: &'static str,
    pub challenge_id: String,
    /// Seconds the challenge stays open.
    pub expires_in: i64,
}

/// Log in with email, phone or username and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "tokens; `otp_required` for admins; `mfa_required` with two-step sign-in on", body = super::TokenPair),
        (status = 401, description = "invalid credentials", body = crate::error::ErrorBody),
        (status = 403, description = "account blocked", body = crate::error::ErrorBody),
        (status = 423, description = "locked after repeated failures", body = crate::error::ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let identifier = req.identifier.trim().to_owned();
    if identifier.is_empty() {
        return Err(ApiError::validation(
            "identifier",
            "must be an email, a phone number or a username",
        ));
    }
    if req.password.is_empty() || req.password.len() > 1024 {
        return Err(ApiError::validation(
            "password",
            "must be 1 to 1024 characters",
        ));
    }
    // Per identifier, whichever addresses the guesses come from.
    state.limits.check(
        crate::edge::limits::Bucket::LoginAccount,
        &identifier.to_lowercase(),
    )?;
    let audit = Audit {
        identifier: &identifier,
        client: &client,
    };
    // The connection goes back before argon2 runs (SQLite has one).
    let user = state
        .with_db(async |conn| {
            let user = find_by_identifier(conn, &identifier).await?;
            if let Some(u) = &user {
                if let Some(until) = u.locked_until.filter(|t| *t > db::now()) {
                    audit.record(conn, Some(u), LoginOutcome::Locked).await;
                    return Err(ApiError::Locked {
                        retry_after_s: (until - db::now()).num_seconds(),
                    });
                }
            }
            Ok(user)
        })
        .await?;
    let ok = password::verify_async(
        req.password,
        user.as_ref().and_then(|u| u.password_hash.clone()),
        state.dummy_hash.clone(),
    )
    .await?;
    state
        .with_db(async |conn| {
            let invalid = || {
                ApiError::Unauthorized("invalid_credentials", "wrong identifier or password".into())
            };
            let Some(user) = user else {
                audit
                    .record(conn, None, LoginOutcome::UnknownIdentifier)
                    .await;
                return Err(invalid());
            };
            if !ok {
                let lock_for = chrono::Duration::seconds(
                    i64::try_from(state.config.auth.lockout_duration.as_secs()).unwrap_or(900),
                );
                let locked = db::users::record_failure(
                    conn,
                    &user.id,
                    state.config.auth.lockout_threshold,
                    lock_for,
                )
                .await?;
                if let Some(until) = locked {
                    audit
                        .record(conn, Some(&user), LoginOutcome::LockedOut)
                        .await;
                    tracing::warn!(user = %user.id, "account locked after repeated login failures");
                    let minutes = state.config.auth.lockout_duration.as_secs() / 60;
                    if let Some(to) = &user.email {
                        let lang = crate::i18n::Lang::of(user.language.as_deref());
                        let shown = crate::i18n::format::digits(lang, &minutes.to_string());
                        let mail = templates::localized(
                            lang,
                            "account-locked",
                            &[("minutes", shown.as_str())],
                            templates::account_locked(to, minutes),
                        );
                        center::queue_mail(conn, &mail).await?;
                    }
                    state.delivery.wake(Channel::Mail);
                    return Err(ApiError::Locked {
                        retry_after_s: (until - db::now()).num_seconds(),
                    });
                }
                audit
                    .record(conn, Some(&user), LoginOutcome::BadPassword)
                    .await;
                return Err(invalid());
            }
            if user.status == UserStatus::Blocked {
                audit.record(conn, Some(&user), LoginOutcome::Blocked).await;
                return Err(ApiError::Forbidden(
                    "account_blocked",
                    "this account is blocked".into(),
                ));
            }
            if !user.is_active() {
                audit
                    .record(conn, Some(&user), LoginOutcome::Inactive)
                    .await;
                return Err(invalid());
            }
            db::users::clear_failures(conn, &user.id).await?;
            second_step(&state, conn, &user, &client, &audit).await
        })
        .await
}

/// After a first factor (the password, or a code texted to the phone):
/// the authenticator's code when two-step sign-in is on, the emailed code
/// for an admin, else the tokens.
pub(super) async fn second_step(
    state: &AppState,
    conn: &mut DbConn,
    user: &User,
    client: &ClientInfo,
    audit: &Audit<'_>,
) -> ApiResult<HttpResponse> {
    // Two-step sign-in on (for admins too, instead of the emailed code).
    if db::totp::confirmed(conn, &user.id).await?.is_some() {
        let issued = challenge::issue(
            state,
            conn,
            Some(&user.id),
            Purpose::TotpLogin,
            &format!("totp:{}", user.id),
            false,
            false,
        )
        .await?;
        audit
            .record(conn, Some(user), LoginOutcome::TotpRequired)
            .await;
        return Ok(HttpResponse::Ok().json(TotpRequired {
            mfa_required: true,
            method: "totp",
            challenge_id: issued.id,
            expires_in: 300,
        }));
    }

    if user.role == Role::Admin {
        let Some(email) = user.email.as_deref() else {
            return Err(ApiError::Forbidden(
                "no_email",
                "an admin signs in with a code sent to their email address, and this account has none"
                    .into(),
            ));
        };
        let issued = challenge::issue(
            state,
            conn,
            Some(&user.id),
            Purpose::AdminLogin,
            email,
            true,
            false,
        )
        .await?;
        let code = issued.code.unwrap_or_default();
        // The worker is woken at once: the code is usually there in milliseconds.
        let mail = templates::localized(
            crate::i18n::Lang::of(user.language.as_deref()),
            "admin-code",
            &[("code", code.as_str())],
            templates::admin_login_code(email, &code),
        );
        center::queue_mail(conn, &mail).await?;
        state.delivery.wake(Channel::Mail);
        audit.record(conn, Some(user), LoginOutcome::OtpSent).await;
        return Ok(HttpResponse::Ok().json(OtpRequired {
            otp_required: true,
            challenge_id: issued.id,
            expires_in: 600,
        }));
    }
    signed_in(state, conn, user, client, audit, StatusCode::OK).await
}

/// The end of every sign-in: a login session, its tokens (`status` 201 for
/// an account the sign-in created), and the audit line.
pub(super) async fn signed_in(
    state: &AppState,
    conn: &mut DbConn,
    user: &User,
    client: &ClientInfo,
    audit: &Audit<'_>,
    status: StatusCode,
) -> ApiResult<HttpResponse> {
    let pair = tokens::start_session(state, conn, user, client).await?;
    audit.record(conn, Some(user), LoginOutcome::Success).await;
    Ok(HttpResponse::build(status).json(super::TokenPair::from(pair)))
}

/// After a proof that names the account outright (a texted code, a
/// provider's ID token): 403 for a blocked or closed account, audited.
pub(super) async fn refuse_unless_active(
    conn: &mut DbConn,
    user: &User,
    audit: &Audit<'_>,
) -> ApiResult<()> {
    if user.status == UserStatus::Blocked {
        audit.record(conn, Some(user), LoginOutcome::Blocked).await;
        return Err(ApiError::Forbidden(
            "account_blocked",
            "this account is blocked".into(),
        ));
    }
    if !user.is_active() {
        audit.record(conn, Some(user), LoginOutcome::Inactive).await;
        return Err(ApiError::Forbidden(
            "account_inactive",
            "this account cannot sign in".into(),
        ));
    }
    Ok(())
}

/// An email (contains `@`), a phone number (normalised to E.164), or a username.
async fn find_by_identifier(conn: &mut DbConn, identifier: &str) -> ApiResult<Option<User>> {
    if identifier.contains('@') {
        return Ok(db::users::find_by_email(conn, &identifier.to_lowercase()).await?);
    }
    if let Ok(phone) = Phone::try_from(identifier.to_owned()) {
        return Ok(db::users::find_by_phone(conn, phone.as_str()).await?);
    }
    match Username::try_from(identifier.to_owned()) {
        Ok(name) => Ok(db::users::find_by_username(conn, name.as_str()).await?),
        Err(_) => Ok(None),
    }
}

/// Writes login audit lines; a failure to audit is logged, never fatal.
pub(super) struct Audit<'a> {
    pub identifier: &'a str,
    pub client: &'a ClientInfo,
}

impl Audit<'_> {
    pub async fn record(&self, conn: &mut DbConn, user: Option<&User>, outcome: LoginOutcome) {
        let uid = user.map(|u| u.id.as_str());
        if let Err(e) = db::audit::record(conn, uid, self.identifier, self.client, outcome).await {
            tracing::error!(error = %e, "could not write the login audit");
        }
    }
}
