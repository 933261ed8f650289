use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::services::create::check_duration;
use crate::api::services::views::ServiceView;
use crate::db::{self, services::Service};
use crate::domain::{LongText, Money, Title};
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminServiceRequest {
    #[schema(value_type = String)]
    pub title: Title,
    #[schema(value_type = Option<String>)]
    pub description: Option<LongText>,
    pub price: Money,
    /// 5 to 1440; default 60.
    pub duration_minutes: Option<i32>,
    /// A provider to assign it to now; leave out for an unassigned service.
    pub provider_id: Option<String>,
    /// An active category's id or slug.
    pub category_id: Option<String>,
}

/// Create a service (admins only), approved at once, assigned to a provider
/// or not. Customers see it once it is assigned to a bookable provider.
#[utoipa::path(post, path = "/v1/admin/services", tag = "admin", security(("bearer" = [])),
    request_body = AdminServiceRequest,
    responses((status = 201, body = ServiceView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, description = "no such provider", body = crate::error::ErrorBody)))]
pub async fn create_service(
    state: web::Data<AppState>,
    me: AuthUser,
    client: crate::domain::ClientInfo,
    ValidJson(req): ValidJson<AdminServiceRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let duration = check_duration(req.duration_minutes.unwrap_or(60))?;
    state
        .in_transaction(async |conn| {
            let provider_id = match req.provider_id.as_deref().filter(|s| !s.is_empty()) {
                Some(id) => Some(marketplace::provider_account(conn, id).await?.0.id),
                None => None,
            };
            let category_id = match req.category_id.as_deref() {
                Some(key) => Some(marketplace::service_category(conn, key, "category_id").await?),
                None => None,
            };
            let now = db::now();
            let service = Service {
                id: db::new_id(),
                provider_id,
                title: req.title.into_inner(),
                description: req
                    .description
                    .map(LongText::into_inner)
                    .unwrap_or_default(),
                price_amount: req.price.amount,
                currency: req.price.currency,
                duration_minutes: duration,
                status: crate::domain::ServiceStatus::Approved,
                active: true,
                review_note: None,
                reviewed_by: Some(me.id().to_owned()),
                reviewed_at: Some(now),
                created_by: me.id().to_owned(),
                created_at: now,
                updated_at: now,
                deleted_at: None,
                category_id,
                deposit_percent: None,
                deposit_fixed: None,
            };
            db::services::insert(conn, &service).await?;
            super::audit::record(
                conn,
                &me,
                &client,
                super::audit::Entry {
                    action: "service.create",
                    target_type: "service",
                    target_id: &service.id,
                    before: None,
                    after: Some(serde_json::json!({
                        "title": service.title,
                        "price_amount": service.price_amount,
                        "currency": service.currency,
                        "provider_id": service.provider_id,
                    })),
                    reason: None,
                },
            )
            .await?;
            Ok(HttpResponse::Created().json(ServiceView::full(&service)))
        })
        .await
}
