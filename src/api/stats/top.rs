use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::providers::views::ProviderView;
use crate::db::{self, discovery::ProviderName};
use crate::error::{ApiError, ApiResult};
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct TopQuery {
    /// 1 to 50 (default 10).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TopProviders {
    /// Best rated first (published ratings), ties by how many rated.
    pub items: Vec<ProviderView>,
}

/// The best rated bookable providers, as their public profiles.
#[utoipa::path(get, path = "/v1/stats/providers/top", tag = "stats", params(TopQuery),
    responses((status = 200, body = TopProviders), (status = 400, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    query: web::Query<TopQuery>,
) -> ApiResult<HttpResponse> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 50"));
    }
    state
        .with_db(async |c| {
            // Some rated providers may not be bookable (an incomplete profile).
            let rows = db::stats::best_rated(c, limit * 2).await?;
            let items = rows
                .iter()
                .filter(|(p, u)| marketplace::is_bookable(u, p))
                .take(limit as usize)
                .map(|(p, u)| {
                    let name = ProviderName {
                        first_name: u.first_name.clone(),
                        last_name: u.last_name.clone(),
                        avatar: u.avatar.clone(),
                    };
                    ProviderView::public(&name, p, None)
                })
                .collect();
            Ok(HttpResponse::Ok().json(TopProviders { items }))
        })
        .await
}
