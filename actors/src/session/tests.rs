#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use crate::booking::{Actor as Role, BookingEvent, BookingState, Refusal};
use crate::dispatcher::Dispatcher;
use crate::memory::MemoryJournal;
use crate::messages::{Apply, CountSessions, Force, GetRecord, SessionError, SessionFor};

fn apply(event: BookingEvent, actor: Role) -> Apply {
    Apply {
        event,
        actor,
        by: Some("u1".into()),
        reason: None,
        detail: serde_json::Value::Null,
    }
}

fn dispatcher(journal: &MemoryJournal, idle: Duration) -> Addr<Dispatcher> {
    Dispatcher::new(Arc::new(journal.clone()), idle).start()
}

#[actix_rt::test]
async fn commands_commit_in_order_with_gap_free_seq() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::PendingPayment);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d
        .send(SessionFor {
            booking_id: "b1".into(),
        })
        .await
        .unwrap();
    let steps = [
        (
            BookingEvent::PaymentCaptured,
            Role::System,
            BookingState::Requested,
        ),
        (
            BookingEvent::Accept,
            Role::Provider,
            BookingState::Confirmed,
        ),
        (
            BookingEvent::LocationStarted,
            Role::Provider,
            BookingState::EnRoute,
        ),
    ];
    for (i, (event, actor, to)) in steps.into_iter().enumerate() {
        let committed = s.send(apply(event, actor)).await.unwrap().unwrap();
        assert_eq!(committed.record.state, to);
        assert_eq!(committed.events[0].seq, i as i64 + 1);
    }
    let seqs: Vec<i64> = journal.events("b1").iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[actix_rt::test]
async fn refusals_change_nothing() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Requested);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d
        .send(SessionFor {
            booking_id: "b1".into(),
        })
        .await
        .unwrap();
    let err = s
        .send(apply(BookingEvent::Start, Role::Provider))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err,
        SessionError::Refused(Refusal::InvalidTransition {
            from: BookingState::Requested,
            event: BookingEvent::Start
        })
    );
    let err = s
        .send(apply(BookingEvent::Accept, Role::Customer))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(
        err,
        SessionError::Refused(Refusal::NotAllowed { .. })
    ));
    assert!(journal.events("b1").is_empty());
    assert_eq!(
        s.send(GetRecord).await.unwrap().unwrap().state,
        BookingState::Requested
    );
}

#[actix_rt::test]
async fn of_many_racing_writers_exactly_one_wins() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Requested);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let mut pending = Vec::new();
    for i in 0..20 {
        let d = d.clone();
        let (event, actor) = if i % 2 == 0 {
            (BookingEvent::Accept, Role::Provider)
        } else {
            (BookingEvent::Decline, Role::Provider)
        };
        pending.push(async move {
            let s = d
                .send(SessionFor {
                    booking_id: "b1".into(),
                })
                .await
                .unwrap();
            s.send(apply(event, actor)).await.unwrap()
        });
    }
    let results = futures_util::future::join_all(pending).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert_eq!(journal.events("b1").len(), 1);
}

#[actix_rt::test]
async fn a_change_behind_the_sessions_back_is_reloaded() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Requested);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d
        .send(SessionFor {
            booking_id: "b1".into(),
        })
        .await
        .unwrap();
    s.send(GetRecord).await.unwrap().unwrap();
    journal.tamper("b1", BookingState::Confirmed);
    // Validated against the cached `requested`, refused by the version check,
    // reloaded, and re-validated against `confirmed`.
    let committed = s
        .send(apply(BookingEvent::LocationStarted, Role::Provider))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(committed.record.state, BookingState::EnRoute);
}

#[actix_rt::test]
async fn force_is_recorded_and_idle_sessions_stop_and_restart() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Confirmed);
    let d = dispatcher(&journal, Duration::from_millis(100));
    let s = d
        .send(SessionFor {
            booking_id: "b1".into(),
        })
        .await
        .unwrap();
    let committed = s
        .send(Force {
            to: BookingState::Arrived,
            by: "admin".into(),
            reason: "GPS broken".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(committed.record.state, BookingState::Arrived);
    assert_eq!(d.send(CountSessions).await.unwrap(), 1);
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    assert!(!s.connected(), "idle session stopped");
    assert_eq!(d.send(CountSessions).await.unwrap(), 0);
    let again = d
        .send(SessionFor {
            booking_id: "b1".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        again.send(GetRecord).await.unwrap().unwrap().state,
        BookingState::Arrived
    );
}

#[actix_rt::test]
async fn an_unknown_booking_gets_no_session() {
    let journal = MemoryJournal::default();
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d
        .send(SessionFor {
            booking_id: "nope".into(),
        })
        .await
        .unwrap();
    assert!(s
        .send(apply(BookingEvent::Accept, Role::Provider))
        .await
        .is_err());
}
