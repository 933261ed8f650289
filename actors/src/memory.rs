//! An in-memory [`Journal`], for tests and benches of the realtime core.
//! It enforces the same rules as the SQL one: version check, gap-free `seq`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;

use crate::booking::BookingState;
use crate::journal::{
    Append, Appended, BookingRecord, Cause, Change, Committed, Entry, Journal, JournalError,
    JournalEvent, JournalFuture, TrailPoint,
};
use crate::protocol::{BookingChanged, EventBody};

type Store = HashMap<String, (BookingRecord, Vec<JournalEvent>)>;

#[derive(Default, Clone)]
pub struct MemoryJournal {
    inner: Arc<Mutex<Store>>,
    /// How long each commit takes before it lands (a busy database).
    commit_delay_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl MemoryJournal {
    /// Adds a booking in `state` with no events.
    pub fn insert(&self, id: &str, state: BookingState) {
        let record = BookingRecord {
            id: id.to_owned(),
            state,
            version: 0,
            last_seq: 0,
            customer_id: "customer".into(),
            provider_id: "provider".into(),
            target: (-26.2041, 28.0473),
            within_since: None,
        };
        self.lock().insert(id.to_owned(), (record, Vec::new()));
    }

    /// Makes every later commit take `delay` before it lands, as on a
    /// database busy with everything else.
    pub fn slow_commits(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.commit_delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn commit_now(&self, change: Change) -> Result<Committed, JournalError> {
        let mut map = self.lock();
        match map.get_mut(&change.booking_id) {
            None => Err(JournalError::NotFound),
            Some((record, _)) if record.version != change.expected_version => {
                Err(JournalError::VersionConflict)
            }
            Some((record, events)) => {
                record.state = change.transition.to;
                record.version += 1;
                record.last_seq += 1;
                let event = JournalEvent {
                    booking_id: record.id.clone(),
                    seq: record.last_seq,
                    body: EventBody::Booking(BookingChanged::new(
                        Some(change.transition.from),
                        change.transition.to,
                        change.by.as_deref(),
                        change.reason.as_deref(),
                        change.cause == Cause::Force,
                    )),
                    at: Utc::now(),
                };
                events.push(event.clone());
                Ok(Committed {
                    record: record.clone(),
                    events: vec![event],
                })
            }
        }
    }

    /// Every committed event of a booking.
    pub fn events(&self, id: &str) -> Vec<JournalEvent> {
        self.lock()
            .get(id)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    }

    /// Changes a stored booking behind any session's back (as another node would).
    pub fn tamper(&self, id: &str, state: BookingState) {
        if let Some((record, _)) = self.lock().get_mut(id) {
            record.state = state;
            record.version += 1;
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (BookingRecord, Vec<JournalEvent>)>> {
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Journal for MemoryJournal {
    fn load(&self, booking_id: &str) -> JournalFuture<BookingRecord> {
        let found = self.lock().get(booking_id).map(|(r, _)| r.clone());
        Box::pin(async move { found.ok_or(JournalError::NotFound) })
    }

    fn commit(&self, change: Change) -> JournalFuture<Committed> {
        let delay = self
            .commit_delay_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if delay == 0 {
            let outcome = self.commit_now(change);
            return Box::pin(async move { outcome });
        }
        let this = self.clone();
        Box::pin(async move {
            actix::clock::sleep(std::time::Duration::from_millis(delay)).await;
            this.commit_now(change)
        })
    }

    fn append(&self, append: Append) -> JournalFuture<Appended> {
        let outcome = {
            let mut map = self.lock();
            match map.get_mut(&append.booking_id) {
                None => Err(JournalError::NotFound),
                Some((record, _)) if record.last_seq != append.expected_seq => {
                    Err(JournalError::VersionConflict)
                }
                Some((record, events)) => {
                    if let Entry::Chat(chat) = &append.entry {
                        let existing = events.iter().find(|e| {
                            e.body.message().is_some_and(|m| {
                                m.from == chat.from && m.client_msg_id == chat.client_msg_id
                            })
                        });
                        if let Some(e) = existing {
                            return Box::pin(std::future::ready(Ok(Appended::Duplicate(
                                e.clone(),
                            ))));
                        }
                    }
                    record.last_seq += 1;
                    let seq = record.last_seq;
                    let event = JournalEvent {
                        booking_id: record.id.clone(),
                        seq,
                        body: append.entry.body(|| format!("m{seq}"), Utc::now()),
                        at: Utc::now(),
                    };
                    events.push(event.clone());
                    Ok(Appended::New(event))
                }
            }
        };
        Box::pin(std::future::ready(outcome))
    }

    fn replay(
        &self,
        booking_id: &str,
        after_seq: i64,
        up_to_seq: i64,
    ) -> JournalFuture<Vec<JournalEvent>> {
        let events: Vec<JournalEvent> = self
            .events(booking_id)
            .into_iter()
            .filter(|e| e.seq > after_seq && e.seq <= up_to_seq)
            .collect();
        Box::pin(std::future::ready(Ok(events)))
    }

    fn trail(&self, _point: TrailPoint) {}
}
