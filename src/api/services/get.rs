use actix_web::{web, HttpResponse};

use super::views::ServiceView;
use crate::db;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::MaybeUser;
use crate::marketplace;
use crate::state::AppState;

/// A service. Customers and anonymous callers see only approved, active
/// services of bookable providers (404 otherwise); its provider sees it in
/// any status, admins see every one.
#[utoipa::path(get, path = "/v1/services/{id}", tag = "services",
    params(("id" = String, Path, description = "service id")),
    responses((status = 200, body = ServiceView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .with_db(async |conn| {
            let service = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?;
            if !marketplace::can_see_service(conn, viewer.user(), &service).await? {
                return Err(ApiError::NotFound("service"));
            }
            let privileged = viewer.user().is_some_and(|u| {
                u.role == Role::Admin || service.provider_id.as_deref() == Some(u.id.as_str())
            });
            Ok(HttpResponse::Ok().json(if privileged {
                ServiceView::full(&service)
            } else {
                ServiceView::public(&service)
            }))
        })
        .await
}
