use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::cursor::{self, PageQuery};
use crate::api::providers::views::ProviderView;
use crate::db::{self, discovery::ProviderName};
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::marketplace;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct FavoriteView {
    pub provider_id: String,
    pub added_at: DateTime<Utc>,
    /// The provider as customers see them; `null` while they cannot be
    /// booked (not verified, suspended, gone).
    pub provider: Option<ProviderView>,
}

#[derive(Serialize, ToSchema)]
pub struct FavoritePage {
    /// Newest first.
    pub items: Vec<FavoriteView>,
    pub next_cursor: Option<String>,
}

/// My favorite providers, newest first.
#[utoipa::path(get, path = "/v1/favorites", tag = "favorites", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = FavoritePage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    super::customer(&me)?;
    let limit = query.limit()?;
    let before = query.after()?;
    state
        .with_db(async |c| {
            let rows = db::favorites::page(c, me.id(), before, limit).await?;
            let next_cursor = cursor::next(&rows, limit, |(id, at)| (*at, id.clone()));
            let mut items = Vec::with_capacity(rows.len());
            for (provider_id, added_at) in rows {
                let user = db::users::find(c, &provider_id).await?;
                let profile = db::providers::find(c, &provider_id).await?;
                let provider = match (user, profile) {
                    (Some(u), Some(p)) if marketplace::is_bookable(&u, &p) => {
                        let name = ProviderName {
                            first_name: u.first_name,
                            last_name: u.last_name,
                            avatar: u.avatar,
                        };
                        let mut view = ProviderView::public(&name, &p, None);
                        view.is_favorite = Some(true);
                        Some(view)
                    }
                    _ => None,
                };
                items.push(FavoriteView {
                    provider_id,
                    added_at: db::utc(added_at),
                    provider,
                });
            }
            Ok(HttpResponse::Ok().json(FavoritePage { items, next_cursor }))
        })
        .await
}
