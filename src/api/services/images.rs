//! A service's gallery: up to ten images, added and removed by its provider
//! or an admin, shown to whoever may see the service. Each upload is
//! re-encoded (see [`crate::uploads::images`]).

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::access::editable;
use crate::api::me::avatar::{image_response, size_of, SizeQuery};
use crate::db::{self, gallery::ImageRow, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, MaybeUser};
use crate::marketplace;
use crate::state::AppState;
use crate::uploads::images;

/// Images a service may show.
pub const GALLERY_LIMIT: i64 = 10;

#[derive(Serialize, ToSchema)]
pub struct ImageView {
    pub id: String,
    pub width: i32,
    pub height: i32,
    /// Up to 1280 px.
    pub url: String,
    /// Up to 320 px.
    pub thumb_url: String,
}

impl From<&ImageRow> for ImageView {
    fn from(i: &ImageRow) -> Self {
        let url = format!("/v1/services/{}/images/{}", i.service_id, i.id);
        Self {
            id: i.id.clone(),
            width: i.width,
            height: i.height,
            thumb_url: format!("{url}?size=thumb"),
            url,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Gallery {
    /// In the order they were added.
    pub items: Vec<ImageView>,
}

/// The service, if the caller may see it (404 otherwise).
async fn visible(c: &mut DbConn, viewer: &MaybeUser, id: &str) -> ApiResult<db::services::Service> {
    let service = db::services::find(c, id)
        .await?
        .ok_or(ApiError::NotFound("service"))?;
    if !marketplace::can_see_service(c, viewer.user(), &service).await? {
        return Err(ApiError::NotFound("service"));
    }
    Ok(service)
}

/// Add an image to the gallery (its provider or an admin): multipart field
/// `image`, a JPEG, PNG or WebP of at most 5 MB; at most ten per service.
#[utoipa::path(post, path = "/v1/services/{id}/images", tag = "services", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id")),
    request_body(content_type = "multipart/form-data", description = "field `image`"),
    responses((status = 201, body = ImageView),
        (status = 400, description = "`undecodable_image`, `mislabelled_file`", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`gallery_full`", body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let service = state
        .with_db(async |c| editable(c, &me, &path).await)
        .await?;
    let processed = images::receive(form, &["image", "file"], "a gallery image").await?;
    let row = ImageRow {
        id: db::new_id(),
        service_id: service.id.clone(),
        width: i32::try_from(processed.width).unwrap_or(i32::MAX),
        height: i32::try_from(processed.height).unwrap_or(i32::MAX),
        created_at: db::now(),
    };
    images::store(&*state.blobs, processed, |size| row.key(size)).await?;
    let stored = state
        .in_transaction(async |c| {
            db::services::lock(c, &service.id).await?;
            if db::gallery::count(c, &service.id).await? >= GALLERY_LIMIT {
                return Ok(false);
            }
            db::gallery::insert(c, &row).await?;
            Ok(true)
        })
        .await?;
    if !stored {
        images::remove(&*state.blobs, |size| row.key(size)).await;
        return Err(ApiError::Conflict(
            "gallery_full",
            format!("a service shows at most {GALLERY_LIMIT} images; remove one first"),
        ));
    }
    Ok(HttpResponse::Created().json(ImageView::from(&row)))
}

/// The service's gallery (whoever may see the service).
#[utoipa::path(get, path = "/v1/services/{id}/images", tag = "services",
    params(("id" = String, Path, description = "service id")),
    responses((status = 200, body = Gallery), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let rows = state
        .with_db(async |c| {
            let service = visible(c, &viewer, &path).await?;
            Ok(db::gallery::of_service(c, &service.id).await?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Gallery {
        items: rows.iter().map(ImageView::from).collect(),
    }))
}

/// One gallery image as the server re-encoded it (JPEG).
#[utoipa::path(get, path = "/v1/services/{id}/images/{image_id}", tag = "services",
    params(("id" = String, Path, description = "service id"), ("image_id" = String, Path), SizeQuery),
    responses((status = 200, content_type = "image/jpeg", description = "the image"),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<(String, String)>,
    query: web::Query<SizeQuery>,
) -> ApiResult<HttpResponse> {
    let size = size_of(&query)?;
    let (service_id, image_id) = path.into_inner();
    let row = state
        .with_db(async |c| {
            let service = visible(c, &viewer, &service_id).await?;
            db::gallery::of_service(c, &service.id)
                .await?
                .into_iter()
                .find(|i| i.id == image_id)
                .ok_or(ApiError::NotFound("image"))
        })
        .await?;
    let blob = state
        .blobs
        .get(&row.key(size))
        .await
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("image"))?;
    Ok(image_response(blob.bytes, "public, max-age=3600"))
}

/// Remove an image from the gallery (its provider or an admin).
#[utoipa::path(delete, path = "/v1/services/{id}/images/{image_id}", tag = "services", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id"), ("image_id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (service_id, image_id) = path.into_inner();
    let row = state
        .in_transaction(async |c| {
            let service = editable(c, &me, &service_id).await?;
            let row = db::gallery::of_service(c, &service.id)
                .await?
                .into_iter()
                .find(|i| i.id == image_id)
                .ok_or(ApiError::NotFound("image"))?;
            db::gallery::delete(c, &service.id, &row.id).await?;
            Ok(row)
        })
        .await?;
    images::remove(&*state.blobs, |size| row.key(size)).await;
    Ok(HttpResponse::NoContent().finish())
}
