//! Exhaustive tests of the booking state machine against an expected table written out
//! here from DESIGN.md, independently of the implementation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use Actor as A;
use BookingEvent as E;
use BookingState as S;
use Effect::*;

/// Who may cause each event, in any state.
const ROLES: &[(E, &[A])] = &[
    (E::PaymentCaptured, &[A::System]),
    (E::PaymentExpired, &[A::System]),
    (E::Accept, &[A::Provider]),
    (E::Decline, &[A::Provider]),
    (E::RequestExpired, &[A::System]),
    (E::LocationStarted, &[A::Provider, A::System]),
    (E::ProximitySatisfied, &[A::System]),
    (E::Start, &[A::Provider, A::System]),
    (E::Complete, &[A::Provider]),
    (E::Cancel, &[A::Customer, A::Provider, A::Admin]),
    (E::Reschedule, &[A::Customer]),
    (E::BalanceCaptured, &[A::System]),
];

/// Every accepted (from, event) and its outcome. Anything not listed is refused.
const ROWS: &[(S, E, S, &[Effect])] = &[
    (
        S::PendingPayment,
        E::PaymentCaptured,
        S::Requested,
        &[MintCustomerChatToken, NotifyProvider],
    ),
    (
        S::PendingPayment,
        E::PaymentExpired,
        S::Expired,
        &[ReleaseSlot],
    ),
    (
        S::Requested,
        E::Accept,
        S::Confirmed,
        &[MintProviderChatToken, ActivateChat],
    ),
    (
        S::Requested,
        E::Decline,
        S::Declined,
        &[RefundInFull, ReleaseSlot],
    ),
    (
        S::Requested,
        E::RequestExpired,
        S::Expired,
        &[RefundInFull, ReleaseSlot],
    ),
    (S::Confirmed, E::LocationStarted, S::EnRoute, &[]),
    (S::Confirmed, E::ProximitySatisfied, S::Arrived, &[]),
    (S::EnRoute, E::ProximitySatisfied, S::Arrived, &[]),
    (S::Arrived, E::Start, S::InProgress, &[]),
    (
        S::InProgress,
        E::Complete,
        S::Completed,
        &[ReleaseEscrow, TerminateChat, MeasureSla],
    ),
    (
        S::Requested,
        E::Cancel,
        S::Cancelled,
        &[RefundPerPolicy, ReleaseSlot],
    ),
    (
        S::Confirmed,
        E::Cancel,
        S::Cancelled,
        &[RefundPerPolicy, TerminateChat, ReleaseSlot],
    ),
    (
        S::EnRoute,
        E::Cancel,
        S::Cancelled,
        &[RefundPerPolicy, TerminateChat, ReleaseSlot],
    ),
    (
        S::Arrived,
        E::Cancel,
        S::Cancelled,
        &[RefundPerPolicy, TerminateChat, ReleaseSlot],
    ),
    (S::Confirmed, E::Reschedule, S::Confirmed, &[MoveSlot]),
    (S::Requested, E::BalanceCaptured, S::Requested, &[]),
    (S::Confirmed, E::BalanceCaptured, S::Confirmed, &[]),
    (S::EnRoute, E::BalanceCaptured, S::EnRoute, &[]),
    (S::Arrived, E::BalanceCaptured, S::Arrived, &[]),
    (S::InProgress, E::BalanceCaptured, S::InProgress, &[]),
];

const ALL_STATES: [S; 10] = [
    S::PendingPayment,
    S::Requested,
    S::Confirmed,
    S::EnRoute,
    S::Arrived,
    S::InProgress,
    S::Completed,
    S::Declined,
    S::Expired,
    S::Cancelled,
];
const ALL_EVENTS: [E; 12] = [
    E::PaymentCaptured,
    E::PaymentExpired,
    E::Accept,
    E::Decline,
    E::RequestExpired,
    E::LocationStarted,
    E::ProximitySatisfied,
    E::Start,
    E::Complete,
    E::Cancel,
    E::Reschedule,
    E::BalanceCaptured,
];
const ALL_ACTORS: [A; 4] = [A::Customer, A::Provider, A::Admin, A::System];

fn expected(from: S, event: E, actor: A) -> Result<Transition, Refusal> {
    let roles = ROLES.iter().find(|(e, _)| *e == event).unwrap().1;
    if !roles.contains(&actor) {
        return Err(Refusal::NotAllowed { actor, event });
    }
    match ROWS.iter().find(|(f, e, _, _)| *f == from && *e == event) {
        Some((_, _, to, effects)) => Ok(Transition {
            from,
            to: *to,
            effects: effects.to_vec(),
        }),
        None => Err(Refusal::InvalidTransition { from, event }),
    }
}

