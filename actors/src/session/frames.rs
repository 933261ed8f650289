//! The server -> client frames of PROTOCOL.md, rendered once per event and
//! shared (`Arc<str>`) by every subscriber.

use std::sync::Arc;

use geo::{Distance, Haversine, Point};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::booking::Actor as Role;
use crate::journal::{BookingRecord, JournalEvent};
use crate::messages::{FixIn, LastLocations};
use crate::proximity::ProximitySnapshot;

/// A journaled event: `{"type", "booking_id", "seq", ...its payload}`.
pub(crate) fn event(e: &JournalEvent) -> Arc<str> {
    let mut obj = Map::new();
    obj.insert("type".into(), Value::String(e.kind.clone()));
    obj.insert("booking_id".into(), Value::String(e.booking_id.clone()));
    obj.insert("seq".into(), Value::from(e.seq));
    if let Value::Object(fields) = &e.payload {
        for (k, v) in fields {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    obj.entry("at").or_insert_with(|| json!(e.at));
    Value::Object(obj).to_string().into()
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
}

/// A `location` event (ephemeral: it carries the latest journaled `seq`).
pub(crate) fn location(
    booking_id: &str,
    seq: i64,
    role: Role,
    fix: &FixIn,
    distance_m: Option<f64>,
) -> Arc<str> {
    let frame = LocationFrame {
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
        distance_m: distance_m.map(round_cm),
    };
    serde_json::to_string(&frame).unwrap_or_default().into()
}

fn round_cm(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

/// The fields of a `proximity` event.
pub(crate) fn proximity_payload(p: &ProximitySnapshot) -> Value {
    json!({
        "distance_m": p.distance_m.map(round_cm),
        "within": p.within,
        "dwell_s": p.dwell_s,
        "satisfied": p.satisfied,
    })
}

/// An ephemeral `proximity` update (dwell growing, distance changing).
pub(crate) fn proximity(booking_id: &str, seq: i64, p: &ProximitySnapshot) -> Arc<str> {
    let mut v = proximity_payload(p);
    if let Value::Object(obj) = &mut v {
        obj.insert("type".into(), json!("proximity"));
        obj.insert("booking_id".into(), json!(booking_id));
        obj.insert("seq".into(), json!(seq));
    }
    v.to_string().into()
}

/// The `subscribed` snapshot.
pub(crate) fn subscribed(
    re: Option<&str>,
    record: &BookingRecord,
    last: &LastLocations,
    proximity: &ProximitySnapshot,
) -> Arc<str> {
    json!({
        "type": "subscribed",
        "re": re,
        "booking_id": record.id,
        "status": record.state,
        "seq": record.last_seq,
        "chat_active": record.state.chat_active(),
        "participants": {"customer_id": record.customer_id, "provider_id": record.provider_id},
        "last_locations": last,
        "proximity": proximity_payload(proximity),
    })
    .to_string()
    .into()
}

/// Haversine distance in metres between two `(lat, lng)` points.
pub(crate) fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}
