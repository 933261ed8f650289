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
    /// Changing the phone makes it unverified again.
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
                    changes.phone = Some(phone);
                    changes.phone_verified_at = Some(None);
                }
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

fn taken_name() -> ApiError {
    ApiError::Conflict("username_taken", "another account has this username".into())
}
