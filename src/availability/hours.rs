//! Opening hours in the provider's time zone, turned into UTC periods.
//!
//! Local times are resolved DST-correctly with `chrono-tz`: a time that
//! occurs twice (autumn) means its first occurrence, a time that does not
//! exist (the spring-forward gap) means the first instant after the gap.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Minutes in a day; also the largest end of an interval (`24:00`).
pub const DAY_MINUTES: u16 = 1440;

/// An open interval of one local day, in minutes after midnight: `start < end <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

/// A span of UTC time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Why a list of intervals is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoursError {
    Empty(Interval),
    Overlap(Interval, Interval),
    OffGrid(Interval),
}

impl std::fmt::Display for HoursError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::domain::clock;
        match self {
            Self::Empty(i) => write!(
                f,
                "{}-{} ends before it starts",
                clock(i.start),
                clock(i.end)
            ),
            Self::Overlap(a, b) => write!(
                f,
                "{}-{} overlaps {}-{}",
                clock(a.start),
                clock(a.end),
                clock(b.start),
                clock(b.end)
            ),
            Self::OffGrid(i) => write!(
                f,
                "{}-{} must start on the slot grid (a multiple of slot_minutes after midnight)",
                clock(i.start),
                clock(i.end)
            ),
        }
    }
}

/// Sorts a day's intervals and checks them: non-empty, not overlapping, and
/// starting on the slot grid (a multiple of `slot_minutes` after midnight),
/// so that changing the hours never shifts the grid under existing bookings.
pub fn normalise(
    mut intervals: Vec<Interval>,
    slot_minutes: u16,
) -> Result<Vec<Interval>, HoursError> {
    intervals.sort();
    for i in &intervals {
        if i.start >= i.end || i.end > DAY_MINUTES {
            return Err(HoursError::Empty(*i));
        }
        if slot_minutes == 0 || i.start % slot_minutes != 0 {
            return Err(HoursError::OffGrid(*i));
        }
    }
    for pair in intervals.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(HoursError::Overlap(pair[0], pair[1]));
        }
    }
    Ok(intervals)
}

/// Everything that decides when a provider is open.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub tz: Tz,
    /// Weekly hours; index 0 = Monday ... 6 = Sunday.
    pub weekly: [Vec<Interval>; 7],
    /// Dates with other hours than usual (an empty list: closed that day).
    pub exceptions: BTreeMap<NaiveDate, Vec<Interval>>,
}

impl Schedule {
    pub fn new(tz: Tz) -> Self {
        Self {
            tz,
            weekly: Default::default(),
            exceptions: BTreeMap::new(),
        }
    }

