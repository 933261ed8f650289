//! Every server -> client frame of PROTOCOL.md, as typed serde structs.
//! Each is rendered once into an `Arc<str>` that every recipient shares.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::{ChatMessage, ErrorCode, EventBody, EventKind, ProximityReport};
use crate::booking::{BookingState, Role};
use crate::journal::{BookingRecord, JournalEvent};
use crate::messages::{FixIn, LastLocations};

/// Renders a frame (these types always serialise; an empty object otherwise).
fn render<T: Serialize>(frame: &T) -> Arc<str> {
    match serde_json::to_string(frame) {
        Ok(text) => text.into(),
        Err(err) => {
            tracing::error!(error = %err, "a frame could not be rendered");
            Arc::from("{}")
        }
    }
}

/// A journaled event as sent and replayed: `{"type", "booking_id", "seq", ...its body, "at"}`.
#[derive(Serialize)]
struct EventFrame<'a> {
    #[serde(rename = "type")]
    kind: EventKind,
    booking_id: &'a str,
    seq: i64,
    #[serde(flatten)]
    body: &'a EventBody,
    at: DateTime<Utc>,
}

impl Serialize for JournalEvent {
    /// A journaled event serialises as its frame (websocket and `GET .../events` alike).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EventFrame {
            kind: self.body.kind(),
            booking_id: &self.booking_id,
            seq: self.seq,
            body: &self.body,
            at: self.at,
        }
        .serialize(serializer)
    }
}

/// A journaled event's frame.
pub fn event(e: &JournalEvent) -> Arc<str> {
    render(e)
}

#[derive(Serialize)]
struct LocationFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    booking_id: &'a str,
    seq: i64,
    role: Role,
    lat: f64,
    lng: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    accuracy_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    heading: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speed_mps: Option<f64>,
    at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    /// While the arrival is awaited: the rule's state after this fix.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    arrival: Option<Arrival>,
}

/// The arrival rule's state, carried by a `location` frame.
#[derive(Serialize)]
struct Arrival {
    within: bool,
    dwell_s: u64,
    satisfied: bool,
}

/// A `location` event (ephemeral: it carries the latest journaled `seq`).
/// While the arrival is awaited it also carries the proximity rule's state
/// after this fix (`within`, `dwell_s`, `satisfied`; `distance_m` is the
/// rule's distance), so one frame per fix says everything.
pub fn location(
    booking_id: &str,
    seq: i64,
    role: Role,
    fix: &FixIn,
    distance_m: Option<f64>,
    proximity: Option<&ProximityReport>,
) -> Arc<str> {
    render(&LocationFrame {
        kind: "location",
        booking_id,
        seq,
        role,
        lat: fix.lat,
        lng: fix.lng,
        accuracy_m: fix.accuracy_m,
        heading: fix.heading,
        speed_mps: fix.speed_mps,
        at: &fix.at_raw,
        distance_m: distance_m.map(super::round_cm),
        arrival: proximity.map(|p| Arrival {
            within: p.within,
            dwell_s: p.dwell_s,
            satisfied: p.satisfied,
        }),
    })
}

#[derive(Serialize)]
struct ProximityFrame<'a> {
    #[serde(rename = "type")]
    kind: EventKind,
    booking_id: &'a str,
    seq: i64,
    #[serde(flatten)]
    report: &'a ProximityReport,
}

/// An ephemeral `proximity` update: the dwell growing on the session's timer
/// between fixes (a fix carries its update in its `location` frame).
pub fn proximity(booking_id: &str, seq: i64, report: &ProximityReport) -> Arc<str> {
    render(&ProximityFrame {
        kind: EventKind::Proximity,
        booking_id,
        seq,
        report,
    })
}

#[derive(Serialize)]
struct Participants<'a> {
    customer_id: &'a str,
    provider_id: &'a str,
}

#[derive(Serialize)]
struct SubscribedFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    re: Option<&'a str>,
    booking_id: &'a str,
    status: BookingState,
    seq: i64,
    chat_active: bool,
    participants: Participants<'a>,
    last_locations: &'a LastLocations,
    proximity: ProximityReport,
}

