use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use onsite_actors::booking::BookingState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{self, performance};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct PerformanceQuery {
    /// Bookings created in the last N days, 1 to 365 (default 30).
    pub days: Option<i64>,
}

/// How a provider is doing over the window.
#[derive(Serialize, ToSchema)]
pub struct PerformanceView {
    pub provider_id: String,
    pub days: i64,
    /// Bookings created in the window.
    pub bookings: i64,
    /// Those bookings by current status.
    pub by_status: BTreeMap<String, i64>,
    /// Paid requests the provider accepted, declined, and left unanswered
    /// until they expired.
    pub accepted: i64,
    pub declined: i64,
    pub unanswered: i64,
    /// accepted / (accepted + declined + unanswered); `null` with no answers.
    pub acceptance_rate: Option<f64>,
    pub completed: i64,
    /// completed / accepted; `null` when nothing was accepted.
    pub completion_rate: Option<f64>,
    /// Prices of the completed bookings, minor units.
    pub revenue: i64,
    /// What the provider's wallet was paid in the window (after commission
    /// and penalties), minor units.
    pub earnings: i64,
    /// Published rating (all time).
    pub rating: f64,
    pub rating_count: i64,
    /// Completed jobs whose duration was measured, and those that ran over.
    pub sla_measured: i64,
    pub sla_breaches: i64,
    /// Taken from the provider for breaches, minor units.
    pub sla_penalties: i64,
    /// Complaints about the provider filed in the window.
    pub complaints: i64,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

/// A provider's bookings, acceptance and completion rates, revenue, rating
/// and SLA breaches over the last `days` (admins only).
#[utoipa::path(get, path = "/v1/admin/providers/{id}/performance", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "provider id"), PerformanceQuery),
    responses((status = 200, body = PerformanceView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn performance(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
    query: web::Query<PerformanceQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let days = query.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::validation("days", "must be between 1 and 365"));
    }
    let since = db::now() - chrono::Duration::days(days);
    let id = path.into_inner();
    let view = state
        .with_db(async |c| {
            let (_, profile) = marketplace::provider_account(c, &id).await?;
            let by_status = performance::by_status(c, &id, since).await?;
            let count = |s: BookingState| {
                by_status
                    .iter()
                    .find(|(st, _)| *st == s)
                    .map_or(0, |(_, n)| *n)
            };
            let accepted = performance::answered(c, &id, since, BookingState::Confirmed).await?;
            let declined = performance::answered(c, &id, since, BookingState::Declined).await?;
            let unanswered = performance::answered(c, &id, since, BookingState::Expired).await?;
            let completed = count(BookingState::Completed);
            let (revenue, earnings) = performance::money(c, &id, since).await?;
            let (sla_measured, sla_breaches, sla_penalties) =
                performance::sla(c, &id, since).await?;
            let complaints = performance::complaints_against(c, &id, since).await?;
            Ok(PerformanceView {
                provider_id: id.clone(),
                days,
                bookings: by_status.iter().map(|(_, n)| n).sum(),
                by_status: by_status.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
                accepted,
                declined,
                unanswered,
                acceptance_rate: rate(accepted, accepted + declined + unanswered),
                completed,
                completion_rate: rate(completed, accepted),
                revenue,
                earnings,
                rating: profile.rating,
                rating_count: profile.rating_count,
                sla_measured,
                sla_breaches,
                sla_penalties,
                complaints,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
