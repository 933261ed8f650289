use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::ServiceView;
use crate::db::{self, services::Service};
use crate::domain::{LongText, Money, Title};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::payments::policy::DepositRule;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceRequest {
    /// 1 to 120 characters.
    #[schema(value_type = String)]
    pub title: Title,
    /// Up to 2000 characters.
    #[schema(value_type = Option<String>)]
    pub description: Option<LongText>,
    /// In minor units, e.g. `{"amount": 75000, "currency": "ZAR"}`.
    pub price: Money,
    /// 5 to 1440; default 60.
    pub duration_minutes: Option<i32>,
    /// An active category's id or slug (`GET /v1/categories`).
    pub category_id: Option<String>,
    /// Part of the price paid up front to book it; the balance is paid
    /// before the job completes. Absent: the whole price is paid to book.
    pub deposit: Option<DepositRule>,
}

/// 400 naming `deposit` unless the rule fits a service priced `price`.
pub fn check_deposit(rule: DepositRule, price: i64) -> ApiResult<DepositRule> {
    rule.check(price)
        .map_err(|why| ApiError::validation("deposit", why))
}

/// 400 unless 5 to 1440 minutes.
pub fn check_duration(minutes: i32) -> ApiResult<i32> {
    if (5..=1440).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ApiError::validation(
            "duration_minutes",
            "must be from 5 to 1440",
        ))
    }
}

/// Publish a service (providers with a complete, verified profile only).
/// It waits for an admin's approval (`status: pending`) before customers see it.
#[utoipa::path(post, path = "/v1/services", tag = "services", security(("bearer" = [])),
    request_body = CreateServiceRequest,
    responses((status = 201, body = ServiceView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`, `profile_incomplete` or `provider_not_verified`",
            body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<CreateServiceRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let duration = check_duration(req.duration_minutes.unwrap_or(60))?;
    let deposit = req
        .deposit
        .map(|d| check_deposit(d, req.price.amount))
        .transpose()?;
    let (deposit_percent, deposit_fixed) = DepositRule::columns(deposit);
    state
        .with_db(async |conn| {
            marketplace::ensure_bookable(conn, me.id()).await?;
            let category_id = match req.category_id.as_deref() {
                Some(key) => Some(marketplace::service_category(conn, key, "category_id").await?),
                None => None,
            };
            let now = db::now();
            let service = Service {
                id: db::new_id(),
                provider_id: Some(me.id().to_owned()),
                title: req.title.into_inner(),
                description: req
                    .description
                    .map(LongText::into_inner)
                    .unwrap_or_default(),
                price_amount: req.price.amount,
                currency: req.price.currency,
                duration_minutes: duration,
                status: crate::domain::ServiceStatus::Pending,
                active: true,
                review_note: None,
                reviewed_by: None,
                reviewed_at: None,
                created_by: me.id().to_owned(),
                created_at: now,
                updated_at: now,
                deleted_at: None,
                category_id,
                deposit_percent,
                deposit_fixed,
            };
            db::services::insert(conn, &service).await?;
            Ok(HttpResponse::Created().json(ServiceView::full(&service)))
        })
        .await
}
