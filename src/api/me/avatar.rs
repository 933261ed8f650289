use actix_multipart::Multipart;
use actix_web::{http::header, web, HttpResponse};
use futures_util::StreamExt;

use crate::api::views::UserView;
use crate::db::{self, users::ProfileChanges};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Largest avatar accepted.
pub const AVATAR_LIMIT: usize = 5 * 1024 * 1024;

/// The image kind, decided by the file's first bytes (never by its name or
/// the declared content type).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

fn content_type(ext: &str) -> &'static str {
    match ext {
        "png" => "image/png",
        "webp" => "image/webp",
        _ => "image/jpeg",
    }
}

/// Upload my avatar: multipart field `avatar` (or `file`), JPEG, PNG or WebP, at most 5 MB.
#[utoipa::path(post, path = "/v1/me/avatar", tag = "account", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `avatar`: the image"),
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    me: AuthUser,
    mut form: Multipart,
) -> ApiResult<HttpResponse> {
    let mut image: Option<Vec<u8>> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| {
            ApiError::BadRequest(
                "malformed_body",
                "the multipart body could not be read".into(),
            )
        })?;
        let wanted = matches!(field.name(), Some("avatar" | "file"));
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| {
                ApiError::BadRequest(
                    "malformed_body",
                    "the multipart body could not be read".into(),
                )
            })?;
            if wanted {
                if buf.len() + chunk.len() > AVATAR_LIMIT {
                    return Err(ApiError::PayloadTooLarge(AVATAR_LIMIT));
                }
                buf.extend_from_slice(&chunk);
            }
        }
        if wanted && image.is_none() {
            image = Some(buf);
        }
    }
    let image = image.ok_or_else(|| {
        ApiError::validation(
            "avatar",
            "send the image in a multipart field named `avatar`",
        )
    })?;
    let ext = sniff(&image).ok_or_else(|| {
        ApiError::UnsupportedMediaType("the avatar must be a JPEG, PNG or WebP image".into())
    })?;
    let dir = state.config.avatar_dir();
    let path = dir.join(format!("{}.{ext}", me.id()));
    let tmp = dir.join(format!("{}.{ext}.tmp", me.id()));
    async {
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::write(&tmp, &image).await?;
        tokio::fs::rename(&tmp, &path).await
    }
    .await
    .map_err(ApiError::internal)?;
    if let Some(old) = me.user.avatar.as_deref().filter(|old| *old != ext) {
        let _ = tokio::fs::remove_file(dir.join(format!("{}.{old}", me.id()))).await;
    }
    state
        .with_db(async |conn| {
            let changes = ProfileChanges {
                avatar: Some(Some(ext.to_owned())),
                updated_at: Some(db::now()),
                ..Default::default()
            };
            db::users::update_profile(conn, me.id(), &changes).await?;
            let user = db::users::find(conn, me.id())
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            Ok(HttpResponse::Ok().json(UserView::from(&user)))
        })
        .await
}

/// A user's avatar image.
#[utoipa::path(get, path = "/v1/users/{id}/avatar", tag = "account",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, content_type = "image/*", description = "the image"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let user = db::users::find(conn, &id)
                .await?
                .filter(|u| u.is_active())
                .ok_or(ApiError::NotFound("avatar"))?;
            let ext = user.avatar.ok_or(ApiError::NotFound("avatar"))?;
            let path = state.config.avatar_dir().join(format!("{}.{ext}", user.id));
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|_| ApiError::NotFound("avatar"))?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, content_type(&ext)))
                .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
                .insert_header(("x-content-type-options", "nosniff"))
                .body(bytes))
        })
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn sniffs_by_content() {
        assert_eq!(super::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(super::sniff(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(super::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(super::sniff(b"<svg xmlns=...>"), None);
        assert_eq!(super::sniff(b"GIF89a"), None);
    }
}
