use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::schedule::{check_intervals, ExceptionView, HoursInterval};
use crate::availability;
use crate::db::{self, availability::ExceptionRow};
use crate::domain::Reason;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRequest {
    /// The local date, `YYYY-MM-DD`, from today to a year ahead.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// `true`: closed all day (give no `hours`).
    #[serde(default)]
    pub closed: bool,
    /// The hours that day instead of the weekly ones (when not closed).
    #[serde(default)]
    pub hours: Vec<HoursInterval>,
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

/// Close a date or give it other hours (providers only); replaces an
/// exception already set for that date. Holds and bookings already made
/// that day stay.
#[utoipa::path(post, path = "/v1/providers/me/availability/exceptions", tag = "availability",
    security(("bearer" = [])), request_body = ExceptionRequest,
    responses((status = 201, body = ExceptionView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody)))]
pub async fn post(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<ExceptionRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    state
        .with_db(async |conn| {
            let profile = db::providers::find_or_create(conn, me.id()).await?;
            let today = Utc::now()
                .with_timezone(&availability::time_zone(&profile))
                .date_naive();
            if req.date < today || req.date > today + Duration::days(availability::HORIZON_DAYS) {
                return Err(ApiError::validation(
                    "date",
                    "must be from today to a year ahead, in the provider's time zone",
                ));
            }
            let slot = u16::try_from(profile.slot_minutes).unwrap_or(60);
            let hours = check_intervals("hours", &req.hours, slot)?;
            if req.closed && !hours.is_empty() {
                return Err(ApiError::validation(
                    "hours",
                    "must be empty when closed is true",
                ));
            }
            if !req.closed && hours.is_empty() {
                return Err(ApiError::validation(
                    "hours",
                    "give the day's hours, or closed: true",
                ));
            }
            let pairs: Vec<(u16, u16)> = hours.iter().map(|i| (i.start, i.end)).collect();
            let row = ExceptionRow {
                id: db::new_id(),
                provider_id: me.id().to_owned(),
                day: req.date.format("%Y-%m-%d").to_string(),
                closed: req.closed,
                hours: serde_json::to_string(&pairs).map_err(ApiError::internal)?,
                reason: req.reason.map(Reason::into_inner),
            };
            db::transaction(conn, async |c| {
                db::availability::put_exception(c, &row).await
            })
            .await?;
            Ok(HttpResponse::Created().json(ExceptionView::of(&row)))
        })
        .await
}
