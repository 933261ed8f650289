use actix_web::{web, HttpResponse};

use super::views::ProviderView;
use crate::db::discovery::ProviderName;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::MaybeUser;
use crate::marketplace;
use crate::state::AppState;

/// A provider's public profile (no contact details). Customers and anonymous
/// callers see bookable providers only (404 otherwise); the provider
/// themselves (also as `/v1/providers/me`) and admins see any provider
/// account, with its account details.
#[utoipa::path(get, path = "/v1/providers/{id}", tag = "providers",
    params(("id" = String, Path, description = "provider id, or `me`")),
    responses((status = 200, body = ProviderView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let mut id = path.into_inner();
    if id == "me" {
        match viewer.user() {
            Some(u) if u.role == Role::Provider => id = u.id.clone(),
            _ => return Err(ApiError::NotFound("provider")),
        }
    }
    state
        .with_db(async |conn| {
            let privileged = viewer
                .user()
                .is_some_and(|u| u.id == id || u.role == Role::Admin);
            if privileged {
                let (user, profile) = marketplace::provider_account(conn, &id).await?;
                return Ok(HttpResponse::Ok().json(ProviderView::own(&user, &profile)));
            }
            let (user, profile) = marketplace::bookable_provider(conn, &id).await?;
            let name = ProviderName {
                first_name: user.first_name,
                last_name: user.last_name,
                avatar: user.avatar,
            };
            let mut view = [ProviderView::public(&name, &profile, None)];
            super::views::mark_favorites(conn, viewer.user(), &mut view).await?;
            let [view] = view;
            Ok(HttpResponse::Ok().json(view))
        })
        .await
}
