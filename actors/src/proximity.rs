//! The arrival rule: when has the provider arrived?
//!
//! The rule, exactly:
//!
//! 1. **Fixes.** Each fix has a position, an optional accuracy radius in metres and the
//!    device time it was taken. A fix is ignored (it changes nothing and produces no update)
//!    when its coordinates are not finite or out of range, when its device time is not after
//!    the previous accepted fix of the same party (out of order or repeated), or when it is
//!    more than `stale_s` older than the server's clock. A fix dated more than `stale_s`
//!    *ahead* of the server's clock is ignored too (a wrong device clock would otherwise
//!    block every later fix); a fix slightly ahead counts as taken now.
//! 2. **Accuracy.** A missing accuracy counts as 0 m. A fix whose accuracy is worse than
//!    `max_accuracy_m` (or negative, or not a number) is *inconclusive*.
//! 3. **Target.** The target is the customer's latest conclusive fix while it is at most
//!    `stale_s` old; otherwise the booking's service location (accuracy 0 m). An
//!    inconclusive customer fix is never a target.
//! 4. **Inside.** Distances are haversine distances in metres. The provider is inside when
//!    their latest conclusive fix is at most `stale_s` old and its distance to the target
//!    is at most `radius_m + provider accuracy + target accuracy`, that is, when the two
//!    accuracy circles together can reach within the radius. A fix whose circle lies wholly
//!    outside the radius is outside. An inconclusive provider fix moves the displayed
//!    distance but neither starts nor resets the dwell, and does not keep an earlier
//!    inside fix fresh: a provider who sent no conclusive fix for `stale_s` is not inside.
//! 5. **Dwell.** The dwell clock starts (on the server's clock) when the provider becomes
//!    inside and resets to 0 whenever they are not inside (they left, or went silent for
//!    `stale_s`). The rule is satisfied once the provider has been inside continuously for
//!    `dwell_s` seconds. The clock is checked on every fix and on every `tick`, so a timer
//!    completes the dwell without waiting for the next fix. Once satisfied, it stays
//!    satisfied.
//!
//! The displayed `distance_m` is from the provider's latest accepted fix (conclusive or
//! not) to the current target, and is absent until the provider sent a fix. Updates flag
//! the changes of `within` and `satisfied`: those are the ones the caller journals.

use chrono::{DateTime, TimeDelta, Utc};
use geo::{Distance, Haversine, Point};

/// The tunables of the arrival rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProximityConfig {
    /// How close counts as arrived, in metres.
    pub radius_m: f64,
    /// How long the provider must stay inside, in seconds.
    pub dwell_s: u64,
    /// How old a fix may be and still count, in seconds.
    pub stale_s: u64,
    /// The worst accuracy (metres) a fix may have and still decide inside or outside.
    pub max_accuracy_m: f64,
}

impl Default for ProximityConfig {
    /// 2 m for 5 minutes (the seed's rule); fixes count for 60 s; accuracy up to 20 m.
    fn default() -> Self {
        Self {
            radius_m: 2.0,
            dwell_s: 300,
            stale_s: 60,
            max_accuracy_m: 20.0,
        }
    }
}

/// A point on the map, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Latitude, in [-90, 90].
    pub lat: f64,
    /// Longitude, in [-180, 180].
    pub lng: f64,
}

impl Location {
    fn point(self) -> Option<Point<f64>> {
        let ok = self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng);
        ok.then(|| Point::new(self.lng, self.lat))
    }
}

/// A position fix as a device reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// Latitude, in degrees.
    pub lat: f64,
    /// Longitude, in degrees.
    pub lng: f64,
    /// Accuracy radius in metres, if the device reported one.
    pub accuracy_m: Option<f64>,
    /// Device time of the fix.
    pub at: DateTime<Utc>,
}

/// What clients are shown about the arrival rule.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ProximitySnapshot {
    /// Metres from the provider's latest fix to the target; absent before the first fix.
    pub distance_m: Option<f64>,
    /// Whether the provider is inside now.
    pub within: bool,
    /// Whole seconds inside so far (0 when not inside).
    pub dwell_s: u64,
    /// Whether the rule has been satisfied (never reverts).
    pub satisfied: bool,
}

/// The result of a fix or a tick: the snapshot plus which journaled facts changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProximityUpdate {
    /// See [`ProximitySnapshot::distance_m`].
    pub distance_m: Option<f64>,
    /// See [`ProximitySnapshot::within`].
    pub within: bool,
    /// See [`ProximitySnapshot::dwell_s`].
    pub dwell_s: u64,
    /// See [`ProximitySnapshot::satisfied`].
    pub satisfied: bool,
    /// `within` differs from the previous update: journal it.
    pub within_changed: bool,
    /// The rule became satisfied with this update: journal it.
    pub satisfied_changed: bool,
}

