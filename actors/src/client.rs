//! A connected client (one websocket) as the realtime core sees it: who it is
//! and its bounded outgoing queue.
//!
//! The queue never grows without bound. Frames that may be shaped (location
//! fixes and per-fix proximity updates) carry a coalescing key: a newer one
//! replaces an older one still queued (latest wins), and when the queue is
//! full they are dropped. Any other frame arriving at a full queue closes the
//! client with 1013 (try again later): it recovers by reconnecting with
//! `since_seq`. Pushing never blocks and never awaits I/O.

use std::collections::{HashMap, VecDeque};
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoalesceKey {
    pub booking_id: Arc<str>,
    pub kind: Shaped,
    pub role: Option<Role>,
}

struct Entry {
    /// Set while this is the queued frame of its key.
    key: Option<CoalesceKey>,
    /// `None`: replaced by a later frame with the same key (skipped).
    text: Option<Arc<str>>,
}

/// From this many queued entries on, a key's queued frame is found through
/// an index; a shorter queue (a participant's holds a frame or two) is
/// scanned, which costs less than hashing.
const INDEX_FROM: usize = 32;

#[derive(Default)]
struct State {
    /// Frames in order. With an index, a replaced frame stays in place
    /// (without text) until it reaches the front or the queue is compacted;
    /// without one there are none.
    frames: VecDeque<Entry>,
    /// Frames still to send (`frames` less the replaced ones).
    live: usize,
    /// Entries taken from the front so far: `frames[i]` is entry `popped + i`.
    popped: u64,
    /// Each key's queued frame (as an entry number) while the queue is long:
    /// an admin's may hold one per live booking and party.
    index: Option<HashMap<CoalesceKey, u64>>,
    closed: Option<u16>,
    dropped: u64,
}

impl State {
    fn clear(&mut self) {
        self.popped += self.frames.len() as u64;
        self.frames.clear();
        self.index = None;
        self.live = 0;
    }

    /// Queues a frame at the back (and in the index).
    fn push_back(&mut self, key: Option<CoalesceKey>, text: Arc<str>) {
        if let (Some(index), Some(k)) = (&mut self.index, &key) {
            index.insert(k.clone(), self.popped + self.frames.len() as u64);
        }
        self.frames.push_back(Entry {
            key,
            text: Some(text),
        });
    }

    /// Replaces `k`'s queued frame, if any, with `text` at the back.
    fn replace(&mut self, k: &CoalesceKey, text: &Arc<str>) -> bool {
        match &self.index {
            Some(index) => {
                let Some(&at) = index.get(k) else {
                    return false;
                };
                let old = &mut self.frames[(at - self.popped) as usize];
                old.text = None;
                let key = old.key.take();
                self.push_back(key, text.clone());
                // Each replacement left an entry behind: drop them once they
                // outnumber the live ones (amortised O(1) per push).
                if self.frames.len() > 2 * self.live + INDEX_FROM {
                    self.frames.retain(|e| e.text.is_some());
                    self.index = None;
                    self.build_index();
                }
            }
            None => {
                let Some(pos) = self.frames.iter().position(|e| e.key.as_ref() == Some(k)) else {
                    return false;
                };
                if let Some(mut entry) = self.frames.remove(pos) {
                    entry.text = Some(text.clone());
                    self.frames.push_back(entry);
                }
            }
        }
        true
    }

