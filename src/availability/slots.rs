//! The slot grid: inside each open period, slots of `slot_minutes` start at
//! the period's start. A booking occupies `n` consecutive grid slots, all in
//! one (merged) open period.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::hours::Period;

/// Grid slots a booking occupies: `ceil((duration + buffer) / slot)`, at least one.
pub fn slots_needed(duration_minutes: i32, buffer_minutes: i32, slot_minutes: i32) -> usize {
    let total = i64::from(duration_minutes.max(1)) + i64::from(buffer_minutes.max(0));
    let slot = i64::from(slot_minutes.max(1));
    usize::try_from((total + slot - 1) / slot)
        .unwrap_or(1)
        .max(1)
}

/// Whether a booking can start at a given instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// The starts of the `n` slots it occupies.
    Fits(Vec<DateTime<Utc>>),
    /// Inside open hours but not on a slot start.
    OffGrid,
    /// Closed then, or the booking would run past the end of open hours.
    Closed,
}

/// Where a booking of `n` slots starting at `start` would lie.
pub fn fit(periods: &[Period], slot: Duration, n: usize, start: DateTime<Utc>) -> Fit {
    let Some(p) = periods.iter().find(|p| p.start <= start && start < p.end) else {
        return Fit::Closed;
    };
    let offset = (start - p.start).num_seconds();
    let step = slot.num_seconds().max(1);
    if offset % step != 0 || start.timestamp_subsec_nanos() != 0 {
        return Fit::OffGrid;
    }
    let starts: Vec<DateTime<Utc>> = (0..n).map(|i| start + slot * i as i32).collect();
    match starts.last() {
        Some(last) if *last + slot <= p.end => Fit::Fits(starts),
        _ => Fit::Closed,
    }
}

/// Grid starts `s` in `[from, to)` where a booking of `n` slots fits and none
/// of its slots is in `taken` (UTC naive, as stored).
pub fn free_starts(
    periods: &[Period],
    slot: Duration,
    n: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    taken: &HashSet<NaiveDateTime>,
) -> Vec<DateTime<Utc>> {
    let mut free = Vec::new();
    if slot <= Duration::zero() || n == 0 {
        return free;
    }
    let span = slot * i32::try_from(n).unwrap_or(i32::MAX);
    for p in periods {
        if p.end <= from || p.start >= to {
            continue;
        }
        // Skip ahead to the first grid start at or after `from`.
        let mut s = p.start;
        if s < from {
            let step = slot.num_seconds();
            let behind = (from - s).num_seconds();
            s += Duration::seconds((behind + step - 1) / step * step);
        }
        while s < to && s + span <= p.end {
            let clear = (0..n).all(|i| !taken.contains(&(s + slot * i as i32).naive_utc()));
            if clear {
                free.push(s);
            }
            s += slot;
        }
    }
    free
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day() -> Vec<Period> {
        vec![Period {
            start: t("2026-07-06T07:00:00Z"),
            end: t("2026-07-06T11:00:00Z"),
        }]
    }

    #[test]
    fn slots_needed_rounds_up_with_the_buffer() {
        assert_eq!(slots_needed(60, 0, 60), 1);
        assert_eq!(slots_needed(60, 15, 60), 2);
        assert_eq!(slots_needed(90, 0, 30), 3);
        assert_eq!(slots_needed(10, 0, 60), 1);
    }

    #[test]
    fn free_starts_respect_length_and_claims() {
        let slot = Duration::minutes(60);
        let all = free_starts(
            &day(),
            slot,
            1,
            t("2026-07-06T00:00:00Z"),
            t("2026-07-07T00:00:00Z"),
            &HashSet::new(),
        );
        assert_eq!(all.len(), 4);
        let two = free_starts(
            &day(),
            slot,
            2,
            t("2026-07-06T00:00:00Z"),
            t("2026-07-07T00:00:00Z"),
            &HashSet::new(),
        );
        assert_eq!(
            two,
            vec![
                t("2026-07-06T07:00:00Z"),
                t("2026-07-06T08:00:00Z"),
                t("2026-07-06T09:00:00Z")
            ]
        );
        let taken: HashSet<_> = [t("2026-07-06T08:00:00Z").naive_utc()].into();
        let two = free_starts(
            &day(),
            slot,
            2,
            t("2026-07-06T00:00:00Z"),
            t("2026-07-07T00:00:00Z"),
            &taken,
        );
        assert_eq!(two, vec![t("2026-07-06T09:00:00Z")]);
        // `from` in the middle of the day skips to the next grid start.
        let later = free_starts(
            &day(),
            slot,
            1,
            t("2026-07-06T08:30:00Z"),
            t("2026-07-07T00:00:00Z"),
            &HashSet::new(),
        );
        assert_eq!(later[0], t("2026-07-06T09:00:00Z"));
    }

    #[test]
    fn fit_checks_grid_and_hours() {
        let slot = Duration::minutes(60);
        assert_eq!(
            fit(&day(), slot, 2, t("2026-07-06T09:00:00Z")),
            Fit::Fits(vec![t("2026-07-06T09:00:00Z"), t("2026-07-06T10:00:00Z")])
        );
        assert_eq!(fit(&day(), slot, 2, t("2026-07-06T10:00:00Z")), Fit::Closed);
        assert_eq!(
            fit(&day(), slot, 1, t("2026-07-06T09:30:00Z")),
            Fit::OffGrid
        );
        assert_eq!(fit(&day(), slot, 1, t("2026-07-06T12:00:00Z")), Fit::Closed);
    }
}
