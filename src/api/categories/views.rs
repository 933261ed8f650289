//! What the API shows of a category.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, categories::Category};

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: String,
    /// `[a-z0-9-]`; `GET /v1/services?category=` takes it (or the id).
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Listing order, lowest first.
    pub position: i32,
    /// Inactive categories are shown to admins only.
    pub active: bool,
    /// Up to 1280 px, JPEG; `null` without an image. The URL changes with
    /// the image, so it may be cached.
    pub image_url: Option<String>,
    /// Up to 320 px.
    pub thumb_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Category> for CategoryView {
    fn from(c: &Category) -> Self {
        let url = c
            .image
            .as_ref()
            .map(|v| format!("/v1/categories/{}/image?v={v}", c.id));
        Self {
            id: c.id.clone(),
            slug: c.slug.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            position: c.position,
            active: c.active,
            thumb_url: url.as_ref().map(|u| format!("{u}&size=thumb")),
            image_url: url,
            created_at: db::utc(c.created_at),
            updated_at: db::utc(c.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    /// In listing order.
    pub items: Vec<CategoryView>,
}
