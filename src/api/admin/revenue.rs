use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::stats::trends::TrendsQuery;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema, Default)]
pub struct MoneyFlows {
    /// Paid in by customers (captured into escrow), minor units.
    pub paid_in: i64,
    /// The platform's commission (completions and cancellation fees).
    pub commission: i64,
    /// Paid out to providers' wallets (completions and cancellation fees).
    pub provider_earnings: i64,
    /// Refunded to customers.
    pub refunds: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueDay {
    #[schema(value_type = String, example = "2026-12-01")]
    pub date: NaiveDate,
    #[serde(flatten)]
    pub money: MoneyFlows,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceRevenue {
    pub service_id: String,
    pub title: String,
    /// Bookings of it completed in the range.
    pub completed: i64,
    /// Their prices, minor units.
    pub revenue: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryRevenue {
    /// `null`: services in no category.
    pub category_id: Option<String>,
    /// The category's name (`null` with no category).
    pub name: Option<String>,
    /// Bookings in it completed in the range.
    pub completed: i64,
    /// Their prices, minor units.
    pub revenue: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueView {
    /// The whole range.
    pub total: MoneyFlows,
    /// Oldest first, one per UTC day.
    pub days: Vec<RevenueDay>,
    /// Most revenue first.
    pub by_service: Vec<ServiceRevenue>,
    /// The same bookings by their service's category, most revenue first.
    pub by_category: Vec<CategoryRevenue>,
}

impl MoneyFlows {
    fn add(&mut self, row: &db::stats::LedgerDay) {
        let kind = row.kind.as_str();
        match (kind, row.class.as_str()) {
            ("funding", "customer") => self.paid_in -= row.total,
            ("release" | "cancellation_fee", "commission") => self.commission += row.total,
            ("release" | "cancellation_fee", "provider") => self.provider_earnings += row.total,
            ("refund", "customer") => self.refunds += row.total,
            _ => {}
        }
    }
}

/// Money by day, by service and by category over the last `days` (admins only), from the
/// ledger.
#[utoipa::path(get, path = "/v1/admin/stats/revenue", tag = "admin", security(("bearer" = [])),
    params(TrendsQuery),
    responses((status = 200, body = RevenueView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn revenue(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<TrendsQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let days = crate::api::stats::days(query.days, db::now().date())?;
    state
        .with_db(async |c| {
            let (Some(first), Some(last)) = (days.first(), days.last()) else {
                return Err(ApiError::validation("days", "must be between 1 and 365"));
            };
            let (from, to) = (first.1, last.2);
            // One pass over the range's ledger entries, summed by day.
            let mut by_day: HashMap<String, MoneyFlows> = HashMap::new();
            let mut total = MoneyFlows::default();
            for row in db::stats::ledger_by_day(c, from, to).await? {
                total.add(&row);
                by_day.entry(row.day.clone()).or_default().add(&row);
            }
            let out: Vec<RevenueDay> = days
                .iter()
                .map(|(date, ..)| RevenueDay {
                    date: *date,
                    money: by_day
                        .remove(&date.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                })
                .collect();
            let rows = db::stats::completed_by_service(c, from, to).await?;
            let ids: Vec<&str> = rows.iter().map(|(id, ..)| id.as_str()).collect();
            let titles: HashMap<String, (String, Option<String>)> = db::services::titles(c, &ids)
                .await?
                .into_iter()
                .map(|(id, title, category)| (id, (title, category)))
                .collect();
            let mut by_service = Vec::with_capacity(rows.len());
            let mut categories: HashMap<Option<String>, (i64, i64)> = HashMap::new();
            for (id, completed, revenue) in rows {
                let (title, category) = titles.get(&id).cloned().unwrap_or_default();
                let sums = categories.entry(category).or_default();
                sums.0 += completed;
                sums.1 += revenue;
                by_service.push(ServiceRevenue {
                    service_id: id,
                    title,
                    completed,
                    revenue,
                });
            }
            by_service.sort_by(|a, b| {
                b.revenue
                    .cmp(&a.revenue)
                    .then(a.service_id.cmp(&b.service_id))
            });
            let category_ids: Vec<&str> = categories.keys().flatten().map(String::as_str).collect();
            let names: HashMap<String, String> = db::categories::names(c, &category_ids)
                .await?
                .into_iter()
                .collect();
            let mut by_category: Vec<CategoryRevenue> = categories
                .into_iter()
                .map(|(id, (completed, revenue))| CategoryRevenue {
                    name: id.as_ref().and_then(|id| names.get(id).cloned()),
                    category_id: id,
                    completed,
                    revenue,
                })
                .collect();
            by_category.sort_by(|a, b| {
                b.revenue
                    .cmp(&a.revenue)
                    .then(a.category_id.cmp(&b.category_id))
            });
            Ok(HttpResponse::Ok().json(RevenueView {
                total,
                days: out,
                by_service,
                by_category,
            }))
        })
        .await
}
