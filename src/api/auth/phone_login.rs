//! Passwordless sign-in (and sign-up) with a code texted to a phone number.
//!
//! The send answers the same whether or not the number has an account, so
//! it tells nobody who is a customer. A correct code signs in the account
//! whose verified number it is (and unlocks it, the code being a stronger
//! proof than the password that locked it), or creates a customer account
//! holding only the number; the rest of the profile comes later through
//! `PATCH /v1/me`. A number some account typed but never verified belongs to
//! whoever proves they hold it: it is taken off that account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::login::{refuse_unless_active, second_step, signed_in, Audit};
use crate::auth::challenge::{self, Purpose};
use crate::db::{self, users::User};
use crate::domain::{Channel, ClientInfo, Phone, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::i18n::{middleware::RequestLang, Lang};
use crate::notify::{center, templates, Sms};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpSendRequest {
    /// Any common spelling of an E.164 number (`+98 912 345 6789`).
    #[schema(value_type = String, example = "+989123456789")]
    pub phone: Phone,
}

/// The same answer whether or not the number has an account.
#[derive(Serialize, ToSchema)]
pub struct OtpSent {
    /// The number the code went to, in E.164.
    pub phone: String,
    /// Seconds the code stays valid.
    pub expires_in: i64,
    /// Seconds before another code may be asked for.
    pub resend_in: i64,
}

const EXPIRES_IN: i64 = 300;
const RESEND_IN: i64 = 60;

/// Text a six-digit sign-in code to a phone number.
#[utoipa::path(post, path = "/v1/auth/otp/send", tag = "auth", request_body = OtpSendRequest,
    responses((status = 202, body = OtpSent),
        (status = 400, description = "not a phone number", body = crate::error::ErrorBody),
        (status = 429, description = "a code was sent less than a minute ago, five this hour, or too many from this address", body = crate::error::ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    RequestLang(lang): RequestLang,
    ValidJson(req): ValidJson<OtpSendRequest>,
) -> ApiResult<HttpResponse> {
    let phone = req.phone.into_inner();
    state
        .with_db(async |conn| {
            let holder = db::users::find_by_phone(conn, &phone)
                .await?
                .filter(|u| u.phone_verified_at.is_some());
            let issued = challenge::issue(
                &state,
                conn,
                holder.as_ref().map(|u| u.id.as_str()),
                Purpose::PhoneLogin,
                &phone,
                true,
                false,
            )
            .await?;
            // The account's language, else the one the app asks in.
            let lang = holder
                .as_ref()
                .and_then(|u| u.language.as_deref())
                .map_or(lang, |l| Lang::of(Some(l)));
            let code = issued.code.as_deref().unwrap_or_default();
            center::queue_sms(
                conn,
                &Sms {
                    to: phone.clone(),
                    body: crate::i18n::text(lang, "sms-login-code", &[("code", code)], || {
                        templates::phone_login_code(code)
                    }),
                },
            )
            .await?;
            state.delivery.wake(Channel::Sms);
            Ok(HttpResponse::Accepted().json(OtpSent {
                phone: phone.clone(),
                expires_in: EXPIRES_IN,
                resend_in: RESEND_IN,
            }))
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpLoginRequest {
    #[schema(value_type = String, example = "+989123456789")]
    pub phone: Phone,
    /// The six digits from the text.
    pub code: String,
}

/// Sign in, or sign up, with the texted code.
#[utoipa::path(post, path = "/v1/auth/otp/login", tag = "auth", request_body = OtpLoginRequest,
    responses((status = 200, description = "signed in (`mfa_required` or `otp_required` when the account has a second step)", body = super::TokenPair),
        (status = 201, description = "a new customer account holding only this number; complete it with PATCH /v1/me", body = super::TokenPair),
        (status = 400, description = "wrong, used, burned or expired code, or none sent", body = crate::error::ErrorBody),
        (status = 403, description = "account blocked", body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    http: actix_web::HttpRequest,
    ValidJson(req): ValidJson<OtpLoginRequest>,
) -> ApiResult<HttpResponse> {
    let lang = crate::i18n::middleware::requested(&http);
    let phone = req.phone.into_inner();
    state
        .limits
        .check(crate::edge::limits::Bucket::LoginAccount, &phone)?;
    let audit = Audit {
        identifier: &phone,
        client: &client,
    };
    state
        .with_db(async |conn| {
            let Some(open) = db::challenges::latest_open(conn, &phone, Purpose::PhoneLogin).await?
            else {
                return Err(ApiError::BadRequest(
                    "challenge_not_found",
                    "no code is waiting for this number; ask for one with POST /v1/auth/otp/send"
                        .into(),
                ));
            };
            challenge::verify_code(&state, conn, &open.id, &req.code, Purpose::PhoneLogin).await?;
            let holder = db::users::find_by_phone(conn, &phone).await?;
            match holder {
                Some(user) if user.phone_verified_at.is_some() => {
                    refuse_unless_active(conn, &user, &audit).await?;
                    // The code proves the number: it unlocks an account that
                    // wrong passwords locked.
                    db::users::clear_failures(conn, &user.id).await?;
                    second_step(&state, conn, &user, &client, &audit).await
                }
                unverified => {
                    if unverified.is_some() {
                        db::users::release_unverified_phone(conn, &phone).await?;
                    }
                    let user = sign_up(conn, &phone, lang).await?;
                    tracing::info!(user = %user.id, "account created by phone");
                    signed_in(&state, conn, &user, &client, &audit, StatusCode::CREATED).await
                }
            }
        })
        .await
}

/// A customer account with nothing but the proven number.
async fn sign_up(conn: &mut db::DbConn, phone: &str, lang: Option<Lang>) -> ApiResult<User> {
    let mut user = User::new_account(
        None,
        Some(phone.to_owned()),
        None,
        String::new(),
        String::new(),
        Role::Customer,
    );
    user.phone_verified_at = Some(db::now());
    // The language the app asked in becomes the account's.
    user.language = lang.map(|l| l.tag().to_owned());
    if let Err(err) = db::users::insert(conn, &user).await {
        // Two devices of one person racing with the same code cannot both
        // get here (the code is used once); anything else is a real clash.
        if db::is_unique_violation(&err) {
            return Err(ApiError::Conflict(
                "phone_taken",
                "another account took this number a moment ago".into(),
            ));
        }
        return Err(err.into());
    }
    Ok(user)
}
