//! Availability: weekly hours and dated exceptions in the provider's IANA
//! time zone, the slot grid, and the free slots left once live holds and
//! bookings (`slot_claims`) are taken out.
//!
//! [`hours`] and [`slots`] are pure; this module loads what they need.

pub mod hours;
pub mod slots;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

pub use hours::{Interval, Period, Schedule};
pub use slots::{slots_needed, Fit};

use crate::db::availability::{ExceptionRow, HoursRow};
use crate::db::{self, providers::ProviderProfile, services::Service, DbConn};
use crate::error::{ApiError, ApiResult};

/// How far ahead a booking or a hold may start.
pub const HORIZON_DAYS: i64 = 365;
/// The longest span one slot query may cover.
pub const MAX_RANGE_DAYS: i64 = 31;

/// The provider's time zone (UTC if the stored name is somehow unknown).
pub fn time_zone(profile: &ProviderProfile) -> Tz {
    profile.timezone.parse().unwrap_or(Tz::UTC)
}

/// The length of one grid slot.
pub fn slot_len(profile: &ProviderProfile) -> Duration {
    Duration::minutes(i64::from(profile.slot_minutes.max(1)))
}

/// Grid slots a booking of `service` with this provider occupies.
pub fn slots_for(profile: &ProviderProfile, service: &Service) -> usize {
    slots_needed(
        service.duration_minutes,
        profile.buffer_minutes,
        profile.slot_minutes,
    )
}

fn day_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn to_intervals(pairs: impl IntoIterator<Item = (u16, u16)>) -> Vec<Interval> {
    pairs
        .into_iter()
        .map(|(start, end)| Interval { start, end })
        .collect()
}

/// Builds the schedule of one provider from its stored rows (rows of other
/// providers are ignored).
pub fn schedule_from(
    profile: &ProviderProfile,
    hours: &[HoursRow],
    exceptions: &[ExceptionRow],
) -> Schedule {
    let slot = u16::try_from(profile.slot_minutes).unwrap_or(60);
    let mut schedule = Schedule::new(time_zone(profile), slot);
    for h in hours.iter().filter(|h| h.provider_id == profile.user_id) {
        if let (Ok(day), Ok(start), Ok(end)) = (
            usize::try_from(h.weekday),
            u16::try_from(h.start_minute),
            u16::try_from(h.end_minute),
        ) {
            if let Some(list) = schedule.weekly.get_mut(day) {
                list.push(Interval { start, end });
            }
        }
    }
    for e in exceptions
        .iter()
        .filter(|e| e.provider_id == profile.user_id)
    {
        if let Ok(date) = NaiveDate::parse_from_str(&e.day, "%Y-%m-%d") {
            schedule
                .exceptions
                .insert(date, to_intervals(e.intervals()));
        }
    }
    schedule
}

/// Loads the schedule of a provider for local dates `first..=last`.
pub async fn load_schedule(
    conn: &mut DbConn,
    profile: &ProviderProfile,
    first: NaiveDate,
    last: NaiveDate,
) -> ApiResult<Schedule> {
    let ids = [profile.user_id.clone()];
    let hours = db::availability::hours(conn, &ids).await?;
    let exceptions =
        db::availability::exceptions(conn, &ids, &day_key(first), &day_key(last)).await?;
    Ok(schedule_from(profile, &hours, &exceptions))
}

/// Local dates around a UTC span, with a day of margin on each side.
fn local_dates(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    (
        from.with_timezone(&tz).date_naive() - Duration::days(1),
        to.with_timezone(&tz).date_naive() + Duration::days(1),
    )
}

