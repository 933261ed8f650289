//! `GET/PUT /v1/me/notification-settings`: which notifications also come by
//! mail and by mobile push. Every notification is always in the in-app center
//! and sent to the open sockets. Push (to registered devices, when the user
//! has no open socket) defaults to on for every kind. Mail defaults to on for
//! money and booking changes, off for the live steps of a job (en route,
//! arrived, started), which the app shows as they happen, and for chat on
//! only while the user has no device registered for push.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, users::ProfileChanges};
use crate::domain::NotificationKind;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::center::{mail_allowed, mailed_by_default, push_allowed, sms_allowed};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct KindSetting {
    pub kind: NotificationKind,
    /// Always on: the notification center keeps everything.
    pub in_app: bool,
    pub mail: bool,
    /// What `mail` is when the user never chose.
    pub mail_default: bool,
    /// Push to registered devices when no socket is open.
    pub push: bool,
    /// A text to the verified phone number (booking accepted, provider on
    /// the way, arrived are on by default).
    pub sms: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationSettings {
    pub items: Vec<KindSetting>,
}

/// Channels to change per kind; kinds not named keep their setting.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelChange {
    pub mail: Option<bool>,
    pub push: Option<bool>,
    pub sms: Option<bool>,
}

fn view(settings: &str, has_devices: bool) -> NotificationSettings {
    NotificationSettings {
        items: NotificationKind::ALL
            .iter()
            .map(|&kind| KindSetting {
                kind,
                in_app: true,
                mail: mail_allowed(settings, kind, has_devices && push_allowed(settings, kind)),
                mail_default: mailed_by_default(kind, has_devices && push_allowed(settings, kind)),
                push: push_allowed(settings, kind),
                sms: sms_allowed(settings, kind),
            })
            .collect(),
    }
}

/// My notification settings, one row per kind.
#[utoipa::path(get, path = "/v1/me/notification-settings", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    let devices = state
        .with_db(async |conn| Ok(db::devices::of_user(conn, me.id()).await?))
        .await?;
    Ok(HttpResponse::Ok().json(view(&me.user.settings, !devices.is_empty())))
}

/// Change my notification settings, e.g. `{"provider_en_route": {"mail": true, "push": false}}`.
#[utoipa::path(put, path = "/v1/me/notification-settings", tag = "notifications", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = NotificationSettings), (status = 400, body = crate::error::ErrorBody)))]
pub async fn put(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(changes): ValidJson<HashMap<NotificationKind, ChannelChange>>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let user = db::users::find(conn, me.id())
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            let mut settings: serde_json::Value =
                serde_json::from_str(&user.settings).unwrap_or_else(|_| serde_json::json!({}));
            if !settings.is_object() {
                settings = serde_json::json!({});
            }
            if !settings["notifications"].is_object() {
                settings["notifications"] = serde_json::json!({});
            }
            for (kind, change) in &changes {
                for (channel, value) in [
                    ("mail", change.mail),
                    ("push", change.push),
                    ("sms", change.sms),
                ] {
                    let Some(value) = value else { continue };
                    // Whatever else was stored there (e.g. through PATCH /v1/me) is replaced.
                    let entry = &mut settings["notifications"][kind.as_str()];
                    if !entry.is_object() {
                        *entry = serde_json::json!({});
                    }
                    entry[channel] = value.into();
                }
            }
            let text = settings.to_string();
            let update = ProfileChanges {
                settings: Some(text.clone()),
                ..ProfileChanges::default()
            };
            db::users::update_profile(conn, me.id(), &update).await?;
            let devices = db::devices::of_user(conn, me.id()).await?;
            Ok(HttpResponse::Ok().json(view(&text, !devices.is_empty())))
        })
        .await
}
