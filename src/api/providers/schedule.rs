//! Request and response shapes of the availability routes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::availability::hours::{self, Interval};
use crate::db::{
    self, availability::ExceptionRow, availability::HoursRow, providers::ProviderProfile, DbConn,
};
use crate::domain::{clock, ClockTime};
use crate::error::{ApiError, ApiResult};

/// An open interval of local wall-clock time, e.g. `{"start": "09:00", "end": "17:00"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursInterval {
    /// `HH:MM`, on the slot grid (a multiple of `slot_minutes` after midnight).
    #[schema(value_type = String, example = "09:00")]
    pub start: ClockTimeText,
    /// `HH:MM` after `start`, up to `24:00`.
    #[schema(value_type = String, example = "17:00")]
    pub end: ClockTimeText,
}

/// `HH:MM` in and out.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "String")]
pub struct ClockTimeText(pub u16);

impl TryFrom<String> for ClockTimeText {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        ClockTime::try_from(raw).map(|t| Self(t.0))
    }
}

impl Serialize for ClockTimeText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&clock(self.0))
    }
}

impl HoursInterval {
    pub fn of(i: Interval) -> Self {
        Self {
            start: ClockTimeText(i.start),
            end: ClockTimeText(i.end),
        }
    }

    fn interval(&self) -> Interval {
        Interval {
            start: self.start.0,
            end: self.end.0,
        }
    }
}

/// Open intervals per weekday; a day left out (or `[]`) is closed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default)]
    pub monday: Vec<HoursInterval>,
    #[serde(default)]
    pub tuesday: Vec<HoursInterval>,
    #[serde(default)]
    pub wednesday: Vec<HoursInterval>,
    #[serde(default)]
    pub thursday: Vec<HoursInterval>,
    #[serde(default)]
    pub friday: Vec<HoursInterval>,
    #[serde(default)]
    pub saturday: Vec<HoursInterval>,
    #[serde(default)]
    pub sunday: Vec<HoursInterval>,
}

pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl WeeklyHours {
    pub fn days(&self) -> [&Vec<HoursInterval>; 7] {
        [
            &self.monday,
            &self.tuesday,
            &self.wednesday,
            &self.thursday,
            &self.friday,
            &self.saturday,
            &self.sunday,
        ]
    }

    fn days_mut(&mut self) -> [&mut Vec<HoursInterval>; 7] {
        [
            &mut self.monday,
            &mut self.tuesday,
            &mut self.wednesday,
            &mut self.thursday,
            &mut self.friday,
            &mut self.saturday,
            &mut self.sunday,
        ]
    }

    pub fn from_rows(rows: &[HoursRow]) -> Self {
        let mut weekly = Self::default();
        let mut days = weekly.days_mut();
        for r in rows {
            if let (Some(day), Ok(start), Ok(end)) = (
                usize::try_from(r.weekday)
                    .ok()
                    .and_then(|d| days.get_mut(d)),
                u16::try_from(r.start_minute),
                u16::try_from(r.end_minute),
            ) {
                day.push(HoursInterval::of(Interval { start, end }));
            }
        }
        weekly
    }
}

/// Checks a day's intervals against the grid; 400 naming `field`.
pub fn check_intervals(
    field: &str,
    list: &[HoursInterval],
    slot_minutes: u16,
) -> ApiResult<Vec<Interval>> {
    if list.len() > 12 {
        return Err(ApiError::validation(field, "at most 12 intervals a day"));
    }
    hours::normalise(
        list.iter().map(HoursInterval::interval).collect(),
        slot_minutes,
    )
    .map_err(|e| ApiError::validation(field, e.to_string()))
}

/// A date with other hours than usual.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExceptionView {
    /// The provider's local date, `YYYY-MM-DD`.
    pub date: String,
    pub closed: bool,
    /// The hours that day instead of the weekly ones (empty when closed).
    pub hours: Vec<HoursInterval>,
    pub reason: Option<String>,
}

impl ExceptionView {
    pub fn of(row: &ExceptionRow) -> Self {
        Self {
            date: row.day.clone(),
            closed: row.closed,
            hours: row
                .intervals()
                .into_iter()
                .map(|(start, end)| HoursInterval::of(Interval { start, end }))
                .collect(),
            reason: row.reason.clone(),
        }
    }
}

/// A provider's availability settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AvailabilityView {
    /// IANA time zone of the hours, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub slot_minutes: i32,
    pub buffer_minutes: i32,
    pub weekly: WeeklyHours,
    /// Exceptions from today on.
    pub exceptions: Vec<ExceptionView>,
}

impl AvailabilityView {
    pub async fn load(conn: &mut DbConn, profile: &ProviderProfile) -> ApiResult<Self> {
        let ids = [profile.user_id.clone()];
        let hours = db::availability::hours(conn, &ids).await?;
        let tz = crate::availability::time_zone(profile);
        let today = chrono::Utc::now().with_timezone(&tz).date_naive();
        let exceptions = db::availability::exceptions(
            conn,
            &ids,
            &today.format("%Y-%m-%d").to_string(),
            "9999-12-31",
        )
        .await?;
        Ok(Self {
            timezone: profile.timezone.clone(),
            slot_minutes: profile.slot_minutes,
            buffer_minutes: profile.buffer_minutes,
            weekly: WeeklyHours::from_rows(&hours),
            exceptions: exceptions.iter().map(ExceptionView::of).collect(),
        })
    }
}
