//! Tests of the arrival rule, one behaviour each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use geo::Destination;

const SERVICE: Location = Location {
    lat: -26.2041,
    lng: 28.0473,
};

/// The server clock `s` seconds after the start of a test.
fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
}

/// The point `m` metres north of `of`.
fn north(of: Location, m: f64) -> Location {
    let p = Haversine.destination(Point::new(of.lng, of.lat), 0.0, m);
    Location {
        lat: p.y(),
        lng: p.x(),
    }
}

fn fix(at: Location, accuracy_m: Option<f64>, s: i64) -> Fix {
    Fix {
        lat: at.lat,
        lng: at.lng,
        accuracy_m,
        at: t(s),
    }
}

/// A provider fix `m` metres north of the service location, exact, taken and received at `s`.
fn provider_at(p: &mut Proximity, m: f64, s: i64) -> ProximityUpdate {
    p.on_provider_fix(fix(north(SERVICE, m), None, s), t(s))
        .unwrap()
}

fn tracker() -> Proximity {
    Proximity::new(ProximityConfig::default(), SERVICE)
}

fn tracker_with(f: impl FnOnce(&mut ProximityConfig)) -> Proximity {
    let mut config = ProximityConfig::default();
    f(&mut config);
    Proximity::new(config, SERVICE)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn defaults_are_the_seed_rule() {
    let c = ProximityConfig::default();
    assert_eq!(
        (c.radius_m, c.dwell_s, c.stale_s, c.max_accuracy_m),
        (2.0, 300, 60, 20.0)
    );
}

#[test]
fn nothing_known_reports_nothing() {
    let mut p = tracker();
    let empty = ProximitySnapshot {
        distance_m: None,
        within: false,
        dwell_s: 0,
        satisfied: false,
    };
    assert_eq!(p.snapshot(t(0)), empty);
    assert_eq!(p.tick(t(0)), None);
    assert_eq!(p.tick(t(1000)), None);
}

#[test]
fn a_far_fix_reports_the_distance_and_is_outside() {
    let mut p = tracker();
    let u = provider_at(&mut p, 830.0, 0);
    assert!(close(u.distance_m, 830.0), "{u:?}");
    assert!(!u.within && !u.within_changed && !u.satisfied && !u.is_journaled());
    assert_eq!(u.dwell_s, 0);
}

#[test]
fn entering_is_a_journaled_change() {
    let mut p = tracker();
    provider_at(&mut p, 100.0, 0);
    let u = provider_at(&mut p, 1.5, 10);
    assert!(u.within && u.within_changed && u.is_journaled());
    assert_eq!(u.dwell_s, 0);
    let u = provider_at(&mut p, 1.0, 20);
    assert!(u.within && !u.within_changed && !u.is_journaled());
    assert_eq!(u.dwell_s, 10);
}

#[test]
fn the_dwell_completes_on_a_tick() {
    let mut p = tracker();
    for s in (10..=280).step_by(30) {
        assert!(provider_at(&mut p, 1.5, s).within);
    }
    let u = p.tick(t(309)).unwrap();
    assert_eq!((u.within, u.dwell_s, u.satisfied), (true, 299, false));
    assert!(!u.is_journaled());
    let u = p.tick(t(310)).unwrap();
    assert_eq!((u.within, u.dwell_s, u.satisfied), (true, 300, true));
    assert!(u.satisfied_changed && !u.within_changed && u.is_journaled());
    assert_eq!(p.tick(t(310)), None, "nothing changed");
    let u = p.tick(t(311)).unwrap();
    assert_eq!(
        (u.dwell_s, u.satisfied, u.satisfied_changed),
        (301, true, false)
    );
}

#[test]
fn the_dwell_completes_on_a_fix_too() {
    let mut p = tracker();
    for s in (0..300).step_by(20) {
        assert!(!provider_at(&mut p, 1.0, s).satisfied);
    }
    let u = provider_at(&mut p, 1.0, 300);
    assert!(u.satisfied && u.satisfied_changed);
}

#[test]
fn leaving_resets_the_dwell() {
    let mut p = tracker();
    provider_at(&mut p, 1.0, 0);
    assert_eq!(provider_at(&mut p, 1.0, 50).dwell_s, 50);
    let u = provider_at(&mut p, 40.0, 60);
    assert!(!u.within && u.within_changed);
    assert_eq!(u.dwell_s, 0);
    let u = provider_at(&mut p, 1.0, 70);
    assert!(u.within && u.within_changed);
    assert_eq!(u.dwell_s, 0);
    for s in (100..=340).step_by(30) {
        provider_at(&mut p, 1.0, s);
    }
    // 369 s after the first entry, but only 299 s after re-entering.
    let u = p.tick(t(369)).unwrap();
    assert_eq!((u.dwell_s, u.satisfied), (299, false));
    assert!(p.tick(t(370)).unwrap().satisfied_changed);
}

#[test]
fn a_silent_provider_is_no_longer_inside() {
    let mut p = tracker();
    provider_at(&mut p, 1.0, 0);
    assert!(p.tick(t(60)).unwrap().within, "60 s old still counts");
    let u = p.tick(t(61)).unwrap();
    assert!(!u.within && u.within_changed);
    assert_eq!(u.dwell_s, 0);
    assert!(
        close(u.distance_m, 1.0),
        "the last known distance stays displayed"
    );
    assert_eq!(p.tick(t(62)), None);
    assert_eq!(p.tick(t(400)), None, "never satisfied while silent");
}

#[test]
fn going_silent_between_ticks_restarts_the_dwell() {
    let mut p = tracker();
    provider_at(&mut p, 1.0, 0);
    // No tick ran while the provider was silent; the next fix finds the old one stale.
    let u = provider_at(&mut p, 1.0, 200);
    assert!(u.within);
    assert_eq!(u.dwell_s, 0);
}

#[test]
fn out_of_order_and_repeated_fixes_are_ignored() {
    let mut p = tracker();
    provider_at(&mut p, 1.0, 10);
    let before = p.snapshot(t(12));
    let far = north(SERVICE, 500.0);
    assert_eq!(
        p.on_provider_fix(fix(far, None, 10), t(12)),
        None,
        "same device time"
    );
    assert_eq!(
        p.on_provider_fix(fix(far, None, 5), t(12)),
        None,
        "earlier device time"
    );
    assert_eq!(p.snapshot(t(12)), before);
    assert!(p.on_provider_fix(fix(far, None, 11), t(12)).is_some());
}

#[test]
fn stale_and_far_future_fixes_are_ignored() {
    let mut p = tracker();
    let near = north(SERVICE, 1.0);
    assert_eq!(
        p.on_provider_fix(fix(near, None, 39), t(100)),
        None,
        "61 s old"
    );
    assert_eq!(
        p.on_provider_fix(fix(near, None, 161), t(100)),
        None,
        "61 s ahead"
    );
    assert_eq!(p.snapshot(t(100)).distance_m, None);
    assert!(
        p.on_provider_fix(fix(near, None, 40), t(100))
            .unwrap()
            .within,
        "60 s old"
    );
}

#[test]
fn a_fix_slightly_ahead_counts_as_taken_now() {
    let mut p = tracker();
    let near = north(SERVICE, 1.0);
    assert!(p.on_provider_fix(fix(near, None, 30), t(0)).unwrap().within);
    assert!(p.tick(t(60)).unwrap().within);
    assert!(
        !p.tick(t(61)).unwrap().within,
        "stale 60 s after receipt, not after 90 s"
    );
}

#[test]
fn an_inaccurate_fix_neither_starts_nor_resets_the_dwell() {
    let mut p = tracker();
    let u = p
        .on_provider_fix(fix(north(SERVICE, 1.0), Some(25.0), 0), t(0))
        .unwrap();
    assert!(!u.within, "inconclusive fix does not start the dwell");
    assert!(close(u.distance_m, 1.0));

    provider_at(&mut p, 1.0, 10);
    let u = p
        .on_provider_fix(fix(north(SERVICE, 1000.0), Some(50.0), 30), t(30))
        .unwrap();
    assert!(
        u.within && !u.within_changed,
        "inconclusive fix does not reset the dwell"
    );
    assert_eq!(u.dwell_s, 20);
    assert!(
        close(u.distance_m, 1000.0),
        "but it moves the displayed distance"
    );
}

#[test]
fn inaccurate_fixes_do_not_keep_an_inside_fix_fresh() {
    let mut p = tracker();
    provider_at(&mut p, 1.0, 0);
    for s in [20, 40, 60] {
        let f = fix(north(SERVICE, 1.0), Some(100.0), s);
        assert!(p.on_provider_fix(f, t(s)).unwrap().within);
    }
    assert!(!p.tick(t(61)).unwrap().within);
}

#[test]
fn invalid_accuracy_is_inconclusive() {
    for accuracy in [f64::NAN, f64::INFINITY, -1.0] {
        let mut p = tracker();
        let u = p
            .on_provider_fix(fix(north(SERVICE, 1.0), Some(accuracy), 0), t(0))
            .unwrap();
        assert!(!u.within, "{accuracy}");
    }
}

#[test]
fn the_accuracy_circle_must_reach_the_radius() {
    let at = |m: f64, acc: Option<f64>| {
        let mut p = tracker();
        p.on_provider_fix(fix(north(SERVICE, m), acc, 0), t(0))
            .unwrap()
            .within
    };
    assert!(at(10.0, Some(8.5)), "10 m <= 2 + 8.5");
    assert!(!at(10.0, Some(7.5)), "circle wholly outside");
    assert!(
        at(21.5, Some(20.0)),
        "accuracy exactly the maximum is conclusive"
    );
    assert!(
        !at(21.5, Some(20.1)),
        "worse than the maximum is inconclusive"
    );
    assert!(at(1.9, None), "no accuracy counts as exact");
    assert!(!at(2.1, None));
    assert!(at(2.1, Some(0.2)));
}

#[test]
fn the_customers_fresh_fix_is_the_target() {
    let mut p = tracker();
    let customer = north(SERVICE, 500.0);
    let u = p
        .on_customer_fix(fix(customer, Some(0.0), 0), t(0))
        .unwrap();
    assert_eq!(u.distance_m, None, "no provider fix yet");
    let u = provider_at(&mut p, 0.0, 1);
    assert!(!u.within);
    assert!(close(u.distance_m, 500.0));
    let u = provider_at(&mut p, 499.0, 2);
    assert!(u.within && u.within_changed);
    assert!(close(u.distance_m, 1.0));
}

#[test]
fn a_moving_customer_moves_the_target() {
    let mut p = tracker();
    provider_at(&mut p, 300.0, 0);
    let u = p
        .on_customer_fix(fix(north(SERVICE, 301.0), None, 1), t(1))
        .unwrap();
    assert!(
        u.within && u.within_changed,
        "the customer walked up to the provider"
    );
    let u = p
        .on_customer_fix(fix(north(SERVICE, 350.0), None, 2), t(2))
        .unwrap();
    assert!(!u.within && u.within_changed);
    assert!(close(u.distance_m, 50.0));
}

#[test]
fn a_stale_customer_fix_falls_back_to_the_service_location() {
    let mut p = tracker();
    p.on_customer_fix(fix(north(SERVICE, 500.0), None, 0), t(0))
        .unwrap();
    let u = provider_at(&mut p, 0.0, 30);
    assert!(!u.within);
    assert!(close(u.distance_m, 500.0));
    assert!(
        !p.snapshot(t(60)).within,
        "the customer's fix is 60 s old: still the target"
    );
    let u = p.tick(t(61)).unwrap();
    assert!(
        u.within && u.within_changed,
        "target is the service location now"
    );
    assert!(close(u.distance_m, 0.0));
}

#[test]
fn an_inaccurate_customer_fix_is_not_a_target() {
    let mut p = tracker();
    let u = p
        .on_customer_fix(fix(north(SERVICE, 500.0), Some(30.0), 0), t(0))
        .unwrap();
    assert!(!u.within);
    assert!(provider_at(&mut p, 0.0, 1).within);
    // ...but it still orders the customer's fixes.
    assert_eq!(
        p.on_customer_fix(fix(north(SERVICE, 500.0), None, 0), t(2)),
        None
    );
}

#[test]
fn the_customers_accuracy_widens_the_radius() {
    let within = |m: f64| {
        let mut p = tracker();
        p.on_customer_fix(fix(north(SERVICE, 100.0), Some(5.0), 0), t(0))
            .unwrap();
        provider_at(&mut p, 100.0 + m, 1).within
    };
    assert!(within(6.9), "6.9 m <= 2 + 0 + 5");
    assert!(!within(7.1));
}

#[test]
fn customer_fixes_out_of_order_are_ignored() {
    let mut p = tracker();
    p.on_customer_fix(fix(north(SERVICE, 500.0), None, 10), t(10))
        .unwrap();
    assert_eq!(p.on_customer_fix(fix(SERVICE, None, 9), t(11)), None);
    assert!(
        !provider_at(&mut p, 0.0, 11).within,
        "the target is still the customer"
    );
}

#[test]
fn satisfied_stays_satisfied() {
    let mut p = tracker_with(|c| c.dwell_s = 30);
    provider_at(&mut p, 1.0, 0);
    assert!(provider_at(&mut p, 1.0, 30).satisfied_changed);
    let u = provider_at(&mut p, 100.0, 40);
    assert!(!u.within && u.within_changed && u.satisfied && !u.satisfied_changed);
    let u = p.tick(t(500)).unwrap_or(u);
    assert!(u.satisfied && !u.satisfied_changed);
    assert!(p.snapshot(t(1000)).satisfied);
}

#[test]
fn a_zero_dwell_is_satisfied_on_entry() {
    let mut p = tracker_with(|c| c.dwell_s = 0);
    let u = provider_at(&mut p, 1.0, 0);
    assert!(u.within_changed && u.satisfied_changed);
}

#[test]
fn invalid_coordinates_are_ignored() {
    let mut p = tracker();
    for (lat, lng) in [
        (f64::NAN, 0.0),
        (0.0, f64::INFINITY),
        (90.5, 0.0),
        (0.0, -180.5),
    ] {
        let f = Fix {
            lat,
            lng,
            accuracy_m: None,
            at: t(0),
        };
        assert_eq!(p.on_provider_fix(f, t(0)), None);
        assert_eq!(p.on_customer_fix(f, t(0)), None);
    }
    // An ignored fix does not advance the ordering either.
    assert!(p.on_provider_fix(fix(SERVICE, None, 0), t(0)).is_some());
}

#[test]
fn snapshot_evaluates_without_reporting() {
    let mut p = tracker();
    provider_at(&mut p, 1.0, 0);
    assert_eq!(
        p.snapshot(t(45)),
        ProximitySnapshot {
            distance_m: p.snapshot(t(45)).distance_m,
            within: true,
            dwell_s: 45,
            satisfied: false
        }
    );
    assert!(!p.snapshot(t(61)).within, "the snapshot applies staleness");
    let u = p.tick(t(61)).unwrap();
    assert!(u.within_changed, "the snapshot did not swallow the change");
}

#[test]
fn snapshot_serializes_like_the_protocol() {
    let s = ProximitySnapshot {
        distance_m: Some(1.5),
        within: true,
        dwell_s: 12,
        satisfied: false,
    };
    assert_eq!(
        serde_json::to_value(s).unwrap(),
        serde_json::json!({"distance_m": 1.5, "within": true, "dwell_s": 12, "satisfied": false})
    );
}

/// A deterministic random walk checking the invariants every update must keep.
#[test]
fn invariants_hold_on_a_random_walk() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let config = ProximityConfig {
        dwell_s: 40,
        stale_s: 20,
        ..ProximityConfig::default()
    };
    let mut p = Proximity::new(config, SERVICE);
    let (mut now, mut device) = (0_i64, 0_i64);
    let mut last = p.snapshot(t(0));
    let mut journaled = 0;
    for _ in 0..5000 {
        now += i64::try_from(next(8)).unwrap();
        device = (device + 1).max(now - i64::try_from(next(5)).unwrap());
        let at = north(SERVICE, next(60) as f64 / 10.0);
        let accuracy = [None, Some(0.5), Some(3.0), Some(30.0)][usize::try_from(next(4)).unwrap()];
        let update = match next(3) {
            0 => p.on_provider_fix(fix(at, accuracy, device), t(now)),
            1 => p.on_customer_fix(fix(at, accuracy, device), t(now)),
            _ => p.tick(t(now)),
        };
        let Some(u) = update else { continue };
        assert_eq!(
            u.within_changed,
            u.within != last.within,
            "{u:?} after {last:?}"
        );
        assert_eq!(u.satisfied_changed, u.satisfied && !last.satisfied);
        assert!(last.satisfied <= u.satisfied, "satisfied never reverts");
        assert!(u.within || u.dwell_s == 0);
        if u.satisfied_changed {
            assert!(u.within && u.dwell_s >= config.dwell_s);
        }
        assert_eq!(p.snapshot(t(now)), u.snapshot());
        journaled += usize::from(u.is_journaled());
        last = u.snapshot();
    }
    assert!(
        journaled > 10 && last.satisfied,
        "the walk exercised the rule ({journaled})"
    );
}

#[test]
fn a_tick_is_due_every_second_inside_and_only_when_the_target_can_change_outside() {
    let mut p = tracker();
    // Far away, no customer fix: time alone changes nothing.
    provider_at(&mut p, 800.0, 0);
    assert_eq!(p.next_tick(t(0)), None);
    // A customer fix is the target until it goes stale (60 s): then the
    // target falls back to the service address, which a tick must notice.
    let customer = fix(north(SERVICE, 300.0), Some(5.0), 10);
    p.on_customer_fix(customer, t(10)).unwrap();
    let due = p.next_tick(t(20)).unwrap();
    assert!(due > std::time::Duration::from_secs(49) && due <= std::time::Duration::from_secs(51));
    // Inside, the dwell grows every second.
    provider_at(&mut p, 300.0, 30);
    assert!(p.last_reported().within);
    assert_eq!(p.next_tick(t(30)), Some(std::time::Duration::from_secs(1)));
}
