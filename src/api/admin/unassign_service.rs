use actix_web::{web, HttpResponse};

use crate::api::services::views::ServiceView;
use crate::db;
use crate::domain::ClientInfo;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Take a service away from its provider (admins only); customers no longer
/// see it until it is assigned again. Holds and bookings already made stay.
#[utoipa::path(post, path = "/v1/admin/services/{id}/unassign", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id")),
    responses((status = 200, body = ServiceView),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn unassign_service(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let id = path.into_inner();
    state
        .in_transaction(async |conn| {
            let was = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?
                .provider_id;
            db::services::set_provider(conn, &id, None).await?;
            super::audit::record(
                conn,
                &me,
                &client,
                super::audit::Entry {
                    action: "service.unassign",
                    target_type: "service",
                    target_id: &id,
                    before: Some(serde_json::json!({"provider_id": was})),
                    after: Some(serde_json::json!({"provider_id": null})),
                    reason: None,
                },
            )
            .await?;
            let service = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?;
            Ok(HttpResponse::Ok().json(ServiceView::full(&service)))
        })
        .await
}
