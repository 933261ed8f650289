//! Every actor message, named as commands (`Apply`, `Force`) and events (`SessionStopped`).

use actix::prelude::*;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::booking::{Actor, BookingEvent, BookingState, Refusal};
use crate::client::Client;
use crate::journal::{BookingRecord, Committed, Detail, JournalEvent};
use crate::protocol::{ErrorCode, ProximityReport};
use crate::session::BookingSession;

/// Why a session refused or failed a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionError {
    /// The state machine refused it.
    Refused(Refusal),
    /// A side effect was impossible (e.g. the new slot is taken); nothing changed.
    Rejected { code: ErrorCode, message: String },
    /// The booking does not exist.
    NotFound,
    /// The stored booking kept changing under the session; try again.
    Conflict,
    /// Storage failed; nothing changed.
    Unavailable(String),
    /// The user is neither a participant of the booking nor an admin.
    NotParticipant,
    /// The booking is not in a state that takes this (e.g. a fix before acceptance).
    NotLive(BookingState),
    /// Chat is not active (before acceptance, or after completion/cancellation).
    ChatInactive,
    /// Another node owns the booking now; nothing changed (ask again: it is
    /// forwarded there).
    Moved,
    /// The node that holds the booking's lease stopped answering; nothing
    /// changed. The lease lapses in about `retry_after_ms`, and the first
    /// command after that moves the booking to a live node.
    OwnerSilent { retry_after_ms: u64 },
}

impl SessionError {
    /// The error's code, the same over HTTP and websocket.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Refused(Refusal::NotAllowed { .. }) => ErrorCode::NotAllowed,
            Self::Refused(Refusal::InvalidTransition { .. }) => ErrorCode::InvalidTransition,
            Self::Refused(Refusal::InvalidForce { .. }) => ErrorCode::InvalidForce,
            Self::Rejected { code, .. } => *code,
            Self::NotFound => ErrorCode::NotFound,
            Self::Conflict => ErrorCode::ConcurrentUpdate,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::NotParticipant => ErrorCode::NotAParticipant,
            Self::NotLive(_) => ErrorCode::NotLive,
            Self::ChatInactive => ErrorCode::ChatInactive,
            Self::Moved | Self::OwnerSilent { .. } => ErrorCode::Unavailable,
        }
    }

    /// When to try again, if the server knows (an `unavailable` whose cause
    /// ends at a known time).
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            Self::OwnerSilent { retry_after_ms } => Some(*retry_after_ms),
            _ => None,
        }
    }

    /// What a person reads (never the storage cause of `Unavailable`).
    pub fn message(&self) -> String {
        match self {
            Self::Refused(refusal) => refusal.to_string(),
            Self::Rejected { message, .. } => message.clone(),
            Self::NotFound => "no such booking".to_owned(),
            Self::Conflict => {
                "the booking changed while this was being applied; try again".to_owned()
            }
            Self::Unavailable(_) => "the booking is unavailable; try again shortly".to_owned(),
            Self::NotParticipant => "you are not a participant of this booking".to_owned(),
            Self::NotLive(state) => format!(
                "the booking is {state}; fixes are taken from confirmation until completion"
            ),
            Self::ChatInactive => {
                "the chat is not active (before acceptance or after the job ended)".to_owned()
            }
            Self::Moved => "the booking moved to another server; try again".to_owned(),
            Self::OwnerSilent { retry_after_ms } => format!(
                "the booking's server stopped answering; another takes the booking over in about {:.1} s: try again then",
                *retry_after_ms as f64 / 1000.0
            ),
        }
    }
}

/// Apply a state-machine event to the booking.
#[derive(Message, Debug, Clone, Serialize, Deserialize)]
#[rtype(result = "Result<Committed, SessionError>")]
pub struct Apply {
    pub event: BookingEvent,
    pub actor: Actor,
    /// The user causing it (`None` for the system).
    pub by: Option<String>,
    pub reason: Option<String>,
    pub detail: Detail,
}

impl Apply {
    /// The server itself causes `event` (timers, webhooks, the proximity rule).
    pub fn system(event: BookingEvent, reason: Option<String>) -> Self {
        Self {
            event,
            actor: Actor::System,
            by: None,
            reason,
            detail: Detail::None,
        }
    }
}

/// An admin moves the booking to `to`, recorded with who and why.
#[derive(Message, Debug, Clone, Serialize, Deserialize)]
#[rtype(result = "Result<Committed, SessionError>")]
pub struct Force {
    pub to: BookingState,
    pub by: String,
    pub reason: String,
}

/// The session's current view of its booking.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<BookingRecord, SessionError>")]
pub struct GetRecord;

/// Ask the dispatcher for the live session of a booking (started on demand).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Addr<BookingSession>")]
pub struct SessionFor {
    pub booking_id: String,
}

impl SessionFor {
    pub fn new(booking_id: impl Into<String>) -> Self {
        Self {
            booking_id: booking_id.into(),
        }
    }
}

/// The live session of a booking on this node, if there is one (never starts one).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Option<Addr<BookingSession>>")]
pub struct FindSession {
    pub booking_id: String,
}

/// Stop the booking's session (its node lost the booking's lease): its
/// subscribers reconnect and find the new owner.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct StopSession {
    pub booking_id: String,
}

/// The mirror of a booking another node owns (started on demand).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Addr<crate::mirror::Mirror>")]
pub struct MirrorFor {
    pub booking_id: String,
}

/// A frame another node's session published, for this node's mirror of it.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct RemoteFrame(pub crate::fanout::Outbound);

