//! `/v1/stats/*`: public, aggregate figures only; no route here names or
//! places a person (a provider's public profile aside).

pub mod locations;
pub mod platform;
pub mod top;
pub mod trends;

use actix_web::web;
use chrono::{NaiveDate, NaiveDateTime};

use crate::error::{ApiError, ApiResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/stats/platform").route(web::get().to(platform::get)))
        .service(web::resource("/v1/stats/bookings/trends").route(web::get().to(trends::get)))
        .service(web::resource("/v1/stats/providers/top").route(web::get().to(top::get)))
        .service(
            web::resource("/v1/stats/providers/locations").route(web::get().to(locations::get)),
        );
}

/// `days` (1 to 365, default 30) -> the UTC days ending today, oldest first.
pub fn days(
    days: Option<i64>,
    today: NaiveDate,
) -> ApiResult<Vec<(NaiveDate, NaiveDateTime, NaiveDateTime)>> {
    let n = days.unwrap_or(30);
    if !(1..=365).contains(&n) {
        return Err(ApiError::validation("days", "must be between 1 and 365"));
    }
    Ok((0..n)
        .rev()
        .map(|back| {
            let day = today - chrono::Duration::days(back);
            let from = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            (day, from, from + chrono::Duration::days(1))
        })
        .collect())
}
