use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::views::UserView;
use crate::db::{self, users::ProfileChanges};
use crate::domain::{nullable, Location, PersonName, Phone, Username};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// Fields to change; absent fields stay, `null` clears `phone`, `username` or `location`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[schema(value_type = Option<String>)]
    pub first_name: Option<PersonName>,
    #[schema(value_type = Option<String>)]
    pub last_name: Option<PersonName>,
    /// A new number replaces an unverified one at once; a verified number
    /// stays until the new one is confirmed by its code (it waits as
    /// `pending_phone`: `POST /v1/auth/phone/send-otp`, then `/verify`).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<Phone>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::api::views::LocationView>)]
    pub location: Option<Option<Location>>,
    /// 3 to 30 of `a-z0-9_.` (stored lower-case, unique); `null` removes it.
    /// Sign in with it as the `identifier`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub username: Option<Option<Username>>,
    /// Merged into the stored settings object; a key set to `null` is removed.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// For an account without one (it signed up by phone); then confirm it
    /// with `POST /v1/auth/email/send-verification`.
    #[schema(value_type = Option<String>, format = "email")]
    pub email: Option<crate::domain::Email>,
    /// `en` or `fa`: the language of mails, texts and notifications (error
    /// messages follow each request's `Accept-Language`); `null` for English.
    #[serde(default, deserialize_with = "nullable")]
    pub language: Option<Option<String>>,
    /// An IANA zone (`Asia/Tehran`) for the times in mails and
    /// notifications; `null` for the job's own zone.
    #[serde(default, deserialize_with = "nullable")]
    pub time_zone: Option<Option<String>>,
}

const SETTINGS_LIMIT: usize = 8 * 1024;

/// Update my profile.
#[utoipa::path(patch, path = "/v1/me", tag = "account", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "phone or username taken", body = crate::error::ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<UpdateMeRequest>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let mut changes = ProfileChanges {
                first_name: req.first_name.map(PersonName::into_inner),
                last_name: req.last_name.map(PersonName::into_inner),
                updated_at: Some(db::now()),
                ..Default::default()
            };
            if let Some(phone) = req.phone {
                let phone = phone.map(Phone::into_inner);
                if phone != me.user.phone {
                    if let Some(p) = &phone {
                        if db::users::phone_taken(conn, p, Some(me.id())).await? {
                            return Err(ApiError::Conflict(
                                "phone_taken",
                                "another account uses this phone number".into(),
                            ));
                        }
                    }
                    match phone {
                        // A verified number stays until the new one is proven.
                        Some(new) if me.user.phone_verified_at.is_some() => {
                            changes.pending_phone = Some(Some(new));
                        }
                        phone => {
                            changes.phone = Some(phone);
                            changes.phone_verified_at = Some(None);
                            changes.pending_phone = Some(None);
                        }
                    }
                } else if me.user.pending_phone.is_some() {
                    // Back to the current number: the pending change is dropped.
                    changes.pending_phone = Some(None);
                }
            }
            if let Some(email) = req.email {
                let email = email.as_str().to_lowercase();
                if me.user.email.as_deref() != Some(email.as_str()) {
                    if me.user.email.is_some() {
                        return Err(ApiError::Conflict(
                            "email_set",
                            "this account already has an email address; it cannot be changed here"
                                .into(),
                        ));
                    }
                    if db::users::email_taken(conn, &email).await? {
                        return Err(taken_email());
                    }
                    changes.email = Some(Some(email));
                }
            }
            if let Some(language) = &req.language {
                changes.language = Some(match language {
                    None => None,
                    Some(tag) => Some(
                        crate::i18n::Lang::parse(tag)
                            .filter(|_| tag.len() <= 35)
                            .ok_or_else(|| ApiError::validation("language", "must be en or fa"))?
                            .tag()
                            .to_owned(),
                    ),
                });
            }
            if let Some(zone) = &req.time_zone {
                changes.time_zone = Some(match zone {
                    None => None,
                    Some(name) => Some(
                        name.trim()
                            .parse::<chrono_tz::Tz>()
                            .map_err(|_| {
                                ApiError::validation(
                                    "time_zone",
                                    "must be an IANA time zone such as Asia/Tehran",
                                )
                            })?
                            .name()
                            .to_owned(),
                    ),
                });
            }
            if let Some(username) = req.username {
                let username = username.map(Username::into_inner);
                if let Some(name) = &username {
                    if db::users::username_taken(conn, name, Some(me.id())).await? {
                        return Err(taken_name());
                    }
                }
                changes.username = Some(username);
            }
            if let Some(location) = req.location {
                changes.location_lat = Some(location.as_ref().map(|l| l.lat));
                changes.location_lng = Some(location.as_ref().map(|l| l.lng));
                changes.address = Some(location.and_then(|l| l.address));
            }
            if let Some(patch) = req.settings {
                let mut settings: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&me.user.settings).unwrap_or_default();
                for (key, value) in patch {
                    if value.is_null() {
                        settings.remove(&key);
                    } else {
                        settings.insert(key, value);
                    }
                }
                let text = serde_json::Value::Object(settings).to_string();
                if text.len() > SETTINGS_LIMIT {
                    return Err(ApiError::validation(
                        "settings",
                        format!("must be at most {SETTINGS_LIMIT} bytes"),
                    ));
                }
                changes.settings = Some(text);
            }
            if let Err(err) = db::users::update_profile(conn, me.id(), &changes).await {
                // A concurrent change took the name or the number first.
                if db::is_unique_violation(&err) {
                    if err.to_string().contains("username") {
                        return Err(taken_name());
                    }
                    if err.to_string().contains("email") {
                        return Err(taken_email());
                    }
                    return Err(ApiError::Conflict(
                        "phone_taken",
                        "another account uses this phone number".into(),
                    ));
                }
                return Err(err.into());
            }
            let user = db::users::find(conn, me.id())
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            Ok(HttpResponse::Ok().json(UserView::from(&user)))
        })
        .await
}

fn taken_email() -> ApiError {
    ApiError::Conflict(
        "email_taken",
        "another account has this email address".into(),
    )
}

fn taken_name() -> ApiError {
    ApiError::Conflict("username_taken", "another account has this username".into())
}
