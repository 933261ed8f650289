//! `/v1/me/devices`: the phones and browsers that receive mobile push while
//! the user has no socket open. Registering a token again refreshes it (and
//! moves it to this account if another one had registered it on the device).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, devices::Device};
use crate::domain::Platform;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// The longest token accepted (FCM tokens are about 160 characters).
const MAX_TOKEN: usize = 4096;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterDevice {
    pub platform: Platform,
    /// The push service's registration token for this app install.
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceView {
    pub id: String,
    pub platform: Platform,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&Device> for DeviceView {
    fn from(d: &Device) -> Self {
        Self {
            id: d.id.clone(),
            platform: d.platform,
            created_at: db::utc(d.created_at),
            updated_at: db::utc(d.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeviceList {
    pub items: Vec<DeviceView>,
}

/// Register this device for push (idempotent per token).
#[utoipa::path(post, path = "/v1/me/devices", tag = "notifications", security(("bearer" = [])),
    request_body = RegisterDevice,
    responses((status = 201, body = DeviceView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<RegisterDevice>,
) -> ApiResult<HttpResponse> {
    let token = req.token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN || token.chars().any(char::is_whitespace) {
        return Err(ApiError::validation(
            "token",
            "must be the push token, without spaces, at most 4096 characters",
        ));
    }
    let device = state
        .with_db(async |conn| Ok(db::devices::register(conn, me.id(), req.platform, token).await?))
        .await?;
    Ok(HttpResponse::Created().json(DeviceView::from(&device)))
}

/// My registered devices (their tokens are never shown).
#[utoipa::path(get, path = "/v1/me/devices", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = DeviceList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    let devices = state
        .with_db(async |conn| Ok(db::devices::of_user(conn, me.id()).await?))
        .await?;
    Ok(HttpResponse::Ok().json(DeviceList {
        items: devices.iter().map(DeviceView::from).collect(),
    }))
}

/// Stop push to a device (on sign-out); its unsent push is dropped.
#[utoipa::path(delete, path = "/v1/me/devices/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .in_transaction(async |conn| {
            if !db::devices::remove(conn, me.id(), &id).await? {
                return Err(ApiError::NotFound("device"));
            }
            db::outbox::drop_device(conn, &id).await?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
