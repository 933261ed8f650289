use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::ServiceView;
use crate::api::views::Page;
use crate::db::{self, discovery::ServiceQuery};
use crate::domain::MAX_AMOUNT;
use crate::error::{ApiError, ApiResult};
use crate::extract::MaybeUser;
use crate::marketplace::cursor::Cursor;
use crate::marketplace::discovery::{self, Sort, DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;

/// The query string, parsed by hand so that a bad value is a 400 naming it.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceSearch {
    /// Text in the title or description.
    q: Option<String>,
    /// Lowest price in minor units.
    #[param(value_type = Option<i64>)]
    min_price: Option<String>,
    /// Highest price in minor units.
    #[param(value_type = Option<i64>)]
    max_price: Option<String>,
    /// The provider's rating, 0 to 5.
    #[param(value_type = Option<f64>)]
    min_rating: Option<String>,
    /// Only this provider's services.
    provider_id: Option<String>,
    /// Only services in this category (id or slug); an unknown or inactive
    /// one is a 400.
    category: Option<String>,
    /// `lat,lng`: only services of providers whose base is within
    /// `radius_km` of it and who serve it (within their `service_radius_km`).
    near: Option<String>,
    /// Default 50, at most 500; needs `near`.
    #[param(value_type = Option<f64>)]
    radius_km: Option<String>,
    /// `distance` (the default with `near`; needs it), `price` (cheapest
    /// first) or `rating` (best first); without `near` the default is newest first.
    sort: Option<String>,
    /// `YYYY-MM-DD`: the provider has a free start for this service that (local) day.
    #[param(value_type = Option<String>, format = Date)]
    available_on: Option<String>,
    /// 1 to 100, default 20.
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `true` (providers only): my own services in any status, newest first;
    /// the other filters are ignored.
    #[param(value_type = Option<bool>)]
    mine: Option<String>,
}

/// Find services. Customers and anonymous callers (and everyone, without
/// `mine`) see approved, active services of verified providers with
/// complete profiles. Results carry `distance_km` when `near` is given. A
/// page may hold fewer than `limit` items while `next_cursor` is set (with
/// `available_on`); keep paging until it is `null`.
#[utoipa::path(get, path = "/v1/services", tag = "services", params(ServiceSearch),
    responses((status = 200, body = Page<ServiceView>),
        (status = 400, description = "a bad parameter, named in `field`", body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only` (with `mine`)", body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    query: web::Query<ServiceSearch>,
) -> ApiResult<HttpResponse> {
    let p = query.into_inner();
    if discovery::parse_bool("mine", &p.mine)? == Some(true) {
        return mine(&state, &viewer, &p).await;
    }
    let paging = discovery::parse_paging(
        &p.near,
        &p.radius_km,
        &p.sort,
        &p.available_on,
        &p.limit,
        &p.cursor,
        &[Sort::Newest, Sort::Distance, Sort::Price, Sort::Rating],
    )?;
    let min_price = discovery::parse_i64("min_price", &p.min_price, 0, MAX_AMOUNT)?;
    let max_price = discovery::parse_i64("max_price", &p.max_price, 0, MAX_AMOUNT)?;
    if let (Some(min), Some(max)) = (min_price, max_price) {
        if max < min {
            return Err(ApiError::validation(
                "max_price",
                "must not be below min_price",
            ));
        }
    }
    let filter = ServiceQuery {
        text: discovery::parse_text("q", &p.q)?,
        min_price,
        max_price,
        min_rating: discovery::parse_f64("min_rating", &p.min_rating, 0.0, 5.0)?,
        provider_id: p.provider_id.clone().filter(|s| !s.is_empty()),
        category_id: None,
        bbox: None,
    };
    let category = p.category.clone().filter(|s| !s.is_empty());
    state
        .with_db(async |conn| {
            let mut filter = filter;
            if let Some(key) = &category {
                filter.category_id =
                    Some(crate::marketplace::service_category(conn, key, "category").await?);
            }
            let found = discovery::services(conn, filter, &paging).await?;
            Ok(HttpResponse::Ok().json(Page {
                items: found
                    .items
                    .iter()
                    .map(|h| ServiceView::listed(&h.row, h.distance_km))
                    .collect::<Vec<_>>(),
                next_cursor: found.next_cursor,
            }))
        })
        .await
}

/// A provider's own services in any status, newest first.
async fn mine(state: &AppState, viewer: &MaybeUser, p: &ServiceSearch) -> ApiResult<HttpResponse> {
    let me = viewer.0.as_ref().ok_or_else(|| {
        ApiError::Unauthorized(
            "missing_token",
            "mine=true needs a provider's bearer token".into(),
        )
    })?;
    me.require_provider()?;
    let limit = discovery::parse_i64("limit", &p.limit, 1, MAX_LIMIT as i64)?
        .map_or(DEFAULT_LIMIT, |n| {
            usize::try_from(n).unwrap_or(DEFAULT_LIMIT)
        });
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => Some(Cursor::decode(raw, "mine")?.id),
        None => None,
    };
    state
        .with_db(async |conn| {
            let mut rows =
                db::services::of_provider(conn, me.id(), before.as_deref(), limit as i64 + 1)
                    .await?;
            let next_cursor = if rows.len() > limit {
                rows.truncate(limit);
                rows.last()
                    .map(|s| Cursor::new("mine", &s.id, None, None).encode())
            } else {
                None
            };
            Ok(HttpResponse::Ok().json(Page {
                items: rows.iter().map(ServiceView::full).collect::<Vec<_>>(),
                next_cursor,
            }))
        })
        .await
}
