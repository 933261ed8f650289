use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct TrendsQuery {
    /// How many days back, today included: 1 to 365 (default 30).
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DayView {
    /// The UTC day.
    #[schema(value_type = String, example = "2026-12-01")]
    pub date: NaiveDate,
    /// Bookings created that day.
    pub total: i64,
    /// Bookings completed that day.
    pub completed: i64,
    /// The prices of the bookings completed that day, in minor units.
    pub revenue: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TrendsView {
    /// Oldest first, one per day, days without bookings included.
    pub days: Vec<DayView>,
}

/// Bookings per day (public, aggregate only).
#[utoipa::path(get, path = "/v1/stats/bookings/trends", tag = "stats", params(TrendsQuery),
    responses((status = 200, body = TrendsView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    query: web::Query<TrendsQuery>,
) -> ApiResult<HttpResponse> {
    let days = super::days(query.days, db::now().date())?;
    state
        .with_db(async |c| {
            let mut out = Vec::with_capacity(days.len());
            for (date, from, to) in days {
                let (total, completed, revenue) = db::stats::bookings_between(c, from, to).await?;
                out.push(DayView {
                    date,
                    total,
                    completed,
                    revenue,
                });
            }
            Ok(HttpResponse::Ok().json(TrendsView { days: out }))
        })
        .await
}
