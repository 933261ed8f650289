use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::email::ChallengeSent;
use crate::api::views::StatusView;
use crate::auth::challenge::{self, Purpose};
use crate::db;
use crate::domain::Channel;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::{center, templates, Sms};
use crate::state::AppState;

/// Text a six-digit code to the account's new or unverified phone number.
#[utoipa::path(post, path = "/v1/auth/phone/send-otp", tag = "auth", security(("bearer" = [])),
    responses((status = 202, body = ChallengeSent),
        (status = 400, description = "no phone on the account", body = crate::error::ErrorBody),
        (status = 409, description = "already verified", body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn send_otp(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    // A number waiting to replace the verified one, else the unverified one.
    let target = me.user.pending_phone.clone().or_else(|| {
        me.user
            .phone
            .clone()
            .filter(|_| me.user.phone_verified_at.is_none())
    });
    let Some(phone) = target else {
        if me.user.phone.is_some() {
            return Err(ApiError::Conflict(
                "already_verified",
                "this phone number is already verified".into(),
            ));
        }
        return Err(ApiError::BadRequest(
            "no_phone",
            "add a phone number with PATCH /v1/me first".into(),
        ));
    };
    state
        .limits
        .check(crate::edge::limits::Bucket::CodesAccount, me.id())?;
    state
        .with_db(async |conn| {
            let issued = challenge::issue(
                &state,
                conn,
                Some(me.id()),
                Purpose::PhoneVerify,
                &phone,
                true,
                false,
            )
            .await?;
            let code = issued.code.as_deref().unwrap_or_default();
            center::queue_sms(
                conn,
                &Sms {
                    to: phone,
                    body: crate::i18n::text(
                        crate::i18n::Lang::of(me.user.language.as_deref()),
                        "sms-verify-code",
                        &[("code", code)],
                        || templates::phone_code(code),
                    ),
                },
            )
            .await?;
            state.delivery.wake(Channel::Sms);
            Ok(HttpResponse::Accepted().json(ChallengeSent {
                challenge_id: issued.id,
                expires_in: 600,
            }))
        })
        .await
}

#[derive(Deserialize, ToSchema)]
pub struct PhoneVerifyRequest {
    pub challenge_id: String,
    pub code: String,
}

/// Confirm the phone number with the texted code (a pending new number
/// replaces the old one only now).
#[utoipa::path(post, path = "/v1/auth/phone/verify", tag = "auth", security(("bearer" = [])),
    request_body = PhoneVerifyRequest,
    responses((status = 200, body = StatusView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<PhoneVerifyRequest>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let owned = db::challenges::find(conn, &req.challenge_id)
                .await?
                .is_some_and(|c| c.user_id.as_deref() == Some(me.id()));
            if !owned {
                return Err(ApiError::BadRequest(
                    "challenge_not_found",
                    "no such challenge".into(),
                ));
            }
            let ch = challenge::verify_code(
                &state,
                conn,
                &req.challenge_id,
                &req.code,
                Purpose::PhoneVerify,
            )
            .await?;
            let confirmed = match db::users::confirm_phone(conn, me.id(), &ch.destination).await {
                Err(err) if db::is_unique_violation(&err) => {
                    return Err(ApiError::Conflict(
                        "phone_taken",
                        "another account verified this number first".into(),
                    ))
                }
                other => other?,
            };
            if !confirmed {
                return Err(ApiError::BadRequest(
                    "challenge_stale",
                    "the account's phone has changed since this was sent".into(),
                ));
            }
            Ok(HttpResponse::Ok().json(StatusView {
                status: "phone_verified",
            }))
        })
        .await
}
