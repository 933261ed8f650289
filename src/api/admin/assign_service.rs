use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::services::views::ServiceView;
use crate::db;
use crate::domain::ClientInfo;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub provider_id: String,
}

/// Assign a service to a provider, or move it to another one (admins only).
/// Its status is kept.
#[utoipa::path(post, path = "/v1/admin/services/{id}/assign", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id")), request_body = AssignRequest,
    responses((status = 200, body = ServiceView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, description = "no such service or provider", body = crate::error::ErrorBody)))]
pub async fn assign_service(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<AssignRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let id = path.into_inner();
    state
        .in_transaction(async |conn| {
            let was = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?
                .provider_id;
            let (provider, _) = marketplace::provider_account(conn, &req.provider_id).await?;
            db::services::set_provider(conn, &id, Some(&provider.id)).await?;
            super::audit::record(
                conn,
                &me,
                &client,
                super::audit::Entry {
                    action: "service.assign",
                    target_type: "service",
                    target_id: &id,
                    before: Some(serde_json::json!({"provider_id": was})),
                    after: Some(serde_json::json!({"provider_id": provider.id})),
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
