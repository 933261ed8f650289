#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use actix::Actor as _;

use crate::booking::{Actor, BookingEvent, BookingState, Refusal, Role};
use crate::dispatcher::Dispatcher;
use crate::memory::MemoryJournal;
use crate::messages::{Apply, CountSessions, Force, GetRecord, SessionError, SessionFor};

fn apply(event: BookingEvent, actor: Actor) -> Apply {
    Apply {
        event,
        actor,
        by: Some("u1".into()),
        reason: None,
        detail: crate::journal::Detail::None,
    }
}

fn dispatcher(journal: &MemoryJournal, idle: Duration) -> Addr<Dispatcher> {
    let config = crate::session::SessionConfig {
        idle_timeout: idle,
        proximity: crate::proximity::ProximityConfig {
            radius_m: 10.0,
            dwell_s: 1,
            stale_s: 60,
            max_accuracy_m: 20.0,
        },
        ..Default::default()
    };
    Dispatcher::new(Arc::new(journal.clone()), config).start()
}

fn client(user: &str, role: Role, conn_id: u64) -> crate::client::Client {
    crate::client::Client {
        conn_id,
        user_id: user.into(),
        role,
        queue: Arc::new(crate::client::ClientQueue::new(64)),
    }
}

fn drain(c: &crate::client::Client) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    while !c.queue.is_empty() {
        let text = futures_util::FutureExt::now_or_never(c.queue.next())
            .unwrap()
            .unwrap();
        out.push(serde_json::from_str(&text).unwrap());
    }
    out
}

fn fix(lat: f64, lng: f64, secs_ago: i64) -> crate::messages::FixIn {
    let at = chrono::Utc::now() - chrono::Duration::seconds(secs_ago);
    crate::messages::FixIn {
        lat,
        lng,
        accuracy_m: Some(3.0),
        heading: None,
        speed_mps: None,
        at,
        at_raw: at.to_rfc3339().into(),
    }
}

#[actix_rt::test]
async fn subscribers_get_a_snapshot_the_replay_then_live_events_without_gaps() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::PendingPayment);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    s.send(apply(BookingEvent::PaymentCaptured, Actor::System))
        .await
        .unwrap()
        .unwrap();
    s.send(apply(BookingEvent::Accept, Actor::Provider))
        .await
        .unwrap()
        .unwrap();
    let stranger = client("eve", Role::Customer, 9);
    let err = s
        .send(crate::messages::Subscribe {
            client: stranger.clone(),
            since_seq: None,
            re: None,
        })
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err, SessionError::NotParticipant);
    assert!(stranger.queue.is_empty(), "a stranger gets no data");
    let c = client("customer", Role::Customer, 1);
    s.send(crate::messages::Subscribe {
        client: c.clone(),
        since_seq: Some(0),
        re: Some("r1".into()),
    })
    .await
    .unwrap()
    .unwrap();
    s.send(apply(BookingEvent::LocationStarted, Actor::Provider))
        .await
        .unwrap()
        .unwrap();
    let frames = drain(&c);
    assert_eq!(frames[0]["type"], "subscribed");
    assert_eq!(frames[0]["re"], "r1");
    assert_eq!(frames[0]["seq"], 2);
    let seqs: Vec<i64> = frames[1..]
        .iter()
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[actix_rt::test]
async fn fixes_move_the_booking_en_route_then_arrived_by_proximity() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Confirmed);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    let c = client("customer", Role::Customer, 1);
    s.send(crate::messages::Subscribe {
        client: c.clone(),
        since_seq: None,
        re: None,
    })
    .await
    .unwrap()
    .unwrap();
    let far = crate::messages::Locate {
        user_id: "provider".into(),
        fix: fix(-26.21, 28.0473, 2),
    };
    s.send(far).await.unwrap().unwrap();
    let mut frames = drain(&c);
    let near = crate::messages::Locate {
        user_id: "provider".into(),
        fix: fix(-26.2041, 28.0473, 1),
    };
    s.send(near).await.unwrap().unwrap();
    // The dwell (1 s) completes on the session's timer, not on a fix.
    actix_rt::time::sleep(Duration::from_millis(2300)).await;
    let state = s.send(GetRecord).await.unwrap().unwrap().state;
    assert_eq!(state, BookingState::Arrived);
    frames.extend(drain(&c));
    let kinds: Vec<String> = frames
        .iter()
        .map(|f| f["type"].as_str().unwrap().to_owned())
        .collect();
    // The fix is relayed at once; the `en_route` it causes follows its commit.
    assert_eq!(
        &kinds[..3],
        ["subscribed", "location", "booking"],
        "{kinds:?}"
    );
    assert_eq!(frames[1]["seq"], 0, "the latest published seq");
    assert_eq!(frames[2]["status"], "en_route");
    assert_eq!(
        frames[1]["within"], false,
        "the proximity rule rides on the location"
    );
    assert!(
        frames[1]["distance_m"].as_f64().unwrap() > 500.0,
        "{frames:?}"
    );
    let journaled: Vec<&serde_json::Value> = frames
        .iter()
        .filter(|f| f["type"] == "proximity" && f["within"] == true)
        .collect();
    assert!(!journaled.is_empty());
    assert!(frames
        .iter()
        .any(|f| f["type"] == "booking" && f["status"] == "arrived"));
    let stored: Vec<String> = journal
        .events("b1")
        .iter()
        .map(|e| e.kind().to_string())
        .collect();
    assert!(
        !stored.contains(&"location".to_owned()),
        "fixes are not journaled: {stored:?}"
    );
}

