use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::availability::{self, MAX_RANGE_DAYS};
use crate::db;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::MaybeUser;
use crate::marketplace;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// The service to book: its duration (plus the provider's buffer) sets
    /// how many consecutive slots a start needs. Without it, single slots.
    service_id: Option<String>,
    /// RFC 3339; default now.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// RFC 3339, after `from` and at most 31 days later; default `from` + 7 days.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotsView {
    pub provider_id: String,
    pub service_id: Option<String>,
    /// The provider's time zone (the hours are local to it).
    pub timezone: String,
    pub slot_minutes: i32,
    /// Consecutive slots a booking starting at one of `slots` occupies.
    pub slots_per_booking: usize,
    /// Free starts in `[from, to)`, RFC 3339 UTC: in the future, inside open
    /// hours, with none of the slots held or booked.
    pub slots: Vec<DateTime<Utc>>,
}

fn parse_time(name: &str, raw: &Option<String>) -> ApiResult<Option<DateTime<Utc>>> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                ApiError::validation(
                    name,
                    "must be an RFC 3339 time such as 2026-07-06T09:00:00Z",
                )
            }),
    }
}

/// Free slot starts of a provider. Public for bookable providers (404
/// otherwise; the provider and admins may always look).
#[utoipa::path(get, path = "/v1/providers/{id}/slots", tag = "availability",
    params(("id" = String, Path, description = "provider id"), SlotsQuery),
    responses((status = 200, body = SlotsView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    viewer: MaybeUser,
    path: web::Path<String>,
    query: web::Query<SlotsQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let q = query.into_inner();
    let from = parse_time("from", &q.from)?.unwrap_or_else(Utc::now);
    let to = parse_time("to", &q.to)?.unwrap_or(from + Duration::days(7));
    if to <= from {
        return Err(ApiError::validation("to", "must be after from"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ApiError::validation(
            "to",
            format!("must be at most {MAX_RANGE_DAYS} days after from"),
        ));
    }
    state
        .with_db(async |conn| {
            let privileged = viewer
                .user()
                .is_some_and(|u| u.id == id || u.role == Role::Admin);
            let profile = if privileged {
                marketplace::provider_account(conn, &id).await?.1
            } else {
                match marketplace::ensure_bookable(conn, &id).await {
                    Ok(p) => p,
                    Err(ApiError::Internal(e)) => return Err(ApiError::Internal(e)),
                    Err(_) => return Err(ApiError::NotFound("provider")),
                }
            };
            let n = match q.service_id.as_deref().filter(|s| !s.is_empty()) {
                Some(service_id) => {
                    let service = db::services::find(conn, service_id)
                        .await?
                        .filter(|s| s.provider_id.as_deref() == Some(id.as_str()))
                        .ok_or(ApiError::NotFound("service"))?;
                    if !marketplace::can_see_service(conn, viewer.user(), &service).await? {
                        return Err(ApiError::NotFound("service"));
                    }
                    availability::slots_for(&profile, &service)
                }
                None => 1,
            };
            let slots = availability::free_slots(conn, &profile, n, from, to).await?;
            Ok(HttpResponse::Ok().json(SlotsView {
                provider_id: id,
                service_id: q.service_id,
                timezone: profile.timezone.clone(),
                slot_minutes: profile.slot_minutes,
                slots_per_booking: n,
                slots,
            }))
        })
        .await
}
