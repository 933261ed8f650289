use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{mark_favorites, ProviderView};
use crate::api::views::Page;
use crate::db::discovery::ProviderQuery;
use crate::domain::Skill;
use crate::error::{ApiError, ApiResult};
use crate::extract::MaybeUser;
use crate::marketplace::discovery::{self, Sort};
use crate::state::AppState;

/// The query string, parsed by hand so that a bad value is a 400 naming it.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderSearch {
    /// Text in the provider's name or bio.
    q: Option<String>,
    /// A skill the provider lists, e.g. `plumbing`.
    skill: Option<String>,
    /// `true` or `false`.
    #[param(value_type = Option<bool>)]
    online: Option<String>,
    /// 0 to 5.
    #[param(value_type = Option<f64>)]
    min_rating: Option<String>,
    /// `lat,lng`: only providers whose base is within `radius_km` of it and
    /// who serve it (within their own `service_radius_km`).
    near: Option<String>,
    /// Default 50, at most 500; needs `near`.
    #[param(value_type = Option<f64>)]
    radius_km: Option<String>,
    /// `distance` (the default with `near`; needs it) or `rating`; without
    /// `near` the default is newest first.
    sort: Option<String>,
    /// `YYYY-MM-DD`: has at least one free slot that (local) day.
    #[param(value_type = Option<String>, format = Date)]
    available_on: Option<String>,
    /// 1 to 100, default 20.
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Find bookable providers. Results carry `distance_km` when `near` is
/// given. A page may hold fewer than `limit` items while `next_cursor` is
/// set (with `available_on`); keep paging until it is `null`.
#[utoipa::path(get, path = "/v1/providers", tag = "providers", params(ProviderSearch),
    responses((status = 200, body = Page<ProviderView>),
        (status = 400, description = "a bad parameter, named in `field`", body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    query: web::Query<ProviderSearch>,
) -> ApiResult<HttpResponse> {
    let p = query.into_inner();
    let paging = discovery::parse_paging(
        &p.near,
        &p.radius_km,
        &p.sort,
        &p.available_on,
        &p.limit,
        &p.cursor,
        &[Sort::Newest, Sort::Distance, Sort::Rating],
    )?;
    let skill = match p.skill.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            Skill::try_from(s.to_owned())
                .map_err(|e| ApiError::validation("skill", e))?
                .into_inner(),
        ),
        None => None,
    };
    let filter = ProviderQuery {
        text: discovery::parse_text("q", &p.q)?,
        skill,
        online: discovery::parse_bool("online", &p.online)?,
        min_rating: discovery::parse_f64("min_rating", &p.min_rating, 0.0, 5.0)?,
        bbox: None,
    };
    state
        .with_db(async |conn| {
            let found = discovery::providers(conn, filter, &paging).await?;
            let mut items: Vec<ProviderView> = found
                .items
                .iter()
                .map(|h| ProviderView::public(&h.row.1, &h.row.0, h.distance_km))
                .collect();
            mark_favorites(conn, viewer.user(), &mut items).await?;
            Ok(HttpResponse::Ok().json(Page {
                items,
                next_cursor: found.next_cursor,
            }))
        })
        .await
}