    /// Indexes a queue that grew long.
    fn build_index(&mut self) {
        if self.index.is_none() && self.frames.len() >= INDEX_FROM {
            let popped = self.popped;
            self.index = Some(
                self.frames
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| e.key.clone().map(|k| (k, popped + i as u64)))
                    .collect(),
            );
        }
    }
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
    /// A queue of at most `capacity` frames waiting to be sent.
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
                if s.replace(k, &text) {
                    drop(s);
                    REPLACED.fetch_add(1, Ordering::Relaxed);
                    self.notify.notify_one();
                    return Pushed::Coalesced;
                }
            }
            if s.live < self.capacity {
                s.push_back(key, text);
                s.live += 1;
                s.build_index();
                Pushed::Queued
            } else if key.is_some() {
                s.dropped += 1;
                DROPPED.fetch_add(1, Ordering::Relaxed);
                Pushed::Dropped
            } else {
                s.closed = Some(close::TRY_AGAIN_LATER);
                s.clear();
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
            s.push_back(None, text);
            s.live += 1;
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

    /// Frames waiting to be sent.
    pub fn len(&self) -> usize {
        self.lock().live
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
                let mut guard = self.lock();
                let s = &mut *guard;
                while let Some(entry) = s.frames.pop_front() {
                    s.popped += 1;
                    if let Some(text) = entry.text {
                        s.live -= 1;
                        if let (Some(index), Some(k)) = (&mut s.index, &entry.key) {
                            index.remove(k);
                        }
                        if s.frames.is_empty() {
                            // Caught up: short queues scan again.
                            s.index = None;
                        }
                        return Ok(text);
                    }
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

    /// The queue against the obvious model (a list scanned on every push),
    /// on a long pseudo-random mix of pushes and sends over few keys, so
    /// that replaced entries pile up and the queue compacts many times.
    #[actix_rt::test]
    async fn matches_a_scanning_model_through_replacements_and_compaction() {
        let q = ClientQueue::new(40);
        let mut model: VecDeque<(Option<String>, String)> = VecDeque::new();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut dropped = 0;
        for step in 0..50_000u32 {
            let text = format!("f{step}");
            // Stretches where the writer hardly sends (replaced entries pile
            // up until the queue compacts) alternate with ones where it keeps up.
            let send_one_in = if (step / 2000) % 2 == 0 { 50 } else { 3 };
            let op = if rand(send_one_in) == 0 { 9 } else { rand(7) };
            match op {
                0..=5 => {
                    let b = format!("b{}", rand(50));
                    let pos = model.iter().position(|(k, _)| k.as_deref() == Some(&b));
                    let expected = if let Some(pos) = pos {
                        model.remove(pos);
                        model.push_back((Some(b.clone()), text.clone()));
                        Pushed::Coalesced
                    } else if model.len() < 40 {
                        model.push_back((Some(b.clone()), text.clone()));
                        Pushed::Queued
                    } else {
                        dropped += 1;
                        Pushed::Dropped
                    };
                    assert_eq!(
                        q.push(text.as_str().into(), key(&b)),
                        expected,
                        "step {step}"
                    );
                }
                6 if model.len() < 40 => {
                    model.push_back((None, text.clone()));
                    assert_eq!(q.push(text.as_str().into(), None), Pushed::Queued);
                }
                _ => {
                    if let Some((_, want)) = model.pop_front() {
                        assert_eq!(&*q.next().await.unwrap(), want.as_str(), "step {step}");
                    }
                }
            }
            assert_eq!(q.len(), model.len(), "step {step}");
        }
        assert_eq!(q.dropped(), dropped);
        while let Some((_, want)) = model.pop_front() {
            assert_eq!(&*q.next().await.unwrap(), want.as_str());
        }
        assert!(q.is_empty());
        let s = q.lock();
        assert!(
            s.index.is_none() && s.frames.is_empty(),
            "nothing left behind"
        );
    }

    /// An admin's queue holds one frame per live booking: pushing into a
    /// long queue must not scan it (a scan per push would make this take
    /// minutes).
    #[actix_rt::test]
    async fn a_long_queue_coalesces_without_scanning() {
        let bookings = 20_000;
        let q = ClientQueue::new(bookings);
        for round in 0..10 {
            for b in 0..bookings {
                q.push(format!("{b}:{round}").into(), key(&b.to_string()));
            }
        }
        assert_eq!(q.len(), bookings);
        for b in 0..bookings {
            assert_eq!(&*q.next().await.unwrap(), format!("{b}:9").as_str());
        }
        assert!(q.is_empty());
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
