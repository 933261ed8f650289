use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::schedule::{check_intervals, AvailabilityView, WeeklyHours, WEEKDAYS};
use crate::db::{self, availability::HoursRow};
use crate::domain::TimeZone;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// IANA time zone of the hours, e.g. `Europe/Berlin`; DST is applied per date.
    #[schema(value_type = String, example = "Europe/Berlin")]
    pub timezone: TimeZone,
    /// Length of a slot: 5 to 720 minutes and a divisor of a day (15, 30, 60, 90, ...).
    pub slot_minutes: i32,
    /// Time kept free after each booking, 0 to 240 minutes; a booking occupies
    /// ceil((duration + buffer) / slot) consecutive slots.
    #[serde(default)]
    pub buffer_minutes: i32,
    pub weekly: WeeklyHours,
}

/// Set my weekly hours (providers only); replaces the previous ones. Each
/// interval must start on the slot grid (a multiple of `slot_minutes` after
/// midnight). The time zone and slot length cannot change while future holds
/// or bookings exist (409 `availability_in_use`); hours and buffer can.
#[utoipa::path(put, path = "/v1/providers/me/availability", tag = "availability", security(("bearer" = [])),
    request_body = AvailabilityRequest,
    responses((status = 200, body = AvailabilityView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody),
        (status = 409, description = "`availability_in_use`", body = crate::error::ErrorBody)))]
pub async fn put(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<AvailabilityRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let slot = u16::try_from(req.slot_minutes)
        .ok()
        .filter(|s| (5..=720).contains(s) && 1440 % s == 0)
        .ok_or_else(|| {
            ApiError::validation(
                "slot_minutes",
                "must be 5 to 720 and divide a day evenly (e.g. 15, 30, 60, 90, 120)",
            )
        })?;
    if !(0..=240).contains(&req.buffer_minutes) {
        return Err(ApiError::validation(
            "buffer_minutes",
            "must be from 0 to 240",
        ));
    }
    let mut rows = Vec::new();
    for (weekday, (name, list)) in WEEKDAYS.iter().zip(req.weekly.days()).enumerate() {
        for i in check_intervals(&format!("weekly.{name}"), list, slot)? {
            rows.push(HoursRow {
                id: db::new_id(),
                provider_id: me.id().to_owned(),
                weekday: i32::try_from(weekday).unwrap_or_default(),
                start_minute: i32::from(i.start),
                end_minute: i32::from(i.end),
            });
        }
    }
    state.with_db(async |conn| {
        let profile = db::providers::find_or_create(conn, me.id()).await?;
        let timezone = req.timezone.name();
        let grid_moves = profile.timezone != timezone || profile.slot_minutes != req.slot_minutes;
        db::transaction(conn, async |c| {
            if grid_moves && db::availability::has_future_claims(c, me.id()).await? {
                return Err(ApiError::Conflict(
                    "availability_in_use",
                    "the time zone and slot length cannot change while future holds or bookings exist"
                        .into(),
                ));
            }
            db::providers::set_schedule(c, me.id(), timezone, req.slot_minutes, req.buffer_minutes)
                .await?;
            db::availability::replace_hours(c, me.id(), &rows).await?;
            Ok::<_, ApiError>(())
        })
        .await?;
        let profile = db::providers::find_or_create(conn, me.id()).await?;
        Ok(HttpResponse::Ok().json(AvailabilityView::load(conn, &profile).await?))
    })
    .await
}
