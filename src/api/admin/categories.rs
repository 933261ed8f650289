//! The service categories, kept by the admins: create, edit (name, order,
//! active), delete an unused one, and set or remove its image. Every change
//! is audited.

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::audit::{self, Entry};
use crate::api::categories::views::CategoryView;
use crate::db::{
    self,
    categories::{Category, CategoryChanges},
    DbConn,
};
use crate::domain::{ClientInfo, LongText, Slug, Title};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;
use crate::uploads::images;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 2 to 40 of `a-z`, `0-9`, `-`; unique.
    #[schema(value_type = String, example = "home-cleaning")]
    pub slug: Slug,
    /// 1 to 120 characters.
    #[schema(value_type = String)]
    pub name: Title,
    /// Up to 2000 characters.
    #[schema(value_type = Option<String>)]
    pub description: Option<LongText>,
    /// 0 to 10000, lowest listed first; default 0.
    pub position: Option<i32>,
    /// Default true.
    pub active: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    #[schema(value_type = Option<String>)]
    pub slug: Option<Slug>,
    #[schema(value_type = Option<String>)]
    pub name: Option<Title>,
    #[schema(value_type = Option<String>)]
    pub description: Option<LongText>,
    pub position: Option<i32>,
    /// Hide (`false`) or show the category; its services stay listed.
    pub active: Option<bool>,
}

/// An optional listing position: 0 to 10000 (shared with the FAQ).
pub(super) fn position(p: Option<i32>) -> ApiResult<Option<i32>> {
    match p {
        Some(n) if !(0..=10_000).contains(&n) => {
            Err(ApiError::validation("position", "must be from 0 to 10000"))
        }
        p => Ok(p),
    }
}

/// 409 `slug_taken` for a unique violation (the slug is the only unique
/// column an admin writes).
fn slug_taken(e: diesel::result::Error) -> ApiError {
    if db::is_unique_violation(&e) {
        ApiError::Conflict(
            "slug_taken",
            "another category already has this slug".into(),
        )
    } else {
        e.into()
    }
}

async fn existing(c: &mut DbConn, id: &str) -> ApiResult<Category> {
    db::categories::find(c, id)
        .await?
        .ok_or(ApiError::NotFound("category"))
}

fn snapshot(c: &Category) -> serde_json::Value {
    json!({"slug": c.slug, "name": c.name, "position": c.position, "active": c.active,
        "image": c.image})
}