#[actix_rt::test]
async fn chat_is_journaled_once_per_client_msg_id_and_only_while_active() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Requested);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    let chat = |text: &str, id: &str| crate::messages::SendChat {
        from: "customer".into(),
        text: text.into(),
        client_msg_id: id.into(),
    };
    assert_eq!(
        s.send(chat("hi", "m1")).await.unwrap().unwrap_err(),
        SessionError::ChatInactive
    );
    s.send(apply(BookingEvent::Accept, Actor::Provider))
        .await
        .unwrap()
        .unwrap();
    let first = s.send(chat("hi", "m1")).await.unwrap().unwrap();
    let again = s.send(chat("hi", "m1")).await.unwrap().unwrap();
    assert_eq!(first.seq, again.seq);
    let stranger = crate::messages::SendChat {
        from: "eve".into(),
        text: "x".into(),
        client_msg_id: "z".into(),
    };
    assert_eq!(
        s.send(stranger).await.unwrap().unwrap_err(),
        SessionError::NotParticipant
    );
    assert_eq!(
        journal
            .events("b1")
            .iter()
            .filter(|e| e.kind() == crate::protocol::EventKind::Chat)
            .count(),
        1
    );
}

#[actix_rt::test]
async fn commands_commit_in_order_with_gap_free_seq() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::PendingPayment);
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    let steps = [
        (
            BookingEvent::PaymentCaptured,
            Actor::System,
            BookingState::Requested,
        ),
        (
            BookingEvent::Accept,
            Actor::Provider,
            BookingState::Confirmed,
        ),
        (
            BookingEvent::LocationStarted,
            Actor::Provider,
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
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    let err = s
        .send(apply(BookingEvent::Start, Actor::Provider))
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
        .send(apply(BookingEvent::Accept, Actor::Customer))
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
            (BookingEvent::Accept, Actor::Provider)
        } else {
            (BookingEvent::Decline, Actor::Provider)
        };
        pending.push(async move {
            let s = d.send(SessionFor::new("b1")).await.unwrap();
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
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    s.send(GetRecord).await.unwrap().unwrap();
    journal.tamper("b1", BookingState::Confirmed);
    // Validated against the cached `requested`, refused by the version check,
    // reloaded, and re-validated against `confirmed`.
    let committed = s
        .send(apply(BookingEvent::LocationStarted, Actor::Provider))
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
    let s = d.send(SessionFor::new("b1")).await.unwrap();
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
    let again = d.send(SessionFor::new("b1")).await.unwrap();
    assert_eq!(
        again.send(GetRecord).await.unwrap().unwrap().state,
        BookingState::Arrived
    );
}

#[actix_rt::test]
async fn an_unknown_booking_gets_no_session() {
    let journal = MemoryJournal::default();
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("nope")).await.unwrap();
    assert!(s
        .send(apply(BookingEvent::Accept, Actor::Provider))
        .await
        .is_err());
}

#[actix_rt::test]
async fn auto_start_moves_an_arrived_booking_in_progress() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::EnRoute);
    let config = crate::session::SessionConfig {
        proximity: crate::proximity::ProximityConfig {
            radius_m: 10.0,
            dwell_s: 0,
            stale_s: 60,
            max_accuracy_m: 20.0,
        },
        auto_start: true,
        ..Default::default()
    };
    let d = Dispatcher::new(Arc::new(journal.clone()), config).start();
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    let at_the_door = crate::messages::Locate {
        user_id: "provider".into(),
        fix: fix(-26.2041, 28.0473, 0),
    };
    s.send(at_the_door).await.unwrap().unwrap();
    let states: Vec<String> = journal
        .events("b1")
        .iter()
        .filter_map(|e| match &e.body {
            crate::protocol::EventBody::Booking(b) => Some(b.status.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(states, ["arrived", "in_progress"]);
}

#[test]
fn monitor_filters_match_by_booking_and_status() {
    use crate::messages::MonitorFilter;
    let all = MonitorFilter::default();
    assert!(all.matches("b1", BookingState::Confirmed));
    let one = MonitorFilter {
        booking_id: Some("b1".into()),
        statuses: None,
    };
    assert!(one.matches("b1", BookingState::Arrived));
    assert!(!one.matches("b2", BookingState::Arrived));
    let moving = MonitorFilter {
        booking_id: None,
        statuses: Some(vec![BookingState::EnRoute, BookingState::Arrived]),
    };
    assert!(moving.matches("b9", BookingState::EnRoute));
    assert!(!moving.matches("b9", BookingState::Requested));
}

#[actix_rt::test]
async fn a_slow_commit_never_holds_back_the_relay_of_later_fixes() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Confirmed);
    // Every commit takes 400 ms, as on a database busy with a morning rush.
    journal.slow_commits(Duration::from_millis(400));
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    let c = client("customer", Role::Customer, 1);
    s.send(crate::messages::Subscribe {
        client: c.clone(),
        since_seq: None,
        re: None,
    })
    .await
    .unwrap()
    .unwrap();
    // The first fix causes `en_route`; five more follow while it commits.
    let started = std::time::Instant::now();
    let base = chrono::Utc::now() - chrono::Duration::seconds(2);
    for i in 0..6 {
        let mut f = fix(-26.30 + f64::from(i) * 0.001, 28.0473, 0);
        f.at = base + chrono::Duration::milliseconds(100 * i64::from(i));
        f.at_raw = f.at.to_rfc3339().into();
        s.send(crate::messages::Locate {
            user_id: "provider".into(),
            fix: f,
        })
        .await
        .unwrap()
        .unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "no fix waited for the commit: {:?}",
        started.elapsed()
    );
    let relayed: Vec<serde_json::Value> = drain(&c)
        .into_iter()
        .filter(|f| f["type"] == "location" || f["type"] == "booking")
        .collect();
    // Coalescing keeps the latest location per role in a queue that is not
    // read; what matters is that no booking event went out before its commit.
    assert!(
        relayed.iter().all(|f| f["type"] == "location"),
        "{relayed:?}"
    );
    assert!(relayed.iter().all(|f| f["seq"] == 0), "{relayed:?}");
    actix_rt::time::sleep(Duration::from_millis(600)).await;
    let after = drain(&c);
    let booking: Vec<&serde_json::Value> =
        after.iter().filter(|f| f["type"] == "booking").collect();
    assert_eq!(
        booking.len(),
        1,
        "en_route once, after its commit: {after:?}"
    );
    assert_eq!(booking[0]["status"], "en_route");
    assert_eq!(booking[0]["seq"], 1);
    let stored: Vec<String> = journal
        .events("b1")
        .iter()
        .map(|e| e.kind().to_string())
        .collect();
    assert_eq!(stored, ["booking"], "one commit for six fixes");
    // The next fix carries the committed seq.
    s.send(crate::messages::Locate {
        user_id: "provider".into(),
        fix: fix(-26.29, 28.0473, 0),
    })
    .await
    .unwrap()
    .unwrap();
    let next = drain(&c);
    let location = next.iter().find(|f| f["type"] == "location").unwrap();
    assert_eq!(location["seq"], 1);
}