impl ProximityUpdate {
    /// Whether this update must be journaled (it changes `within` or `satisfied`).
    pub fn is_journaled(&self) -> bool {
        self.within_changed || self.satisfied_changed
    }

    /// The part clients see.
    pub fn snapshot(&self) -> ProximitySnapshot {
        ProximitySnapshot {
            distance_m: self.distance_m,
            within: self.within,
            dwell_s: self.dwell_s,
            satisfied: self.satisfied,
        }
    }
}

/// A conclusive position and when it was taken (device time, never after receipt).
#[derive(Debug, Clone, Copy)]
struct Seen {
    point: Point<f64>,
    accuracy_m: f64,
    at: DateTime<Utc>,
}

/// An accepted fix: where, its accuracy if conclusive, when.
struct Accepted {
    point: Point<f64>,
    conclusive_accuracy: Option<f64>,
    at: DateTime<Utc>,
}

/// The arrival tracker of one booking. Feed it fixes and ticks; it never reads a clock.
#[derive(Debug, Clone)]
pub struct Proximity {
    config: ProximityConfig,
    service: Option<Point<f64>>,
    provider_last_at: Option<DateTime<Utc>>,
    provider_latest: Option<Point<f64>>,
    provider_evidence: Option<Seen>,
    customer_last_at: Option<DateTime<Utc>>,
    customer_target: Option<Seen>,
    within: bool,
    entered_at: Option<DateTime<Utc>>,
    satisfied: bool,
    reported: ProximitySnapshot,
}

impl Proximity {
    /// A tracker for a job at `service` (the fallback target). An invalid service location
    /// leaves only the customer's fixes as a possible target.
    pub fn new(config: ProximityConfig, service: Location) -> Self {
        Self {
            config,
            service: service.point(),
            provider_last_at: None,
            provider_latest: None,
            provider_evidence: None,
            customer_last_at: None,
            customer_target: None,
            within: false,
            entered_at: None,
            satisfied: false,
            reported: ProximitySnapshot {
                distance_m: None,
                within: false,
                dwell_s: 0,
                satisfied: false,
            },
        }
    }

    /// Continues from journaled state after a restart: `within_since` is when the
    /// last journaled `within: true` began (if the provider was inside), and
    /// `satisfied` whether arrival was already established. The dwell then
    /// continues from `within_since` on the next conclusive inside fix (and
    /// resets on an outside one), so a restart neither re-announces nor loses it.
    pub fn restore(&mut self, within_since: Option<DateTime<Utc>>, satisfied: bool) {
        self.within = within_since.is_some();
        self.entered_at = within_since;
        self.satisfied = satisfied;
        self.reported = ProximitySnapshot {
            distance_m: None,
            within: self.within,
            dwell_s: 0,
            satisfied,
        };
    }

    /// What was last reported (or restored), without re-applying the rule.
    pub fn last_reported(&self) -> ProximitySnapshot {
        self.reported
    }

    /// Whether a provider fix arrived since this tracker was made (ticks before
    /// that would only report a provider nobody has heard from).
    pub fn has_provider_fix(&self) -> bool {
        self.provider_latest.is_some()
    }

    /// How long until time alone could change what [`Proximity::tick`]
    /// reports: a second while the provider is within (the dwell grows, and
    /// their evidence may go stale), else until the customer's fix stops
    /// being the target (it falls back to the service address). `None`:
    /// nothing changes before the next fix.
    pub fn next_tick(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        if self.within {
            return Some(std::time::Duration::from_secs(1));
        }
        let stale_at = self.customer_target?.at + seconds(self.config.stale_s);
        let left = (stale_at - now).to_std().ok()?;
        Some(left + std::time::Duration::from_millis(1))
    }

    /// The rule's tunables.
    pub fn config(&self) -> &ProximityConfig {
        &self.config
    }