/// Create a category (admins only).
#[utoipa::path(post, path = "/v1/admin/categories", tag = "admin", security(("bearer" = [])),
    request_body = CreateCategoryRequest,
    responses((status = 201, body = CategoryView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 409, description = "`slug_taken`", body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    ValidJson(req): ValidJson<CreateCategoryRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let position = position(req.position)?.unwrap_or(0);
    let now = db::now();
    let row = Category {
        id: db::new_id(),
        slug: req.slug.into_inner(),
        name: req.name.into_inner(),
        description: req
            .description
            .map(LongText::into_inner)
            .unwrap_or_default(),
        position,
        active: req.active.unwrap_or(true),
        image: None,
        created_at: now,
        updated_at: now,
    };
    state
        .in_transaction(async |c| {
            db::categories::insert(c, &row).await.map_err(slug_taken)?;
            audit::record(
                c,
                &me,
                &client,
                Entry {
                    action: "category.create",
                    target_type: "category",
                    target_id: &row.id,
                    before: None,
                    after: Some(snapshot(&row)),
                    reason: None,
                },
            )
            .await
        })
        .await?;
    Ok(HttpResponse::Created().json(CategoryView::from(&row)))
}

/// Edit a category (admins only); absent fields stay.
#[utoipa::path(patch, path = "/v1/admin/categories/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "category id")), request_body = UpdateCategoryRequest,
    responses((status = 200, body = CategoryView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`slug_taken`", body = crate::error::ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<UpdateCategoryRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let changes = CategoryChanges {
        slug: req.slug.map(Slug::into_inner),
        name: req.name.map(Title::into_inner),
        description: req.description.map(LongText::into_inner),
        position: position(req.position)?,
        active: req.active,
        image: None,
        updated_at: Some(db::now()),
    };
    let row = state
        .in_transaction(async |c| {
            let before = existing(c, &path).await?;
            db::categories::update(c, &before.id, &changes)
                .await
                .map_err(slug_taken)?;
            let after = existing(c, &path).await?;
            audit::record(
                c,
                &me,
                &client,
                Entry {
                    action: "category.update",
                    target_type: "category",
                    target_id: &after.id,
                    before: Some(snapshot(&before)),
                    after: Some(snapshot(&after)),
                    reason: None,
                },
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CategoryView::from(&row)))
}

/// Delete a category no service is in (admins only); one in use is
/// refused (409 `category_in_use`): move its services or deactivate it.
#[utoipa::path(delete, path = "/v1/admin/categories/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "category id")),
    responses((status = 204), (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`category_in_use`", body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let gone = state
        .in_transaction(async |c| {
            let row = existing(c, &path).await?;
            let used = db::services::count_in_category(c, &row.id).await?;
            if used > 0 {
                return Err(ApiError::Conflict(
                    "category_in_use",
                    format!("{used} service(s) are in this category; move them or deactivate it"),
                ));
            }
            db::categories::delete(c, &row.id).await?;
            audit::record(
                c,
                &me,
                &client,
                Entry {
                    action: "category.delete",
                    target_type: "category",
                    target_id: &row.id,
                    before: Some(snapshot(&row)),
                    after: None,
                    reason: None,
                },
            )
            .await?;
            Ok(row)
        })
        .await?;
    if let Some(version) = &gone.image {
        images::remove(&*state.blobs, |size| {
            Category::image_key(&gone.id, version, size)
        })
        .await;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Set a category's image (admins only): multipart field `image`, a JPEG,
/// PNG or WebP of at most 5 MB, re-encoded as a display size and a
/// thumbnail; it replaces the previous one.
#[utoipa::path(put, path = "/v1/admin/categories/{id}/image", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "category id")),
    request_body(content_type = "multipart/form-data", description = "field `image`"),
    responses((status = 200, body = CategoryView),
        (status = 400, description = "`undecodable_image`, `mislabelled_file`", body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn set_image(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let id = state
        .with_db(async |c| Ok(existing(c, &path).await?.id))
        .await?;
    let processed = images::receive(form, &["image", "file"], "a category image").await?;
    let version = format!("v{}", uuid::Uuid::now_v7().simple());
    images::store(&*state.blobs, processed, |size| {
        Category::image_key(&id, &version, size)
    })
    .await?;
    let (before, after) = match swap_image(&state, &me, &client, &id, Some(version.clone())).await {
        Ok(pair) => pair,
        Err(e) => {
            images::remove(&*state.blobs, |size| {
                Category::image_key(&id, &version, size)
            })
            .await;
            return Err(e);
        }
    };
    if let Some(old) = before.image.as_deref() {
        images::remove(&*state.blobs, |size| Category::image_key(&id, old, size)).await;
    }
    Ok(HttpResponse::Ok().json(CategoryView::from(&after)))
}

/// Remove a category's image (admins only).
#[utoipa::path(delete, path = "/v1/admin/categories/{id}/image", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "category id")),
    responses((status = 200, body = CategoryView),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_image(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let (before, after) = swap_image(&state, &me, &client, &path, None).await?;
    if let Some(old) = before.image.as_deref() {
        images::remove(&*state.blobs, |size| {
            Category::image_key(&after.id, old, size)
        })
        .await;
    }
    Ok(HttpResponse::Ok().json(CategoryView::from(&after)))
}

/// Points the category at `image` (audited); the rows before and after.
async fn swap_image(
    state: &AppState,
    me: &AuthUser,
    client: &ClientInfo,
    id: &str,
    image: Option<String>,
) -> ApiResult<(Category, Category)> {
    state
        .in_transaction(async |c| {
            let before = existing(c, id).await?;
            let changes = CategoryChanges {
                image: Some(image.clone()),
                updated_at: Some(db::now()),
                ..Default::default()
            };
            db::categories::update(c, &before.id, &changes).await?;
            let after = existing(c, id).await?;
            audit::record(
                c,
                me,
                client,
                Entry {
                    action: "category.image",
                    target_type: "category",
                    target_id: &after.id,
                    before: Some(json!({"image": before.image})),
                    after: Some(json!({"image": after.image})),
                    reason: None,
                },
            )
            .await?;
            Ok((before, after))
        })
        .await
}