#[actix_rt::test]
async fn a_chat_queued_behind_a_cancel_is_refused_when_its_turn_comes() {
    let journal = MemoryJournal::default();
    journal.insert("b1", BookingState::Confirmed);
    journal.slow_commits(Duration::from_millis(200));
    let d = dispatcher(&journal, Duration::from_secs(60));
    let s = d.send(SessionFor::new("b1")).await.unwrap();
    // The cancel is on the lane (its commit takes 200 ms) when the chat arrives.
    let cancel = s.send(crate::messages::Apply {
        event: crate::booking::BookingEvent::Cancel,
        actor: crate::booking::Actor::Customer,
        by: Some("customer".into()),
        reason: Some("plans changed".into()),
        detail: crate::journal::Detail::None,
    });
    let chat = s.send(crate::messages::SendChat {
        from: "customer".into(),
        text: "still coming?".into(),
        client_msg_id: "late".into(),
    });
    let (cancelled, chatted) = futures_util::future::join(cancel, chat).await;
    assert_eq!(
        cancelled.unwrap().unwrap().record.state,
        BookingState::Cancelled
    );
    assert_eq!(chatted.unwrap().unwrap_err(), SessionError::ChatInactive);
    let stored: Vec<String> = journal
        .events("b1")
        .iter()
        .map(|e| e.kind().to_string())
        .collect();
    assert!(!stored.contains(&"chat".to_owned()), "{stored:?}");
}