/// The `subscribed` snapshot.
pub fn subscribed(
    re: Option<&str>,
    record: &BookingRecord,
    last: &LastLocations,
    proximity: ProximityReport,
) -> Arc<str> {
    render(&SubscribedFrame {
        kind: "subscribed",
        re,
        booking_id: &record.id,
        status: record.state,
        seq: record.last_seq,
        chat_active: record.state.chat_active(),
        participants: Participants {
            customer_id: &record.customer_id,
            provider_id: &record.provider_id,
        },
        last_locations: last,
        proximity,
    })
}

#[derive(Serialize)]
struct ErrorFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    re: Option<&'a str>,
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_ms: Option<u64>,
}

/// `{"type":"error", "re", "code", "message"}`.
pub fn error(re: Option<&str>, code: ErrorCode, message: &str) -> Arc<str> {
    error_retry(re, code, message, None)
}

/// An error frame with `retry_after_ms` when the server knows when trying
/// again can succeed.
pub fn error_retry(
    re: Option<&str>,
    code: ErrorCode,
    message: &str,
    retry_after_ms: Option<u64>,
) -> Arc<str> {
    render(&ErrorFrame {
        kind: "error",
        re,
        code,
        message,
        retry_after_ms,
    })
}

#[derive(Serialize)]
struct AckFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    re: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a ChatMessage>,
}

/// `{"type":"ack", "re"}`, and for chat the stored `message`.
pub fn ack(re: Option<&str>, message: Option<&ChatMessage>) -> Arc<str> {
    render(&AckFrame {
        kind: "ack",
        re,
        message,
    })
}

#[derive(Serialize)]
struct PongFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    re: Option<&'a str>,
}

/// `{"type":"pong", "re"}`.
pub fn pong(re: Option<&str>) -> Arc<str> {
    render(&PongFrame { kind: "pong", re })
}

#[derive(Serialize)]
struct DirectChatFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    provider_id: &'a str,
    message: &'a ChatMessage,
}

/// A direct (provider <-> admin) message, to the provider's and every admin's sockets.
pub fn direct_chat(provider_id: &str, message: &ChatMessage) -> Arc<str> {
    render(&DirectChatFrame {
        kind: "direct_chat",
        provider_id,
        message,
    })
}

#[derive(Serialize)]
struct NotificationFrame<'a, T> {
    #[serde(rename = "type")]
    kind: &'static str,
    notification: &'a T,
}

/// `{"type":"notification", "notification": {...}}`, to every open socket of
/// its user whatever they subscribed to (the object is the server's view of a
/// stored notification).
pub fn notification<T: Serialize>(notification: &T) -> Arc<str> {
    render(&NotificationFrame {
        kind: "notification",
        notification,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::protocol::{BookingChanged, ChatState};

    fn parse(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn an_event_frame_is_its_header_then_its_body() {
        let at = "2026-11-22T10:00:00Z".parse().unwrap();
        let e = JournalEvent {
            booking_id: "b1".into(),
            seq: 5,
            body: EventBody::Booking(BookingChanged {
                status: BookingState::EnRoute,
                previous: Some(BookingState::Confirmed),
                by: "p1".into(),
                reason: None,
                forced: false,
            }),
            at,
        };
        let v = parse(&event(&e));
        assert_eq!(v["type"], "booking");
        assert_eq!(v["seq"], 5);
        assert_eq!(v["status"], "en_route");
        assert_eq!(v["previous"], "confirmed");
        assert_eq!(v["at"], "2026-11-22T10:00:00Z");
        let e = JournalEvent {
            body: EventBody::ChatState(ChatState { active: false }),
            ..e
        };
        assert_eq!(parse(&event(&e))["active"], false);
    }

    #[test]
    fn errors_acks_and_pongs_echo_the_frame_id() {
        let v = parse(&error(Some("c-1"), ErrorCode::NotAParticipant, "no"));
        assert_eq!(
            (v["type"].as_str(), v["re"].as_str(), v["code"].as_str()),
            (Some("error"), Some("c-1"), Some("not_a_participant"))
        );
        assert_eq!(parse(&pong(None))["re"], serde_json::Value::Null);
        let ack = parse(&ack(Some("a"), None));
        assert!(ack.get("message").is_none());
    }
}