#[test]
fn every_state_event_actor_triple_matches_the_table() {
    let (mut ok, mut not_allowed, mut invalid) = (0, 0, 0);
    for from in ALL_STATES {
        for event in ALL_EVENTS {
            for actor in ALL_ACTORS {
                let got = transition(from, event, actor);
                assert_eq!(
                    got,
                    expected(from, event, actor),
                    "{from} {event} by {actor}"
                );
                match got {
                    Ok(_) => ok += 1,
                    Err(Refusal::NotAllowed { .. }) => not_allowed += 1,
                    Err(Refusal::InvalidTransition { .. }) => invalid += 1,
                    Err(other) => panic!("unexpected refusal {other:?}"),
                }
            }
        }
    }
    // 20 rows times their allowed roles; 32 forbidden (event, role) pairs times 10 states.
    assert_eq!((ok, not_allowed, invalid), (30, 320, 130));
}

#[test]
fn the_fixtures_cover_every_variant() {
    assert_eq!(S::ALL, &ALL_STATES);
    assert_eq!(E::ALL, &ALL_EVENTS);
    assert_eq!(A::ALL, &ALL_ACTORS);
    for event in ALL_EVENTS {
        let roles = ROLES.iter().find(|(e, _)| *e == event).unwrap().1;
        assert_eq!(event.allowed_actors(), roles, "{event}");
    }
}

#[test]
fn nothing_leaves_a_terminal_state() {
    for from in ALL_STATES.into_iter().filter(|s| s.is_terminal()) {
        for event in ALL_EVENTS {
            for actor in ALL_ACTORS {
                assert!(transition(from, event, actor).is_err());
            }
        }
        for to in ALL_STATES {
            assert_eq!(force(from, to), Err(Refusal::InvalidForce { from, to }));
        }
    }
}

#[test]
fn start_is_refused_before_arrival() {
    for from in [S::Confirmed, S::EnRoute] {
        assert_eq!(
            transition(from, E::Start, A::Provider),
            Err(Refusal::InvalidTransition {
                from,
                event: E::Start
            })
        );
    }
    assert_eq!(
        transition(S::Arrived, E::Start, A::Provider).unwrap().to,
        S::InProgress
    );
}

#[test]
fn the_role_check_comes_before_the_state_check() {
    assert_eq!(
        transition(S::Completed, E::Accept, A::Customer),
        Err(Refusal::NotAllowed {
            actor: A::Customer,
            event: E::Accept
        })
    );
    assert_eq!(
        transition(S::Completed, E::Accept, A::Provider),
        Err(Refusal::InvalidTransition {
            from: S::Completed,
            event: E::Accept
        })
    );
}

#[test]
fn reschedule_keeps_the_state() {
    let t = transition(S::Confirmed, E::Reschedule, A::Customer).unwrap();
    assert!(!t.changes_state());
    assert!(transition(S::Confirmed, E::Accept, A::Provider).is_err());
    assert!(transition(S::Requested, E::Accept, A::Provider)
        .unwrap()
        .changes_state());
}

#[test]
fn state_predicates() {
    use std::collections::HashSet;
    let set = |f: fn(S) -> bool| {
        ALL_STATES
            .into_iter()
            .filter(|s| f(*s))
            .collect::<HashSet<_>>()
    };
    let of = |v: &[S]| v.iter().copied().collect::<HashSet<_>>();
    let terminal = of(&[S::Completed, S::Declined, S::Expired, S::Cancelled]);
    assert_eq!(set(S::is_terminal), terminal);
    assert_eq!(
        set(S::is_live),
        of(&ALL_STATES).difference(&terminal).copied().collect()
    );
    assert_eq!(
        set(S::holds_escrow),
        of(&[
            S::Requested,
            S::Confirmed,
            S::EnRoute,
            S::Arrived,
            S::InProgress
        ])
    );
    assert_eq!(
        set(S::chat_active),
        of(&[S::Confirmed, S::EnRoute, S::Arrived, S::InProgress])
    );
    assert_eq!(set(S::awaits_arrival), of(&[S::Confirmed, S::EnRoute]));
    assert_eq!(S::INITIAL, S::PendingPayment);
}

/// The expected outcome of forcing into a state; `None` means refused.
type Targets = &'static [(S, Option<&'static [Effect]>)];

