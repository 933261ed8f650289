//! The wire format of PROTOCOL.md, in one place: the journaled event bodies
//! (what is stored and what is sent are the same typed values), every frame
//! the server sends, the error codes, and the parsing shared by the websocket
//! and its HTTP fallbacks.
//!
//! - [`EventBody`]: the payload of each journaled kind ([`EventKind`]); the
//!   journal stores `body.to_json()` and reads it back with
//!   [`EventBody::from_json`], so a stored event can only be one the code knows.
//! - [`frames`]: every server -> client frame, rendered once into an
//!   `Arc<str>` shared by every recipient.
//! - [`ErrorCode`]: the closed set of `code`s in error frames and HTTP errors
//!   that come from the core.
//! - [`parse`]: fixes, chat text and `client_msg_id`, validated the same way
//!   whichever transport they came by.

pub mod frames;
pub mod parse;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::booking::BookingState;
use crate::named_enum;
use crate::proximity::ProximitySnapshot;

named_enum! {
    /// The kinds of journaled events (`booking_events.kind`, the frame `type`).
    #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
    pub enum EventKind ("event kind") {
        /// The booking changed state.
        Booking = "booking",
        /// The chat became active or inactive.
        ChatState = "chat_state",
        /// A chat message.
        Chat = "chat",
        /// A read receipt.
        Read = "read",
        /// The proximity rule's `within` or `satisfied` changed.
        Proximity = "proximity",
    }
}

#[cfg(feature = "diesel")]
crate::text_column!(EventKind);

named_enum! {
    /// The `code` of an error the core reports, over HTTP and websocket alike.
    pub enum ErrorCode ("error code") {
        /// A client frame that is not one of this protocol's.
        InvalidFrame = "invalid_frame",
        /// No such booking.
        NotFound = "not_found",
        /// The user is neither a participant of the booking nor an admin.
        NotAParticipant = "not_a_participant",
        /// The user's role may not do this.
        Forbidden = "forbidden",
        /// The role may never cause this event.
        NotAllowed = "not_allowed",
        /// The event does not apply in the booking's state.
        InvalidTransition = "invalid_transition",
        /// An admin's forced move that is not possible.
        InvalidForce = "invalid_force",
        /// The booking kept changing while the command ran.
        ConcurrentUpdate = "concurrent_update",
        /// Storage failed; nothing changed.
        Unavailable = "unavailable",
        /// The booking does not take fixes in its state.
        NotLive = "not_live",
        /// The chat is not active.
        ChatInactive = "chat_inactive",
        /// More history than one subscribe replays.
        ReplayTooLong = "replay_too_long",
        /// The new slot of a reschedule is taken (or none was given).
        SlotUnavailable = "slot_unavailable",
        /// The captured payment is not this booking's.
        PaymentNotFound = "payment_not_found",
        /// The payment is not being captured.
        PaymentNotProcessing = "payment_not_processing",
        /// A booking paid by deposit cannot complete before its balance is paid.
        BalanceDue = "balance_due",
        /// The balance of this booking was already paid.
        BalancePaid = "balance_paid",
        /// Frames of one kind came faster than a socket may send them; the
        /// socket is closed with 1008 after this frame.
        RateLimited = "rate_limited",
    }
}

/// The `message` object of `chat` events, of the REST chat history and of
/// direct (provider <-> admin) chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: String,
    /// The sender's user id.
    pub from: String,
    pub text: String,
    pub client_msg_id: String,
    pub sent_at: DateTime<Utc>,
    /// The journal `seq` of its `chat` event (REST history only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// A `booking` event: the booking moved from `previous` to `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingChanged {
    pub status: BookingState,
    /// `null` for the booking's first event (its creation).
    pub previous: Option<BookingState>,
    /// The user who caused it, or `system`.
    pub by: String,
    pub reason: Option<String>,
    /// An admin's forced move.
    #[serde(default)]
    pub forced: bool,
}

impl BookingChanged {
    /// The body of the `booking` event a transition journals; `by` is the user
    /// who caused it (`None`: the system).
    pub fn new(
        previous: Option<BookingState>,
        status: BookingState,
        by: Option<&str>,
        reason: Option<&str>,
        forced: bool,
    ) -> Self {
        Self {
            status,
            previous,
            by: by.unwrap_or("system").to_owned(),
            reason: reason.map(str::to_owned),
            forced,
        }
    }
}