/// Free starts in `[from, to)` for a booking of `n` slots: on the grid,
/// inside open hours, in the future, and with none of its slots held or booked.
pub async fn free_slots(
    conn: &mut DbConn,
    profile: &ProviderProfile,
    n: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<DateTime<Utc>>> {
    let from = from.max(Utc::now());
    if from >= to {
        return Ok(Vec::new());
    }
    let tz = time_zone(profile);
    let slot = slot_len(profile);
    let (first, last) = local_dates(tz, from, to);
    let schedule = load_schedule(conn, profile, first, last).await?;
    let periods = schedule.open_periods(first, last);
    let reach = to + slot * i32::try_from(n).unwrap_or(1);
    let taken: HashSet<NaiveDateTime> = db::availability::taken(
        conn,
        std::slice::from_ref(&profile.user_id),
        from.naive_utc(),
        reach.naive_utc(),
    )
    .await?
    .into_iter()
    .map(|(_, start)| start)
    .collect();
    Ok(slots::free_starts(&periods, slot, n, from, to, &taken))
}

/// Validates that a booking of `service` with this provider may start at
/// `start`, and returns the grid starts (UTC naive, as stored in
/// `slot_claims`) it occupies. It does not look at claims: claiming them
/// (`db::slots::claim`) is what decides whether they are still free.
///
/// 400 naming `scheduled_at` when `start` is in the past, too far ahead or
/// not a slot start; 409 `slot_unavailable` when the provider is closed then
/// or the booking would run past the end of open hours.
pub async fn booking_slots(
    conn: &mut DbConn,
    profile: &ProviderProfile,
    service: &Service,
    start: DateTime<Utc>,
) -> ApiResult<Vec<NaiveDateTime>> {
    occupied_slots(conn, profile, service, start, "scheduled_at").await
}

/// [`booking_slots`], naming `field` in validation errors.
pub async fn occupied_slots(
    conn: &mut DbConn,
    profile: &ProviderProfile,
    service: &Service,
    start: DateTime<Utc>,
    field: &str,
) -> ApiResult<Vec<NaiveDateTime>> {
    if service.provider_id.as_deref() != Some(profile.user_id.as_str()) {
        return Err(ApiError::NotFound("service"));
    }
    let now = Utc::now();
    if start <= now {
        return Err(ApiError::validation(field, "must be in the future"));
    }
    if start > now + Duration::days(HORIZON_DAYS) {
        return Err(ApiError::validation(
            field,
            format!("must be within {HORIZON_DAYS} days"),
        ));
    }
    let n = slots_for(profile, service);
    let slot = slot_len(profile);
    let end = start + slot * i32::try_from(n).unwrap_or(1);
    let tz = time_zone(profile);
    let (first, last) = local_dates(tz, start, end);
    let schedule = load_schedule(conn, profile, first, last).await?;
    let periods = schedule.open_periods(first, last);
    match slots::fit(&periods, slot, n, start) {
        Fit::Fits(starts) => Ok(starts.into_iter().map(|s| s.naive_utc()).collect()),
        Fit::OffGrid => Err(ApiError::validation(
            field,
            format!(
                "must be a slot start: slots are {} minutes long and start with the provider's opening hours",
                profile.slot_minutes
            ),
        )),
        Fit::Closed => Err(slot_unavailable()),
    }
}

/// 409 `slot_unavailable`.
pub fn slot_unavailable() -> ApiError {
    ApiError::Conflict(
        "slot_unavailable",
        "this time is not available: the provider is closed then, or it is already held or booked"
            .into(),
    )
}

/// Of `wanted` (a provider and the slots a booking needs), those with at
/// least one free start on their local date `date`, in three queries however
/// many providers are asked about.
pub async fn available_on(
    conn: &mut DbConn,
    wanted: &[(&ProviderProfile, usize)],
    date: NaiveDate,
) -> ApiResult<HashSet<(String, usize)>> {
    let mut found = HashSet::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    let now = Utc::now();
    let mut ids: Vec<String> = wanted.iter().map(|(p, _)| p.user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let first = date - Duration::days(1);
    let last = date + Duration::days(1);
    let hours = db::availability::hours(conn, &ids).await?;
    let exceptions =
        db::availability::exceptions(conn, &ids, &day_key(first), &day_key(last)).await?;
    // Every local day lies within a day and a half of UTC midnight.
    let utc_midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let window_from = (utc_midnight - Duration::hours(36)).max(now);
    let max_reach = wanted
        .iter()
        .map(|(p, n)| slot_len(p) * i32::try_from(*n).unwrap_or(1))
        .max()
        .unwrap_or_else(Duration::zero);
    let window_to = utc_midnight + Duration::hours(60) + max_reach;
    let mut taken: HashMap<String, HashSet<NaiveDateTime>> = HashMap::new();
    if window_from < window_to {
        for (provider, start) in
            db::availability::taken(conn, &ids, window_from.naive_utc(), window_to.naive_utc())
                .await?
        {
            taken.entry(provider).or_default().insert(start);
        }
    }
    let none = HashSet::new();
    for (profile, n) in wanted {
        let key = (profile.user_id.clone(), *n);
        if found.contains(&key) {
            continue;
        }
        let schedule = schedule_from(profile, &hours, &exceptions);
        let Some(day) = schedule.day_span(date) else {
            continue;
        };
        let from = day.start.max(now);
        if from >= day.end {
            continue;
        }
        let periods = schedule.open_periods(first, last);
        let taken = taken.get(&profile.user_id).unwrap_or(&none);
        if !slots::free_starts(&periods, slot_len(profile), *n, from, day.end, taken).is_empty() {
            found.insert(key);
        }
    }
    Ok(found)
}
