//! A connected client (one websocket) as the realtime core sees it: who it is
//! and its bounded outgoing queue.
//!
//! The queue never grows without bound. Frames that may be shaped (location
//! fixes and per-fix proximity updates) carry a coalescing key: a newer one
//! replaces an older one still queued (latest wins), and when the queue is
//! full they are dropped. Any other frame arriving at a full queue closes the
//! client with 1013 (try again later): it recovers by reconnecting with
//! `since_seq`. Pushing never blocks and never awaits I/O.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::booking::Role;

/// Frames replaced in a queue by a newer one with the same key, in this
/// process (a metric: frames dropped by coalescing).
static REPLACED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Coalescible frames dropped because a queue was full, in this process.
static DROPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `(replaced, dropped)` frames since the process started.
pub fn coalescing_totals() -> (u64, u64) {
    use std::sync::atomic::Ordering;
    (
        REPLACED.load(Ordering::Relaxed),
        DROPPED.load(Ordering::Relaxed),
    )
}

/// Close codes the core uses.
pub mod close {
    /// The client's outgoing queue stayed full.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// The account was blocked, deleted or logged out everywhere.
    pub const REVOKED: u16 = 4401;
}

/// The frames that may be shaped (coalesced, or dropped when the queue is full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shaped {
    /// A `location` fix of one party.
    Location,
    /// A per-fix `proximity` update.
    Proximity,
}

/// What a shaped frame replaces: the same booking, kind and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoalesceKey {
    pub booking_id: Arc<str>,
    pub kind: Shaped,
    pub role: Option<Role>,
}

struct Entry {
    key: Option<CoalesceKey>,
    text: Arc<str>,
}

#[derive(Default)]
struct State {
    frames: VecDeque<Entry>,
    closed: Option<u16>,
    dropped: u64,
}

/// A bounded, coalescing queue of text frames for one socket.
pub struct ClientQueue {
    state: Mutex<State>,
    capacity: usize,
    notify: Notify,
}

/// What happened to a pushed frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// Replaced an older queued frame with the same key.
    Coalesced,
    /// A shaped frame dropped because the queue is full.
    Dropped,
    /// The queue is (now) closed; the frame was not queued.
    Closed,
}

impl ClientQueue {
    pub fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity: capacity.max(1),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `text`; see the module docs for full queues.
    pub fn push(&self, text: Arc<str>, key: Option<CoalesceKey>) -> Pushed {
        use std::sync::atomic::Ordering;
        let outcome = {
            let mut s = self.lock();
            if s.closed.is_some() {
                return Pushed::Closed;
            }
            if let Some(k) = &key {
                // Latest wins, and goes behind everything queued before it.
                if let Some(pos) = s.frames.iter().position(|e| e.key.as_ref() == Some(k)) {
                    s.frames.remove(pos);
                    s.frames.push_back(Entry { key, text });
                    drop(s);
                    REPLACED.fetch_add(1, Ordering::Relaxed);
                    self.notify.notify_one();
                    return Pushed::Coalesced;
                }
            }
            if s.frames.len() < self.capacity {
                s.frames.push_back(Entry { key, text });
                Pushed::Queued
            } else if key.is_some() {
                s.dropped += 1;
                DROPPED.fetch_add(1, Ordering::Relaxed);
                Pushed::Dropped
            } else {
                s.closed = Some(close::TRY_AGAIN_LATER);
                s.frames.clear();
                Pushed::Closed
            }
        };
        self.notify.notify_one();
        outcome
    }

    /// Queues `text` whatever the queue's length (for a bounded replay).
    pub fn push_unbounded(&self, text: Arc<str>) -> bool {
        {
            let mut s = self.lock();
            if s.closed.is_some() {
                return false;
            }
            s.frames.push_back(Entry { key: None, text });
        }
        self.notify.notify_one();
        true
    }

    /// Closes the queue with `code`: nothing more is queued; the writer sends
    /// what is already queued, then the close frame.
    pub fn close(&self, code: u16) {
        {
            let mut s = self.lock();
            if s.closed.is_none() {
                s.closed = Some(code);
            }
        }
        self.notify.notify_one();
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed.is_some()
    }

    pub fn len(&self) -> usize {
        self.lock().frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shaped frames dropped so far.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Waits for the next frame, or the close code once closed and drained.
    /// (An overflow closes with the queue emptied: the client recovers by replay.)
    pub async fn next(&self) -> Result<Arc<str>, u16> {
        loop {
            {
                let mut s = self.lock();
                if let Some(entry) = s.frames.pop_front() {
                    return Ok(entry.text);
                }
                if let Some(code) = s.closed {
                    return Err(code);
                }
            }
            self.notify.notified().await;
        }
    }
}

/// A connected client: its connection id, user, role and queue. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub conn_id: u64,
    pub user_id: Arc<str>,
    pub role: Role,
    pub queue: Arc<ClientQueue>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("conn_id", &self.conn_id)
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(b: &str) -> Option<CoalesceKey> {
        Some(CoalesceKey {
            booking_id: b.into(),
            kind: Shaped::Location,
            role: Some(Role::Provider),
        })
    }

    #[test]
    fn shaped_frames_coalesce_and_drop_others_close_when_full() {
        let q = ClientQueue::new(3);
        assert_eq!(q.push("a".into(), None), Pushed::Queued);
        assert_eq!(q.push("loc1".into(), key("b1")), Pushed::Queued);
        assert_eq!(q.push("loc2".into(), key("b1")), Pushed::Coalesced);
        assert_eq!(q.push("c".into(), None), Pushed::Queued);
        assert_eq!(q.len(), 3);
        assert_eq!(q.push("loc-other".into(), key("b2")), Pushed::Dropped);
        assert_eq!(
            q.push("loc3".into(), key("b1")),
            Pushed::Coalesced,
            "latest still wins in place"
        );
        assert_eq!(q.dropped(), 1);
        assert_eq!(q.push("d".into(), None), Pushed::Closed);
        assert!(q.is_closed());
        assert_eq!(q.push("e".into(), None), Pushed::Closed);
    }

    #[actix_rt::test]
    async fn next_yields_in_order_then_the_close_code() {
        let q = Arc::new(ClientQueue::new(8));
        q.push("1".into(), None);
        q.push("2".into(), key("b"));
        q.push("3".into(), key("b"));
        q.push("x".into(), None);
        q.push("3b".into(), key("b"));
        assert_eq!(&*q.next().await.unwrap(), "1");
        assert_eq!(
            &*q.next().await.unwrap(),
            "x",
            "an older fix never overtakes later frames"
        );
        assert_eq!(&*q.next().await.unwrap(), "3b");
        let waiter = {
            let q = q.clone();
            actix_rt::spawn(async move { q.next().await })
        };
        q.push("4".into(), None);
        assert_eq!(&*waiter.await.unwrap().unwrap(), "4");
        q.close(close::REVOKED);
        assert_eq!(q.next().await.unwrap_err(), 4401);
    }
}