    /// The hours of a local date: its exception, else its weekday's hours.
    pub fn hours_on(&self, date: NaiveDate) -> &[Interval] {
        match self.exceptions.get(&date) {
            Some(hours) => hours,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// The open periods of local dates `first..=last`, in UTC, sorted, with
    /// touching or overlapping periods merged (so a booking may run across
    /// adjacent intervals and across midnight).
    pub fn open_periods(&self, first: NaiveDate, last: NaiveDate) -> Vec<Period> {
        let mut periods = Vec::new();
        let mut date = first;
        while date <= last {
            for i in self.hours_on(date) {
                let (Some(start), Some(end)) = (
                    resolve(self.tz, date, i.start),
                    resolve(self.tz, date, i.end),
                ) else {
                    continue;
                };
                if start < end {
                    periods.push(Period { start, end });
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        merge(periods)
    }

    /// The open periods around the UTC span `[from, to)`: every local date it
    /// touches, with a day of margin on each side.
    pub fn periods_around(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Period> {
        let first = from.with_timezone(&self.tz).date_naive() - Duration::days(1);
        let last = to.with_timezone(&self.tz).date_naive() + Duration::days(1);
        self.open_periods(first, last)
    }

    /// The UTC span of a local date: `[midnight, next midnight)`.
    pub fn day_span(&self, date: NaiveDate) -> Option<Period> {
        Some(Period {
            start: resolve(self.tz, date, 0)?,
            end: resolve(self.tz, date, DAY_MINUTES)?,
        })
    }
}

/// The UTC instant of `minute` after midnight of local `date` in `tz`.
pub fn resolve(tz: Tz, date: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
    let mut local = date.and_hms_opt(0, 0, 0)? + Duration::minutes(i64::from(minute));
    // A gap is at most a day long (Samoa skipped 2011-12-30); step over it.
    for _ in 0..=(24 * 60) {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => return Some(first.with_timezone(&Utc)),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    None
}

fn merge(mut periods: Vec<Period>) -> Vec<Period> {
    periods.sort_by_key(|p| (p.start, p.end));
    let mut merged: Vec<Period> = Vec::with_capacity(periods.len());
    for p in periods {
        match merged.last_mut() {
            Some(last) if p.start <= last.end => last.end = last.end.max(p.end),
            _ => merged.push(p),
        }
    }
    merged
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn every_day(intervals: &[(u16, u16)]) -> Schedule {
        let mut s = Schedule::new(Berlin);
        let list: Vec<Interval> = intervals
            .iter()
            .map(|&(start, end)| Interval { start, end })
            .collect();
        s.weekly = std::array::from_fn(|_| list.clone());
        s
    }

    #[test]
    fn nine_local_is_seven_utc_in_summer_and_eight_in_winter() {
        let s = every_day(&[(540, 1020)]);
        let summer = s.open_periods(d("2026-07-06"), d("2026-07-06"));
        assert_eq!(
            summer,
            vec![Period {
                start: t("2026-07-06T07:00:00Z"),
                end: t("2026-07-06T15:00:00Z")
            }]
        );
        let winter = s.open_periods(d("2026-01-05"), d("2026-01-05"));
        assert_eq!(
            winter,
            vec![Period {
                start: t("2026-01-05T08:00:00Z"),
                end: t("2026-01-05T16:00:00Z")
            }]
        );
    }

    #[test]
    fn spring_forward_day_is_23_hours_and_the_gap_is_skipped() {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST.
        let s = every_day(&[(0, 1440)]);
        let p = s.open_periods(d("2026-03-29"), d("2026-03-29"));
        assert_eq!(
            p,
            vec![Period {
                start: t("2026-03-28T23:00:00Z"),
                end: t("2026-03-29T22:00:00Z")
            }]
        );
        assert_eq!(
            resolve(Berlin, d("2026-03-29"), 150),
            Some(t("2026-03-29T01:00:00Z"))
        );
        // Hours wholly inside the gap open nothing.
        let gap = every_day(&[(120, 180)]);
        assert!(gap
            .open_periods(d("2026-03-29"), d("2026-03-29"))
            .is_empty());
    }

    #[test]
    fn fall_back_day_is_25_hours_and_repeated_times_mean_the_first() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00-03:00 happens twice.
        let s = every_day(&[(0, 1440)]);
        let p = s.open_periods(d("2026-10-25"), d("2026-10-25"));
        assert_eq!(
            p,
            vec![Period {
                start: t("2026-10-24T22:00:00Z"),
                end: t("2026-10-25T23:00:00Z")
            }]
        );
        assert_eq!(
            resolve(Berlin, d("2026-10-25"), 150),
            Some(t("2026-10-25T00:30:00Z"))
        );
        // 09:00 is 08:00Z again from that day on.
        let s = every_day(&[(540, 600)]);
        let p = s.open_periods(d("2026-10-24"), d("2026-10-25"));
        assert_eq!(p[0].start, t("2026-10-24T07:00:00Z"));
        assert_eq!(p[1].start, t("2026-10-25T08:00:00Z"));
    }

    #[test]
    fn exceptions_replace_a_day_and_adjacent_intervals_merge() {
        let mut s = every_day(&[(540, 720), (720, 1020)]);
        let p = s.open_periods(d("2026-07-06"), d("2026-07-06"));
        assert_eq!(p.len(), 1, "touching intervals merge: {p:?}");
        s.exceptions.insert(d("2026-07-06"), Vec::new());
        assert!(s.open_periods(d("2026-07-06"), d("2026-07-06")).is_empty());
        s.exceptions.insert(
            d("2026-07-07"),
            vec![Interval {
                start: 600,
                end: 660,
            }],
        );
        let p = s.open_periods(d("2026-07-07"), d("2026-07-07"));
        assert_eq!(
            p,
            vec![Period {
                start: t("2026-07-07T08:00:00Z"),
                end: t("2026-07-07T09:00:00Z")
            }]
        );
    }

    #[test]
    fn midnight_spanning_hours_merge_across_days() {
        let s = every_day(&[(0, 120), (1320, 1440)]);
        let p = s.open_periods(d("2026-07-06"), d("2026-07-07"));
        assert!(p.iter().any(|p| p.start == t("2026-07-06T20:00:00Z") && p.end == t("2026-07-07T00:00:00Z")), "{p:?}");
    }

    #[test]
    fn normalise_refuses_bad_hours() {
        let i = |start, end| Interval { start, end };
        assert_eq!(
            normalise(vec![i(780, 1020), i(540, 720)], 60).unwrap(),
            vec![i(540, 720), i(780, 1020)]
        );
        assert!(matches!(
            normalise(vec![i(600, 540)], 60),
            Err(HoursError::Empty(_))
        ));
        assert!(matches!(
            normalise(vec![i(540, 720), i(660, 800)], 60),
            Err(HoursError::Overlap(..))
        ));
        assert!(matches!(
            normalise(vec![i(570, 720)], 60),
            Err(HoursError::OffGrid(_))
        ));
        assert!(normalise(vec![i(570, 725)], 30).is_ok());
    }
}