/// Every force-move out of a non-terminal state.
const FORCE: &[(S, Targets)] = &[
    (
        S::PendingPayment,
        &[
            (S::PendingPayment, None),
            (S::Requested, None),
            (S::Confirmed, None),
            (S::EnRoute, None),
            (S::Arrived, None),
            (S::InProgress, None),
            (S::Completed, None),
            (S::Declined, Some(&[ReleaseSlot])),
            (S::Expired, Some(&[ReleaseSlot])),
            (S::Cancelled, Some(&[ReleaseSlot])),
        ],
    ),
    (
        S::Requested,
        &[
            (S::PendingPayment, None),
            (S::Requested, None),
            (S::Confirmed, Some(&[MintProviderChatToken, ActivateChat])),
            (S::EnRoute, Some(&[MintProviderChatToken, ActivateChat])),
            (S::Arrived, Some(&[MintProviderChatToken, ActivateChat])),
            (S::InProgress, Some(&[MintProviderChatToken, ActivateChat])),
            (S::Completed, Some(&[ReleaseEscrow])),
            (S::Declined, Some(&[RefundInFull, ReleaseSlot])),
            (S::Expired, Some(&[RefundInFull, ReleaseSlot])),
            (S::Cancelled, Some(&[RefundPerPolicy, ReleaseSlot])),
        ],
    ),
    (S::Confirmed, CHAT_ACTIVE_FORCE),
    (S::EnRoute, CHAT_ACTIVE_FORCE),
    (S::Arrived, CHAT_ACTIVE_FORCE),
    (S::InProgress, CHAT_ACTIVE_FORCE),
];

/// Force-moves out of any chat-active state (the move to itself is refused separately).
const CHAT_ACTIVE_FORCE: Targets = &[
    (S::PendingPayment, None),
    (S::Requested, Some(&[TerminateChat])),
    (S::Confirmed, Some(&[])),
    (S::EnRoute, Some(&[])),
    (S::Arrived, Some(&[])),
    (S::InProgress, Some(&[])),
    (S::Completed, Some(&[ReleaseEscrow, TerminateChat])),
    (
        S::Declined,
        Some(&[RefundInFull, TerminateChat, ReleaseSlot]),
    ),
    (
        S::Expired,
        Some(&[RefundInFull, TerminateChat, ReleaseSlot]),
    ),
    (
        S::Cancelled,
        Some(&[RefundPerPolicy, TerminateChat, ReleaseSlot]),
    ),
];

#[test]
fn every_force_move_matches_the_table() {
    let mut checked = 0;
    for (from, targets) in FORCE {
        assert_eq!(targets.len(), ALL_STATES.len());
        for (to, effects) in *targets {
            let want = match effects {
                Some(_) if from == to => Err(Refusal::InvalidForce {
                    from: *from,
                    to: *to,
                }),
                Some(e) => Ok(Transition {
                    from: *from,
                    to: *to,
                    effects: e.to_vec(),
                }),
                None => Err(Refusal::InvalidForce {
                    from: *from,
                    to: *to,
                }),
            };
            assert_eq!(force(*from, *to), want, "force {from} -> {to}");
            checked += 1;
        }
    }
    assert_eq!(checked, 60);
}

#[test]
fn names_round_trip_through_str_and_serde() {
    for s in ALL_STATES {
        assert_eq!(s.as_str().parse::<S>(), Ok(s));
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<S>(&format!("\"{s}\"")).unwrap(), s);
    }
    for e in ALL_EVENTS {
        assert_eq!(e.as_str().parse::<E>(), Ok(e));
        assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{e}\""));
    }
    for a in ALL_ACTORS {
        assert_eq!(a.as_str().parse::<A>(), Ok(a));
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
    }
    assert_eq!(S::EnRoute.as_str(), "en_route");
    assert_eq!(S::PendingPayment.as_str(), "pending_payment");
    assert_eq!(E::ProximitySatisfied.as_str(), "proximity_satisfied");
    assert_eq!(
        serde_json::to_string(&RefundPerPolicy).unwrap(),
        "\"refund_per_policy\""
    );
    let err = "EnRoute".parse::<S>().unwrap_err();
    assert_eq!(err.to_string(), "unknown booking state: \"EnRoute\"");
    assert!(serde_json::from_str::<S>("\"arriving\"").is_err());
}

#[test]
fn refusals_read_well() {
    let r = Refusal::InvalidTransition {
        from: S::Confirmed,
        event: E::Start,
    };
    assert_eq!(
        r.to_string(),
        "start is not possible while the booking is confirmed"
    );
    let r = Refusal::NotAllowed {
        actor: A::Customer,
        event: E::Accept,
    };
    assert_eq!(r.to_string(), "a customer may not accept a booking");
    let r = Refusal::InvalidForce {
        from: S::Completed,
        to: S::Cancelled,
    };
    assert_eq!(
        r.to_string(),
        "a booking cannot be forced from completed to cancelled"
    );
}
