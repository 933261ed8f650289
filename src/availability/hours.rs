//! Opening hours in the provider's time zone, turned into UTC periods.
//!
//! Local times are resolved DST-correctly with `chrono-tz`: a time that
//! occurs twice (autumn) means its first occurrence, a time that does not
//! exist (the spring-forward gap) means the first instant after the gap.
//!
//! The slot grid is local: every slot starts at a local time that is a
//! multiple of `slot_minutes` after local midnight, and no slot runs across
//! a change of UTC offset unless the grid stays aligned across it. An open
//! interval that contains a DST change is split there and the part after it
//! starts again at the next aligned local time. So the grid is the same
//! whatever the hours and whatever span is asked about, and slots of
//! different bookings either coincide or do not overlap at all: claiming
//! slot starts (`slot_claims`) then rules out every double booking.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, Offset, TimeZone, Timelike, Utc,
};
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
    /// The slot length, a divisor of a day.
    pub slot_minutes: u16,
    /// Weekly hours; index 0 = Monday ... 6 = Sunday.
    pub weekly: [Vec<Interval>; 7],
    /// Dates with other hours than usual (an empty list: closed that day).
    pub exceptions: BTreeMap<NaiveDate, Vec<Interval>>,
}

impl Schedule {
    pub fn new(tz: Tz, slot_minutes: u16) -> Self {
        Self {
            tz,
            slot_minutes: slot_minutes.max(1),
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

    /// The open periods of local dates `first..=last`, in UTC, sorted. Each
    /// period's slots start at its start; touching periods are merged when
    /// the grid runs on unbroken across them (so a booking may run across
    /// adjacent intervals and across midnight).
    pub fn open_periods(&self, first: NaiveDate, last: NaiveDate) -> Vec<Period> {
        let mut pieces = Vec::new();
        let mut date = first;
        while date <= last {
            for i in self.hours_on(date) {
                let (Some(start), Some(end)) = (
                    resolve(self.tz, date, i.start),
                    resolve(self.tz, date, i.end),
                ) else {
                    continue;
                };
                self.split_at_offset_changes(start, end, &mut pieces);
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        merge(pieces, Duration::minutes(i64::from(self.slot_minutes)))
    }

    /// Pushes the parts of `[start, end)` with one UTC offset each, every
    /// part starting on the local grid.
    fn split_at_offset_changes(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        out: &mut Vec<Period>,
    ) {
        let mut start = start;
        // A span of a day or so holds at most a couple of offset changes.
        for _ in 0..4 {
            let offset = self.offset_at(start);
            start = self.align_up(start, offset);
            if start >= end {
                return;
            }
            let last_minute = end - Duration::minutes(1);
            if self.offset_at(last_minute) == offset {
                out.push(Period { start, end });
                return;
            }
            // Binary search for the first minute with another offset.
            let (mut lo, mut hi) = (start, last_minute);
            while hi - lo > Duration::minutes(1) {
                let mid = lo + Duration::minutes((hi - lo).num_minutes() / 2);
                if self.offset_at(mid) == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(Period { start, end: hi });
            start = hi;
        }
    }

    /// The UTC offset (seconds east) in force at `t`.
    fn offset_at(&self, t: DateTime<Utc>) -> i32 {
        self.tz
            .offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// The first instant at or after `t` whose local time (at `offset`) is a
    /// whole multiple of the slot length after local midnight.
    fn align_up(&self, t: DateTime<Utc>, offset: i32) -> DateTime<Utc> {
        let local = t.naive_utc() + Duration::seconds(i64::from(offset));
        let slot = u32::from(self.slot_minutes);
        let minute = local.hour() * 60 + local.minute();
        if local.second() == 0 && local.nanosecond() == 0 && minute % slot == 0 {
            return t;
        }
        let next = (minute / slot + 1) * slot;
        let midnight = local.date().and_hms_opt(0, 0, 0).unwrap_or(local);
        let aligned = midnight + Duration::minutes(i64::from(next));
        (aligned - Duration::seconds(i64::from(offset))).and_utc()
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

/// Merges touching or overlapping periods whose grids line up (the later
/// one starts a whole number of slots after the earlier one).
fn merge(mut periods: Vec<Period>, slot: Duration) -> Vec<Period> {
    periods.sort_by_key(|p| (p.start, p.end));
    let step = slot.num_seconds().max(1);
    let mut merged: Vec<Period> = Vec::with_capacity(periods.len());
    for p in periods {
        match merged.last_mut() {
            Some(last)
                if p.start <= last.end && (p.start - last.start).num_seconds() % step == 0 =>
            {
                last.end = last.end.max(p.end);
            }
            // Overlapping off the grid (validated hours never do): the
            // earlier period wins, so no two slots can overlap.
            Some(last) if p.start < last.end => {}
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
        let mut s = Schedule::new(Berlin, 60);
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

    /// Grid starts (single slots) of a schedule open around the clock, for
    /// local dates `first..=last`.
    fn grid(s: &Schedule, first: &str, last: &str) -> Vec<DateTime<Utc>> {
        let slot = Duration::minutes(i64::from(s.slot_minutes));
        let periods = s.open_periods(d(first), d(last));
        crate::availability::slots::free_starts(
            &periods,
            slot,
            1,
            t("2000-01-01T00:00:00Z"),
            t("2100-01-01T00:00:00Z"),
            &Default::default(),
        )
    }

    #[test]
    fn the_grid_stays_local_and_independent_of_the_span_across_dst() {
        for slot in [45u16, 60, 90] {
            let mut s = every_day(&[(0, 1440)]);
            s.slot_minutes = slot;
            for (first_far, first_near, day, next) in [
                ("2026-03-25", "2026-03-28", "2026-03-29", "2026-03-30"),
                ("2026-10-21", "2026-10-24", "2026-10-25", "2026-10-26"),
            ] {
                let far = grid(&s, first_far, next);
                let near = grid(&s, first_near, next);
                let from = resolve(Berlin, d(day), 0).unwrap();
                let tail = |g: &[DateTime<Utc>]| -> Vec<DateTime<Utc>> {
                    g.iter().copied().filter(|x| *x >= from).collect()
                };
                assert_eq!(tail(&far), tail(&near), "slot {slot} around {day}");
                for x in &near {
                    let local = x.with_timezone(&Berlin);
                    let minute = local.hour() * 60 + local.minute();
                    assert_eq!(minute % u32::from(slot), 0, "slot {slot}: {x} is {local}");
                }
                // No two slots overlap.
                for w in near.windows(2) {
                    assert!(w[1] - w[0] >= Duration::minutes(i64::from(slot)), "{w:?}");
                }
            }
        }
    }

    #[test]
    fn ninety_minute_slots_restart_after_the_spring_gap() {
        let mut s = every_day(&[(0, 1440)]);
        s.slot_minutes = 90;
        let g = grid(&s, "2026-03-29", "2026-03-29");
        // 00:00 and 01:30 CET, then the clocks jump to 03:00 CEST: 01:30 has
        // only 30 minutes left, so it is no slot; 03:00 CEST is the next.
        assert_eq!(g[0], t("2026-03-28T23:00:00Z"));
        assert_eq!(g[1], t("2026-03-29T01:00:00Z"));
        assert_eq!(g[2], t("2026-03-29T02:30:00Z"));
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
