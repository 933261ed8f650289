//! Benches of the realtime core: the pure transition function, and a
//! `BookingSession` handling commands against the in-memory journal (the
//! actor's own cost: mailbox, validation, commit bookkeeping).
//!
//! `cargo bench --bench actors`

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};
use onsite_actors::booking::{self, Actor as Role, BookingEvent, BookingState};
use onsite_actors::client::{Client, ClientQueue};
use onsite_actors::dispatcher::Dispatcher;
use onsite_actors::memory::MemoryJournal;
use onsite_actors::messages::{Apply, FixIn, Locate, SessionFor, Subscribe};
use onsite_actors::session::SessionConfig;

fn transitions(c: &mut Criterion) {
    let states = BookingState::ALL;
    let events = BookingEvent::ALL;
    let actors = Role::ALL;
    c.bench_function("transition: every (state, event, actor)", |b| {
        b.iter(|| {
            let mut ok = 0u32;
            for s in states {
                for e in events {
                    for a in actors {
                        ok += u32::from(booking::transition(*s, *e, *a).is_ok());
                    }
                }
            }
            std::hint::black_box(ok)
        })
    });
}

fn config() -> SessionConfig {
    SessionConfig {
        idle_timeout: Duration::from_secs(600),
        ..SessionConfig::default()
    }
}

fn apply(event: BookingEvent, actor: Role) -> Apply {
    Apply {
        event,
        actor,
        by: None,
        reason: None,
        detail: onsite_actors::journal::Detail::None,
    }
}

/// One booking's life (paid, accepted, en route, arrived, started,
/// completed): six commands through the dispatcher and the session.
fn session_lifecycle(c: &mut Criterion) {
    let steps = [
        (BookingEvent::PaymentCaptured, Role::System),
        (BookingEvent::Accept, Role::Provider),
        (BookingEvent::LocationStarted, Role::Provider),
        (BookingEvent::ProximitySatisfied, Role::System),
        (BookingEvent::Start, Role::Provider),
        (BookingEvent::Complete, Role::Provider),
    ];
    c.bench_function("session: six commands of one booking", |b| {
        b.iter_custom(|iters| {
            System::new().block_on(async move {
                let journal = MemoryJournal::default();
                let dispatcher = Dispatcher::new(Arc::new(journal.clone()), config()).start();
                let started = Instant::now();
                for i in 0..iters {
                    let id = format!("b{i}");
                    journal.insert(&id, BookingState::PendingPayment);
                    let session = dispatcher.send(SessionFor::new(id)).await.ok();
                    if let Some(session) = session {
                        for (event, actor) in steps {
                            let _ = session.send(apply(event, actor)).await;
                        }
                    }
                }
                started.elapsed()
            })
        })
    });
}

/// The hot path: one provider fix into a live `en_route` session with two
/// subscribers (proximity rule, one shared `location` frame and one
/// `proximity` frame pushed to both queues; no journal write).
fn session_fix(c: &mut Criterion) {
    c.bench_function("session: one fix to two subscribers", |b| {
        b.iter_custom(|iters| {
            System::new().block_on(async move {
                let journal = MemoryJournal::default();
                journal.insert("b", BookingState::EnRoute);
                let dispatcher = Dispatcher::new(Arc::new(journal.clone()), config()).start();
                let Ok(session) = dispatcher.send(SessionFor::new("b")).await else {
                    return Duration::ZERO;
                };
                let clients: Vec<Client> = (0..2)
                    .map(|i| Client {
                        conn_id: i,
                        user_id: if i == 0 {
                            "customer".into()
                        } else {
                            "provider".into()
                        },
                        role: if i == 0 {
                            booking::Role::Customer
                        } else {
                            booking::Role::Provider
                        },
                        queue: Arc::new(ClientQueue::new(64)),
                    })
                    .collect();
                for client in &clients {
                    let _ = session
                        .send(Subscribe {
                            client: client.clone(),
                            since_seq: None,
                            re: None,
                        })
                        .await;
                }
                let base = chrono::Utc::now();
                let started = Instant::now();
                for i in 0..iters {
                    let at = base + chrono::Duration::milliseconds(i as i64 + 1);
                    let fix = FixIn {
                        lat: -26.21 + (i % 100) as f64 * 1e-5,
                        lng: 28.0473,
                        accuracy_m: Some(5.0),
                        heading: None,
                        speed_mps: None,
                        at,
                        at_raw: at.to_rfc3339().into(),
                    };
                    let _ = session
                        .send(Locate {
                            user_id: "provider".into(),
                            fix,
                        })
                        .await;
                    for client in &clients {
                        while !client.queue.is_empty() {
                            let _ = client.queue.next().await;
                        }
                    }
                }
                started.elapsed()
            })
        })
    });
}

criterion_group!(benches, transitions, session_lifecycle, session_fix);
criterion_main!(benches);
