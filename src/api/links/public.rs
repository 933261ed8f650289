use actix_web::{web, HttpResponse};
use chrono::{Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::providers::views::ProviderView;
use crate::api::services::views::ServiceView;
use crate::db::{self, discovery::ProviderName};
use crate::error::{ApiError, ApiResult};
use crate::marketplace;
use crate::state::AppState;

/// A provider's booking page.
#[derive(Serialize, ToSchema)]
pub struct BookingPage {
    /// The public profile (no contact details).
    pub provider: ProviderView,
    /// The services one can book.
    pub services: Vec<ServiceView>,
    /// The provider's time zone (the slots are UTC; show them in it).
    pub timezone: String,
    pub slot_minutes: i32,
    /// Free slot starts in the next 7 days.
    pub free_slots: Vec<chrono::DateTime<Utc>>,
    /// Send it as `link` with `POST /v1/bookings` so the booking counts.
    pub link: String,
}

/// A provider's public booking page by its link (no sign-in needed). An
/// unknown or replaced slug, or a provider not bookable now, is 404.
#[utoipa::path(get, path = "/v1/p/{slug}", tag = "providers",
    params(("slug" = String, Path)),
    responses((status = 200, body = BookingPage), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let slug = path.into_inner();
    if slug.len() > 64 {
        return Err(ApiError::NotFound("link"));
    }
    state
        .with_db(async |conn| {
            let link = db::links::by_slug(conn, &slug)
                .await?
                .ok_or(ApiError::NotFound("link"))?;
            let (user, profile) =
                match marketplace::bookable_provider(conn, &link.provider_id).await {
                    Ok(found) => found,
                    Err(ApiError::Internal(e)) => return Err(ApiError::Internal(e)),
                    Err(_) => return Err(ApiError::NotFound("link")),
                };
            db::links::count_click(conn, &slug).await?;
            let services: Vec<ServiceView> = db::services::of_provider(conn, &user.id, None, 100)
                .await?
                .iter()
                .filter(|s| s.is_listed())
                .map(ServiceView::public)
                .collect();
            let now = Utc::now();
            let free_slots =
                crate::availability::free_slots(conn, &profile, 1, now, now + Duration::days(7))
                    .await?;
            let name = ProviderName {
                first_name: user.first_name.clone(),
                last_name: user.last_name.clone(),
                avatar: user.avatar.clone(),
            };
            Ok(HttpResponse::Ok().json(BookingPage {
                provider: ProviderView::public(&name, &profile, None),
                services,
                timezone: profile.timezone.clone(),
                slot_minutes: profile.slot_minutes,
                free_slots,
                link: slug.clone(),
            }))
        })
        .await
}
