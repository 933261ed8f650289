use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{CategoryList, CategoryView};
use crate::api::me::avatar::image_response;
use crate::db::{self, categories::Category, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::extract::MaybeUser;
use crate::marketplace::discovery;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    /// `true` (admins only): inactive categories too.
    #[param(value_type = Option<bool>)]
    all: Option<String>,
}

/// A category by id or slug that the caller may see (inactive ones only
/// to admins): 404 otherwise.
pub async fn visible(c: &mut DbConn, viewer: &MaybeUser, key: &str) -> ApiResult<Category> {
    let admin = viewer.0.as_ref().is_some_and(|u| u.is_admin());
    db::categories::find_by_key(c, key)
        .await?
        .filter(|cat| cat.active || admin)
        .ok_or(ApiError::NotFound("category"))
}

/// The service categories, in listing order (active ones; admins may ask
/// for all).
#[utoipa::path(get, path = "/v1/categories", tag = "services", params(CategoryQuery),
    responses((status = 200, body = CategoryList),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only` (with `all`)", body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    query: web::Query<CategoryQuery>,
) -> ApiResult<HttpResponse> {
    let all = discovery::parse_bool("all", &query.all)? == Some(true);
    if all {
        match &viewer.0 {
            Some(me) => me.require_admin()?,
            None => {
                return Err(ApiError::Unauthorized(
                    "missing_token",
                    "all=true needs an admin's bearer token".into(),
                ))
            }
        }
    }
    let rows = state
        .with_db(async |c| Ok(db::categories::list(c, all).await?))
        .await?;
    Ok(HttpResponse::Ok().json(CategoryList {
        items: rows.iter().map(CategoryView::from).collect(),
    }))
}

/// One category, by id or slug.
#[utoipa::path(get, path = "/v1/categories/{id}", tag = "services",
    params(("id" = String, Path, description = "category id or slug")),
    responses((status = 200, body = CategoryView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = state
        .with_db(async |c| visible(c, &viewer, &path).await)
        .await?;
    Ok(HttpResponse::Ok().json(CategoryView::from(&row)))
}

/// A category's image as the server re-encoded it (JPEG).
#[utoipa::path(get, path = "/v1/categories/{id}/image", tag = "services",
    params(("id" = String, Path, description = "category id or slug"),
        crate::api::me::avatar::SizeQuery),
    responses((status = 200, content_type = "image/jpeg", description = "the image"),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn image(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<String>,
    query: web::Query<crate::api::me::avatar::SizeQuery>,
) -> ApiResult<HttpResponse> {
    let size = crate::api::me::avatar::size_of(&query)?;
    let row = state
        .with_db(async |c| visible(c, &viewer, &path).await)
        .await?;
    let version = row.image.ok_or(ApiError::NotFound("image"))?;
    let blob = state
        .blobs
        .get(&Category::image_key(&row.id, &version, size))
        .await
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("image"))?;
    Ok(image_response(blob.bytes, "public, max-age=86400"))
}
