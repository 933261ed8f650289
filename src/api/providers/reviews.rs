use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::views::Page;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::marketplace;
use crate::state::AppState;

/// A customer's review of a provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub booking_id: String,
    /// 1 to 5.
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A provider's reviews. Ratings are not implemented yet, so this is always
/// an empty page (`{"items": [], "next_cursor": null}`) for a bookable
/// provider, and 404 for anyone else.
#[utoipa::path(get, path = "/v1/providers/{id}/reviews", tag = "providers",
    params(("id" = String, Path, description = "provider id")),
    responses((status = 200, body = Page<ReviewView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .with_db(async |conn| {
            let user = db::users::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("provider"))?;
            db::providers::find(conn, &id)
                .await?
                .filter(|p| marketplace::is_bookable(&user, p))
                .ok_or(ApiError::NotFound("provider"))?;
            Ok(HttpResponse::Ok().json(Page::<ReviewView> {
                items: Vec::new(),
                next_cursor: None,
            }))
        })
        .await
}
