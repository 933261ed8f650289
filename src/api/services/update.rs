use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::access::editable;
use super::create::{check_deposit, check_duration};
use super::views::ServiceView;
use crate::db::{self, services::ServiceChanges};
use crate::domain::{LongText, Money, Title};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::payments::policy::DepositRule;
use crate::state::AppState;

/// Fields to change; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceRequest {
    #[schema(value_type = Option<String>)]
    pub title: Option<Title>,
    #[schema(value_type = Option<String>)]
    pub description: Option<LongText>,
    pub price: Option<Money>,
    pub duration_minutes: Option<i32>,
    /// Hide (`false`) or show the service without losing its approval.
    pub active: Option<bool>,
    /// An active category's id or slug; `null` takes it out of its category.
    /// Moving categories does not need a new approval.
    #[serde(default, deserialize_with = "crate::domain::nullable")]
    #[schema(value_type = Option<String>)]
    pub category_id: Option<Option<String>>,
    /// A new deposit rule; `null` books it by the whole price again. Changes
    /// only bookings made afterwards, and needs no new approval.
    #[serde(default, deserialize_with = "crate::domain::nullable")]
    #[schema(value_type = Option<DepositRule>)]
    pub deposit: Option<Option<DepositRule>>,
}

/// Edit a service (its provider, or an admin). When its provider changes the
/// title, description or price, it goes back to `pending` and disappears from
/// customers until an admin approves it again; an admin's edit keeps the status.
#[utoipa::path(patch, path = "/v1/services/{id}", tag = "services", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id")), request_body = UpdateServiceRequest,
    responses((status = 200, body = ServiceView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`not_owner`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
    ValidJson(req): ValidJson<UpdateServiceRequest>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let duration = req.duration_minutes.map(check_duration).transpose()?;
    state
        .with_db(async |conn| {
            let service = editable(conn, &me, &id).await?;
            let category_id = match req.category_id.as_ref() {
                Some(Some(key)) => Some(Some(
                    crate::marketplace::service_category(conn, key, "category_id").await?,
                )),
                Some(None) => Some(None),
                None => None,
            };
            let title = req
                .title
                .map(Title::into_inner)
                .filter(|t| *t != service.title);
            let description = req
                .description
                .map(LongText::into_inner)
                .filter(|d| *d != service.description);
            let price = req
                .price
                .filter(|p| p.amount != service.price_amount || p.currency != service.currency);
            // Checked against the price the service will have after this edit.
            let new_price = price.as_ref().map_or(service.price_amount, |p| p.amount);
            let deposit = match req.deposit {
                Some(Some(rule)) => Some(Some(check_deposit(rule, new_price)?)),
                Some(None) => Some(None),
                None => service
                    .deposit()
                    .map(|rule| check_deposit(rule, new_price))
                    .transpose()
                    .map(|_| None)?,
            };
            let (deposit_percent, deposit_fixed) = match deposit {
                Some(rule) => {
                    let (p, f) = DepositRule::columns(rule);
                    (Some(p), Some(f))
                }
                None => (None, None),
            };
            let reviewable = title.is_some() || description.is_some() || price.is_some();
            let mut changes = ServiceChanges {
                title,
                description,
                price_amount: price.as_ref().map(|p| p.amount),
                currency: price.map(|p| p.currency),
                duration_minutes: duration,
                active: req.active,
                category_id,
                deposit_percent,
                deposit_fixed,
                updated_at: Some(db::now()),
                ..Default::default()
            };
            if reviewable && !me.is_admin() {
                changes.status = Some(crate::domain::ServiceStatus::Pending);
                changes.review_note = Some(None);
                changes.reviewed_by = Some(None);
                changes.reviewed_at = Some(None);
            }
            db::services::update(conn, &id, &changes).await?;
            let service = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?;
            Ok(HttpResponse::Ok().json(ServiceView::full(&service)))
        })
        .await
}