/// The bookings this node mirrors now.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Vec<String>")]
pub struct Mirrors;

/// The transport between nodes is back after an outage.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct TransportRecovered;

/// A frame for one connection of a user (an answer another node sent for it).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct DeliverConn {
    pub user_id: String,
    pub conn_id: u64,
    pub text: Arc<str>,
}

/// A session tells the dispatcher it stopped.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct SessionStopped {
    pub booking_id: String,
    /// Which incarnation stopped (a newer one may already run).
    pub generation: u64,
}

/// How many sessions are live now.
#[derive(Message, Debug, Clone)]
#[rtype(result = "usize")]
pub struct CountSessions;

/// What the dispatcher holds now (for metrics).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Census")]
pub struct TakeCensus;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, actix::MessageResponse)]
pub struct Census {
    pub sessions: usize,
    /// Open client connections (sockets).
    pub connections: usize,
    pub monitors: usize,
}

/// Close every connection with `code` (1012 on shutdown: reconnect soon);
/// answers how many were closed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "usize")]
pub struct CloseAll {
    pub code: u16,
}

/// Join a booking's live session: the client gets `subscribed`, then every
/// journaled event after `since_seq` in order, then live events.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), SessionError>")]
pub struct Subscribe {
    pub client: Client,
    pub since_seq: Option<i64>,
    /// The client's frame id, echoed as `re` in `subscribed`.
    pub re: Option<String>,
}

/// Leave a booking's live session.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub conn_id: u64,
}

/// A position fix as received (validated by the gateway).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixIn {
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: Option<f64>,
    pub heading: Option<f64>,
    pub speed_mps: Option<f64>,
    /// Device time.
    pub at: DateTime<Utc>,
    /// Device time exactly as the client sent it (echoed in `location` events).
    pub at_raw: Arc<str>,
}

/// A fix from a participant of the booking.
#[derive(Message, Debug, Clone, Serialize, Deserialize)]
#[rtype(result = "Result<(), SessionError>")]
pub struct Locate {
    pub user_id: Arc<str>,
    pub fix: FixIn,
}

/// A fix from a websocket, not answered: the sender's reader goes on at once.
/// A refusal is queued to `reply_to` as an `error` frame (answering `re`);
/// without `reply_to` (a fix fanned out to every live booking) it is dropped.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Relay {
    pub locate: Locate,
    pub reply_to: Option<(crate::client::Client, Option<String>)>,
}

/// A chat message from a participant; committed before it is acked or sent on.
#[derive(Message, Debug, Clone, Serialize, Deserialize)]
#[rtype(result = "Result<JournalEvent, SessionError>")]
pub struct SendChat {
    pub from: String,
    pub text: String,
    pub client_msg_id: String,
}

/// A read receipt: `by` has read the chat up to `up_to_seq`.
#[derive(Message, Debug, Clone, Serialize, Deserialize)]
#[rtype(result = "Result<JournalEvent, SessionError>")]
pub struct MarkRead {
    pub by: String,
    pub up_to_seq: i64,
}

/// The latest fix of one party, as shown in snapshots.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastFix {
    pub lat: f64,
    pub lng: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    pub at: Arc<str>,
}

/// What an admin sees of a live session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionSummary {
    pub booking_id: String,
    pub status: BookingState,
    pub seq: i64,
    pub chat_active: bool,
    pub subscribers: usize,
    pub last_locations: LastLocations,
    pub proximity: ProximityReport,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LastLocations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<LastFix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<LastFix>,
}

/// A snapshot for a subscriber on another node: the `subscribed` frame and
/// the `seq` it shows.
#[derive(Message, Debug, Clone, Serialize, Deserialize)]
#[rtype(result = "Result<(Arc<str>, i64), SessionError>")]
pub struct Snapshot {
    pub user_id: String,
    pub role: crate::booking::Role,
    pub re: Option<String>,
}

/// Publish the latest `seq` for the other nodes (their transport recovered).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Resync;

/// The session's summary (`None` while it is still loading).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Option<SessionSummary>")]
pub struct GetSummary;

/// A session event for the admin monitors (sent to the dispatcher only while
/// any monitor is connected).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Monitored {
    pub booking_id: Arc<str>,
    pub status: BookingState,
    pub text: Arc<str>,
    /// Location frames coalesce for monitors too.
    pub key: Option<crate::client::CoalesceKey>,
}

/// A connection opened.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Connect {
    pub client: Client,
}

/// A connection closed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub conn_id: u64,
    pub user_id: Arc<str>,
}

/// Close every connection of a user (blocked, deleted, logged out everywhere).
#[derive(Message, Debug, Clone)]
#[rtype(result = "usize")]
pub struct CloseUser {
    pub user_id: String,
    pub code: u16,
}

/// Which live bookings an admin monitor follows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorFilter {
    pub statuses: Option<Vec<BookingState>>,
    pub booking_id: Option<String>,
}

impl MonitorFilter {
    pub fn matches(&self, booking_id: &str, status: BookingState) -> bool {
        self.booking_id.as_deref().is_none_or(|b| b == booking_id)
            && self.statuses.as_ref().is_none_or(|s| s.contains(&status))
    }
}

/// An admin connection starts (or changes) monitoring.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Monitor {
    pub client: Client,
    pub filter: MonitorFilter,
}

/// The live sessions now.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Vec<(String, Addr<BookingSession>)>")]
pub struct LiveSessions;

/// A frame for every connection of a user, or of every admin (not per booking:
/// direct messages, notifications).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Deliver {
    pub user_id: Option<String>,
    pub admins: bool,
    pub text: Arc<str>,
}