/// A `chat_state` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatState {
    pub active: bool,
}

/// A `chat` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatPosted {
    pub message: ChatMessage,
}

/// A `read` event: `by` has read the chat up to `up_to_seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadUpTo {
    pub by: String,
    pub up_to_seq: i64,
}

/// A `proximity` event or update: the rule's state as clients see it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ProximityReport {
    /// Metres to the target, rounded to the centimetre; `null` before the first fix.
    pub distance_m: Option<f64>,
    pub within: bool,
    pub dwell_s: u64,
    pub satisfied: bool,
}

impl From<&ProximitySnapshot> for ProximityReport {
    fn from(p: &ProximitySnapshot) -> Self {
        Self {
            distance_m: p.distance_m.map(round_cm),
            within: p.within,
            dwell_s: p.dwell_s,
            satisfied: p.satisfied,
        }
    }
}

/// Metres rounded to the centimetre, as every frame shows distances.
pub fn round_cm(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

/// What a journaled event says, by kind. Serialised as its fields only (the
/// frame adds `type`, `booking_id`, `seq` and `at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventBody {
    Booking(BookingChanged),
    ChatState(ChatState),
    Chat(ChatPosted),
    Read(ReadUpTo),
    Proximity(ProximityReport),
}

impl EventBody {
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Booking(_) => EventKind::Booking,
            Self::ChatState(_) => EventKind::ChatState,
            Self::Chat(_) => EventKind::Chat,
            Self::Read(_) => EventKind::Read,
            Self::Proximity(_) => EventKind::Proximity,
        }
    }

    /// The stored form (`booking_events.payload`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads a stored payload of `kind` back.
    pub fn from_json(kind: EventKind, json: &str) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            EventKind::Booking => Self::Booking(serde_json::from_str(json)?),
            EventKind::ChatState => Self::ChatState(serde_json::from_str(json)?),
            EventKind::Chat => Self::Chat(serde_json::from_str(json)?),
            EventKind::Read => Self::Read(serde_json::from_str(json)?),
            EventKind::Proximity => Self::Proximity(serde_json::from_str(json)?),
        })
    }

    /// The chat message this event carries, if it is a `chat` event.
    pub fn message(&self) -> Option<&ChatMessage> {
        match self {
            Self::Chat(posted) => Some(&posted.message),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_body_round_trips_through_its_stored_form() {
        let at = Utc::now();
        let bodies = [
            EventBody::Booking(BookingChanged {
                status: BookingState::EnRoute,
                previous: Some(BookingState::Confirmed),
                by: "u1".into(),
                reason: None,
                forced: false,
            }),
            EventBody::ChatState(ChatState { active: true }),
            EventBody::Chat(ChatPosted {
                message: ChatMessage {
                    id: "m1".into(),
                    from: "u1".into(),
                    text: "on my way".into(),
                    client_msg_id: "c1".into(),
                    sent_at: at,
                    seq: None,
                },
            }),
            EventBody::Read(ReadUpTo {
                by: "u2".into(),
                up_to_seq: 7,
            }),
            EventBody::Proximity(ProximityReport {
                distance_m: Some(1.25),
                within: true,
                dwell_s: 3,
                satisfied: false,
            }),
        ];
        for body in bodies {
            let back = EventBody::from_json(body.kind(), &body.to_json()).unwrap();
            assert_eq!(back, body);
        }
    }

    #[test]
    fn a_stored_payload_of_the_wrong_shape_is_an_error() {
        assert!(EventBody::from_json(EventKind::Read, r#"{"active":true}"#).is_err());
        assert!(EventBody::from_json(
            EventKind::Booking,
            r#"{"status":"teleported","previous":"confirmed","by":"x","reason":null}"#
        )
        .is_err());
    }

    #[test]
    fn older_booking_payloads_with_their_own_at_still_read() {
        let stored = r#"{"status":"confirmed","previous":"requested","by":"p","reason":null,"forced":false,"at":"2026-11-22T10:00:00Z"}"#;
        assert!(matches!(
            EventBody::from_json(EventKind::Booking, stored).unwrap(),
            EventBody::Booking(BookingChanged {
                status: BookingState::Confirmed,
                ..
            })
        ));
    }
}
