//! My avatar: uploaded as JPEG, PNG or WebP, kept as a display size and a
//! thumbnail re-encoded by the server (see [`crate::uploads::images`]).

use actix_multipart::Multipart;
use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::views::UserView;
use crate::db::{self, users::ProfileChanges};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;
use crate::uploads::images;

/// The blob key of one size of a user's avatar version.
pub fn key(user_id: &str, version: &str, size: &str) -> String {
    format!(
        "avatars/{}/{version}-{size}.jpg",
        user_id.to_ascii_lowercase()
    )
}

/// Removes both sizes of an avatar version (a missing one is fine).
pub async fn remove(state: &AppState, user_id: &str, version: &str) {
    images::remove(&*state.blobs, |size| key(user_id, version, size)).await;
}

/// Upload my avatar: multipart field `avatar` (or `file`), a JPEG, PNG or
/// WebP image of at most 5 MB. It is decoded and re-encoded (metadata such
/// as EXIF is dropped) as a display size (1280 px) and a thumbnail (320 px).
#[utoipa::path(post, path = "/v1/me/avatar", tag = "account", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `avatar`: the image"),
    responses((status = 200, body = UserView),
        (status = 400, description = "`undecodable_image`, `mislabelled_file`", body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    me: AuthUser,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let processed = images::receive(form, &["avatar", "file"], "the avatar").await?;
    let version = format!("v{}", uuid::Uuid::now_v7().simple());
    images::store(&*state.blobs, processed, |size| {
        key(me.id(), &version, size)
    })
    .await?;
    let user = state
        .with_db(async |conn| {
            let changes = ProfileChanges {
                avatar: Some(Some(version.clone())),
                updated_at: Some(db::now()),
                ..Default::default()
            };
            db::users::update_profile(conn, me.id(), &changes).await?;
            db::users::find(conn, me.id())
                .await?
                .ok_or(ApiError::NotFound("user"))
        })
        .await?;
    if let Some(old) = me.user.avatar.as_deref().filter(|old| *old != version) {
        remove(&state, me.id(), old).await;
    }
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

#[derive(Deserialize, IntoParams)]
pub struct SizeQuery {
    /// `display` (default, up to 1280 px) or `thumb` (up to 320 px).
    pub size: Option<String>,
}

/// Which stored size a `size` query names.
pub fn size_of(q: &SizeQuery) -> ApiResult<&'static str> {
    match q.size.as_deref().unwrap_or("display") {
        "display" => Ok("display"),
        "thumb" => Ok("thumb"),
        _ => Err(ApiError::validation("size", "must be `display` or `thumb`")),
    }
}

/// Serves a stored image with headers that keep browsers from guessing.
pub fn image_response(bytes: Vec<u8>, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
        .body(bytes)
}

/// A user's avatar, as the server re-encoded it (JPEG).
#[utoipa::path(get, path = "/v1/users/{id}/avatar", tag = "account",
    params(("id" = String, Path, description = "user id"), SizeQuery),
    responses((status = 200, content_type = "image/jpeg", description = "the image"),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<SizeQuery>,
) -> ApiResult<HttpResponse> {
    let size = size_of(&query)?;
    let version = state
        .with_db(async |conn| {
            db::users::find(conn, &id)
                .await?
                .filter(|u| u.is_active())
                .and_then(|u| u.avatar)
                .ok_or(ApiError::NotFound("avatar"))
        })
        .await?;
    let blob = state
        .blobs
        .get(&key(&id, &version, size))
        .await
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("avatar"))?;
    Ok(image_response(blob.bytes, "private, max-age=300"))
}
