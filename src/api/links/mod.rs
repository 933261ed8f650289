//! Booking links (Nobat): a provider shares `/v1/p/{slug}`, an unguessable
//! public page with their profile, services and free slots (no contact
//! details). Regenerating the link stops the old one at once. Clicks on the
//! page and bookings made from it (`link` in `POST /v1/bookings`) are
//! counted for the provider.

pub mod mine;
pub mod public;

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::links::BookingLink;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/providers/me/link")
            .route(web::get().to(mine::get))
            .route(web::post().to(mine::regenerate)),
    )
    .service(web::resource("/v1/p/{slug}").route(web::get().to(public::get)));
}

/// The provider's link and what it brought.
#[derive(Serialize, ToSchema)]
pub struct LinkView {
    pub slug: String,
    /// The page to share.
    pub url: String,
    /// Opens of the page, across regenerations.
    pub clicks: i64,
    /// Bookings made from the page.
    pub conversions: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the current slug replaced the previous one.
    pub regenerated_at: chrono::DateTime<chrono::Utc>,
}

impl LinkView {
    fn new(link: &BookingLink, public_url: &str) -> Self {
        Self {
            slug: link.slug.clone(),
            url: format!("{public_url}/v1/p/{}", link.slug),
            clicks: link.clicks,
            conversions: link.conversions,
            created_at: crate::db::utc(link.created_at),
            regenerated_at: crate::db::utc(link.regenerated_at),
        }
    }
}
