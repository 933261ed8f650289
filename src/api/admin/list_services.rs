use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::services::views::ServiceView;
use crate::api::views::Page;
use crate::db::{self, services::AdminFilter};
use crate::domain::ServiceStatus;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::marketplace::cursor::Cursor;
use crate::marketplace::discovery::{self, DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminServiceQuery {
    /// `pending`, `approved` or `rejected`.
    status: Option<String>,
    /// Only this provider's services.
    provider_id: Option<String>,
    /// `true`: only services not assigned to any provider.
    #[param(value_type = Option<bool>)]
    unassigned: Option<String>,
    /// 1 to 100, default 20.
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// Every service that is not deleted, in any status, newest first (admins only).
#[utoipa::path(get, path = "/v1/admin/services", tag = "admin", security(("bearer" = [])),
    params(AdminServiceQuery),
    responses((status = 200, body = Page<ServiceView>), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody)))]
pub async fn list_services(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<AdminServiceQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<ServiceStatus>().map_err(|_| {
            ApiError::validation("status", "must be pending, approved or rejected")
        })?),
    };
    let limit = discovery::parse_i64("limit", &q.limit, 1, MAX_LIMIT as i64)?
        .map_or(DEFAULT_LIMIT, |n| {
            usize::try_from(n).unwrap_or(DEFAULT_LIMIT)
        });
    let filter = AdminFilter {
        status,
        provider_id: q.provider_id.filter(|s| !s.is_empty()),
        unassigned: discovery::parse_bool("unassigned", &q.unassigned)? == Some(true),
        before_id: match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(raw) => Some(Cursor::decode(raw, "admin")?.id),
            None => None,
        },
    };
    state
        .with_db(async |conn| {
            let mut rows = db::services::admin_list(conn, &filter, limit as i64 + 1).await?;
            let next_cursor = if rows.len() > limit {
                rows.truncate(limit);
                rows.last()
                    .map(|s| Cursor::new("admin", &s.id, None, None).encode())
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
