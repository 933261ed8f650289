//! The storage port of the realtime core. A [`BookingSession`](crate::session::BookingSession)
//! validates changes; a [`Journal`] (implemented by the server with SQL) commits them,
//! together with their side effects and the journal events they produce, in one
//! database transaction, and only then does the session tell anyone.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::booking::{Actor, BookingEvent, BookingState, Role, Transition};
use crate::protocol::{ChatMessage, ChatPosted, ErrorCode, EventBody, ProximityReport, ReadUpTo};

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

impl ChatDraft {
    /// The stored message, once the journal has given it an id and a time.
    pub fn message(&self, id: String, sent_at: DateTime<Utc>) -> ChatMessage {
        ChatMessage {
            id,
            from: self.from.clone(),
            text: self.text.clone(),
            client_msg_id: self.client_msg_id.clone(),
            sent_at,
            seq: None,
        }
    }
}

/// What an [`Append`] journals.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A chat message (idempotent per sender and `client_msg_id`); the journal
    /// gives it its id and time. The sender has read their own message.
    Chat(ChatDraft),
    /// `by` has read the chat up to `up_to_seq`.
    Read { by: String, up_to_seq: i64 },
    /// The proximity rule's `within` or `satisfied` changed.
    Proximity(ProximityReport),
}

/// An event that changes no state (chat, read receipt, proximity), appended
/// at the next `seq` if the stored `last_seq` is still `expected_seq`.
#[derive(Debug, Clone)]
pub struct Append {
    pub booking_id: String,
    pub expected_seq: i64,
    pub entry: Entry,
}

impl Entry {
    /// The event body this entry journals; a chat message gets `message_id`.
    pub fn body(&self, message_id: impl FnOnce() -> String, at: DateTime<Utc>) -> EventBody {
        match self {
            Entry::Chat(chat) => EventBody::Chat(ChatPosted {
                message: chat.message(message_id(), at),
            }),
            Entry::Read { by, up_to_seq } => EventBody::Read(ReadUpTo {
                by: by.clone(),
                up_to_seq: *up_to_seq,
            }),
            Entry::Proximity(report) => EventBody::Proximity(*report),
        }
    }
}

impl Append {
    /// The user the entry comes from (`None` for the system).
    pub fn by(&self) -> Option<&str> {
        match &self.entry {
            Entry::Chat(chat) => Some(&chat.from),
            Entry::Read { by, .. } => Some(by),
            Entry::Proximity(_) => None,
        }
    }
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
    pub role: Role,
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

/// Event-specific data a commit needs besides the transition.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum Detail {
    #[default]
    None,
    /// `PaymentCaptured`: the payment that was captured and the gateway's reference.
    Payment {
        payment_id: String,
        reference: String,
    },
    /// `Reschedule`: the new slot starts (already checked free by the caller).
    Slots(Vec<DateTime<Utc>>),
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
    /// Event-specific data the journal needs (a payment, the new slots).
    pub detail: Detail,
}

/// One committed journal event, as replayed to clients (it serialises as its
/// frame, see [`crate::protocol::frames`]).
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEvent {
    pub booking_id: String,
    pub seq: i64,
    pub body: EventBody,
    pub at: DateTime<Utc>,
}

impl JournalEvent {
    pub fn kind(&self) -> crate::protocol::EventKind {
        self.body.kind()
    }
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
    Rejected { code: ErrorCode, message: String },
    /// The database failed; nothing changed.
    Storage(String),
    /// This node no longer holds the booking's lease (another node owns it
    /// now): the write was refused, nothing changed.
    NotOwner,
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("no such booking"),
            Self::VersionConflict => f.write_str("the booking changed under the change"),
            Self::Rejected { code, message } => write!(f, "{code}: {message}"),
            Self::Storage(cause) => write!(f, "storage failed: {cause}"),
            Self::NotOwner => f.write_str("this node no longer owns the booking"),
        }
    }
}

impl std::error::Error for JournalError {}

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
