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
use onsite_actors::dispatcher::Dispatcher;
use onsite_actors::memory::MemoryJournal;
use onsite_actors::messages::{Apply, SessionFor};

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

fn apply(event: BookingEvent, actor: Role) -> Apply {
    Apply {
        event,
        actor,
        by: None,
        reason: None,
        detail: serde_json::Value::Null,
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
                let dispatcher =
                    Dispatcher::new(Arc::new(journal.clone()), Duration::from_secs(60)).start();
                let started = Instant::now();
                for i in 0..iters {
                    let id = format!("b{i}");
                    journal.insert(&id, BookingState::PendingPayment);
                    let session = dispatcher.send(SessionFor { booking_id: id }).await.ok();
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

criterion_group!(benches, transitions, session_lifecycle);
criterion_main!(benches);
