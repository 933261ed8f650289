//! The storage port of the realtime core. A [`BookingSession`](crate::session::BookingSession)
//! validates changes; a [`Journal`] (implemented by the server with SQL) commits them,
//! together with their side effects and the journal events they produce, in one
//! database transaction, and only then does the session tell anyone.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::booking::{Actor, BookingEvent, BookingState, Transition};

/// A boxed, sendable future (what [`Journal`] methods return).
pub type JournalFuture<T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send>>;

/// What a session keeps of its stored booking.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRecord {
    pub id: String,
    pub state: BookingState,
    /// Bumped by every committed change; a commit applies only at the version it read.
    pub version: i64,
    /// The booking's latest journal sequence number (0 before any event).
    pub last_seq: i64,
    pub customer_id: String,
    pub provider_id: String,
    /// The job's location `(lat, lng)`: the arrival target when the customer shares none.
    pub target: (f64, f64),
    /// When the provider became inside the radius, per the journal (for proximity
    /// to continue after a restart), if the latest journaled proximity says inside.
    pub within_since: Option<DateTime<Utc>>,
}

/// A chat message to store (the journal assigns its id and time).
#[derive(Debug, Clone)]
pub struct ChatDraft {
    pub from: String,
    pub text: String,
    pub client_msg_id: String,
}

/// An event that changes no state (chat, read receipt, proximity), appended
/// at the next `seq` if the stored `last_seq` is still `expected_seq`.
#[derive(Debug, Clone)]
pub struct Append {
    pub booking_id: String,
    pub expected_seq: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub by: Option<String>,
    /// For `chat`: the message (idempotent per sender and `client_msg_id`).
    pub chat: Option<ChatDraft>,
}

/// The outcome of an append.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    New(JournalEvent),
    /// The same chat message (sender, `client_msg_id`) was stored before: here it is.
    Duplicate(JournalEvent),
}

/// A point of the throttled location trail kept for admins and disputes.
#[derive(Debug, Clone)]
pub struct TrailPoint {
    pub booking_id: String,
    pub role: Actor,
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: Option<f64>,
    pub at: DateTime<Utc>,
}

/// Why a change happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// An event of the state machine.
    Event(BookingEvent),
    /// An admin's forced move.
    Force,
}

/// A validated change for the journal to commit atomically.
#[derive(Debug, Clone)]
pub struct Change {
    pub booking_id: String,
    /// The version the session validated against.
    pub expected_version: i64,
    pub transition: Transition,
    pub cause: Cause,
    pub actor: Actor,
    /// The user who caused it (`None` for the system).
    pub by: Option<String>,
    pub reason: Option<String>,
    /// Event-specific data the journal needs (a payment id, a new slot, ...).
    pub detail: serde_json::Value,
}

/// One committed journal event, as replayed to clients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEvent {
    pub booking_id: String,
    pub seq: i64,
    /// `booking`, `chat_state`, ...
    pub kind: String,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The result of a commit: the booking as it now is and the events it produced.
#[derive(Debug, Clone)]
pub struct Committed {
    pub record: BookingRecord,
    pub events: Vec<JournalEvent>,
}

/// Why a commit failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalError {
    /// No such booking.
    NotFound,
    /// The stored version is not the one the change was validated against.
    VersionConflict,
    /// A side effect could not be performed (e.g. the new slot is taken); nothing changed.
    Rejected { code: String, message: String },
    /// The database failed; nothing changed.
    Storage(String),
}

/// Where sessions load bookings from and commit changes to.
pub trait Journal: Send + Sync + 'static {
    fn load(&self, booking_id: &str) -> JournalFuture<BookingRecord>;
    fn commit(&self, change: Change) -> JournalFuture<Committed>;
    fn append(&self, append: Append) -> JournalFuture<Appended>;
    /// Events with `after_seq < seq <= up_to_seq`, in order.
    fn replay(
        &self,
        booking_id: &str,
        after_seq: i64,
        up_to_seq: i64,
    ) -> JournalFuture<Vec<JournalEvent>>;
    /// Stores a trail point in the background (never awaited by the session).
    fn trail(&self, point: TrailPoint);
}