    /// A provider fix received at `now`. `None` when the fix is ignored (rule 1).
    ///
    /// If the previous conclusive fix had gone stale and no tick noticed, the dwell
    /// restarts; `within_changed` is then false when the new fix is inside again.
    pub fn on_provider_fix(&mut self, fix: Fix, now: DateTime<Utc>) -> Option<ProximityUpdate> {
        let accepted = self.accept(&fix, self.provider_last_at, now)?;
        self.provider_last_at = Some(fix.at);
        self.provider_latest = Some(accepted.point);
        if let Some(accuracy_m) = accepted.conclusive_accuracy {
            if self
                .provider_evidence
                .is_some_and(|e| !self.fresh(e.at, now))
            {
                // Silent for longer than `stale_s` without a tick noticing: the dwell
                // restarts even if the new fix is inside again.
                self.entered_at = None;
            }
            self.provider_evidence = Some(Seen {
                point: accepted.point,
                accuracy_m,
                at: accepted.at,
            });
        }
        Some(self.evaluate(now))
    }

    /// A customer fix received at `now`. `None` when the fix is ignored (rule 1); an
    /// inconclusive fix is accepted (the caller relays it) but does not become the target.
    pub fn on_customer_fix(&mut self, fix: Fix, now: DateTime<Utc>) -> Option<ProximityUpdate> {
        let accepted = self.accept(&fix, self.customer_last_at, now)?;
        self.customer_last_at = Some(fix.at);
        if let Some(accuracy_m) = accepted.conclusive_accuracy {
            self.customer_target = Some(Seen {
                point: accepted.point,
                accuracy_m,
                at: accepted.at,
            });
        }
        Some(self.evaluate(now))
    }

    /// Re-applies the rule at `now` (staleness, dwell). `Some` only when anything clients
    /// see changed since the last update, including `dwell_s` growing.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Option<ProximityUpdate> {
        let before = self.reported;
        let update = self.evaluate(now);
        (update.snapshot() != before).then_some(update)
    }

    /// The rule evaluated at `now`, without changing the tracker (nothing is reported, so
    /// call [`Proximity::tick`] first if a change must be journaled before it is shown).
    pub fn snapshot(&self, now: DateTime<Utc>) -> ProximitySnapshot {
        self.clone().evaluate(now).snapshot()
    }

    fn accept(
        &self,
        fix: &Fix,
        last_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Accepted> {
        let point = Location {
            lat: fix.lat,
            lng: fix.lng,
        }
        .point()?;
        if last_at.is_some_and(|last| fix.at <= last) {
            return None;
        }
        let stale = seconds(self.config.stale_s);
        if now - fix.at > stale || fix.at - now > stale {
            return None;
        }
        let accuracy = fix.accuracy_m.unwrap_or(0.0);
        let conclusive =
            accuracy.is_finite() && accuracy >= 0.0 && accuracy <= self.config.max_accuracy_m;
        Some(Accepted {
            point,
            conclusive_accuracy: conclusive.then_some(accuracy),
            at: fix.at.min(now),
        })
    }

    fn fresh(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - at <= seconds(self.config.stale_s)
    }

    /// The target at `now` and its accuracy (rule 3).
    fn target(&self, now: DateTime<Utc>) -> Option<(Point<f64>, f64)> {
        match self.customer_target {
            Some(c) if self.fresh(c.at, now) => Some((c.point, c.accuracy_m)),
            _ => self.service.map(|p| (p, 0.0)),
        }
    }

    fn evaluate(&mut self, now: DateTime<Utc>) -> ProximityUpdate {
        let target = self.target(now);
        let distance_m = self
            .provider_latest
            .zip(target)
            .map(|(p, (t, _))| Haversine.distance(p, t));
        let within = match (self.provider_evidence, target) {
            (Some(e), Some((t, t_acc))) if self.fresh(e.at, now) => {
                Haversine.distance(e.point, t) <= self.config.radius_m + e.accuracy_m + t_acc
            }
            _ => false,
        };
        let within_changed = within != self.within;
        if !within {
            self.entered_at = None;
        } else if self.entered_at.is_none() {
            self.entered_at = Some(now);
        }
        self.within = within;
        let inside_for = self
            .entered_at
            .map(|e| now - e)
            .unwrap_or(TimeDelta::zero());
        let was_satisfied = self.satisfied;
        if within && inside_for >= seconds(self.config.dwell_s) {
            self.satisfied = true;
        }
        let update = ProximityUpdate {
            distance_m,
            within,
            dwell_s: u64::try_from(inside_for.num_seconds()).unwrap_or(0),
            satisfied: self.satisfied,
            within_changed,
            satisfied_changed: self.satisfied && !was_satisfied,
        };
        self.reported = update.snapshot();
        update
    }
}

/// `s` seconds as a duration, saturating.
fn seconds(s: u64) -> TimeDelta {
    i64::try_from(s)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .unwrap_or(TimeDelta::MAX)
}

/// Haversine distance in metres between two `(lat, lng)` points.
pub fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

#[cfg(test)]
mod tests;
