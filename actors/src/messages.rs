//! Every actor message, named as commands (`Apply`, `Force`) and events (`SessionStopped`).

use actix::prelude::*;

use crate::booking::{Actor as Role, BookingEvent, BookingState, Refusal};
use crate::journal::{BookingRecord, Committed};
use crate::session::BookingSession;

/// Why a session refused or failed a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The state machine refused it.
    Refused(Refusal),
    /// A side effect was impossible (e.g. the new slot is taken); nothing changed.
    Rejected { code: String, message: String },
    /// The booking does not exist.
    NotFound,
    /// The stored booking kept changing under the session; try again.
    Conflict,
    /// Storage failed; nothing changed.
    Unavailable(String),
}

/// Apply a state-machine event to the booking.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Committed, SessionError>")]
pub struct Apply {
    pub event: BookingEvent,
    pub actor: Role,
    /// The user causing it (`None` for the system).
    pub by: Option<String>,
    pub reason: Option<String>,
    pub detail: serde_json::Value,
}

/// An admin moves the booking to `to`, recorded with who and why.
#[derive(Message, Debug, Clone)]
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
