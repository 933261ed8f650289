//! Client -> server frames: one flat, single-pass parse, then per-type checks
//! (fixes and chat through the same validation as their HTTP fallbacks). The
//! frames the server sends live in `onsite_actors::protocol::frames`.

use onsite_actors::booking::BookingState;
use onsite_actors::messages::{FixIn, MonitorFilter};
use onsite_actors::protocol::parse::{self, RawFix, MAX_ID_LEN};
use serde::Deserialize;

/// Largest text frame accepted.
pub const MAX_FRAME: usize = 16 * 1024;

#[derive(Deserialize, Default)]
struct Raw {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<serde_json::Value>,
    booking_id: Option<String>,
    since_seq: Option<i64>,
    lat: Option<f64>,
    lng: Option<f64>,
    accuracy_m: Option<f64>,
    heading: Option<f64>,
    speed_mps: Option<f64>,
    at: Option<String>,
    text: Option<String>,
    client_msg_id: Option<String>,
    up_to_seq: Option<i64>,
    filter: Option<RawFilter>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    status: Option<Vec<String>>,
    booking_id: Option<String>,
}

/// A parsed client frame.
#[derive(Debug)]
pub enum Frame {
    Subscribe {
        booking_id: String,
        since_seq: Option<i64>,
    },
    Unsubscribe {
        booking_id: String,
    },
    Location {
        booking_id: Option<String>,
        fix: FixIn,
    },
    Chat {
        booking_id: String,
        text: String,
        client_msg_id: String,
    },
    Read {
        booking_id: String,
        up_to_seq: i64,
    },
    Monitor {
        filter: MonitorFilter,
    },
    Ping,
}

/// Why a frame was refused (`invalid_frame` errors).
#[derive(Debug)]
pub struct Invalid {
    pub re: Option<String>,
    pub message: String,
}

fn id_of(raw: &Raw) -> Option<String> {
    match &raw.id {
        Some(serde_json::Value::String(s)) => Some(s.chars().take(64).collect()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses one text frame into its `id` and what it asks for.
pub fn parse(text: &str) -> Result<(Option<String>, Frame), Invalid> {
    if text.len() > MAX_FRAME {
        return Err(Invalid {
            re: None,
            message: format!("frames are limited to {MAX_FRAME} bytes"),
        });
    }
    let raw: Raw = serde_json::from_str(text).map_err(|e| Invalid {
        re: None,
        message: format!("not a JSON object of this protocol: {e}"),
    })?;
    let re = id_of(&raw);
    let bad = |message: &str| Invalid {
        re: re.clone(),
        message: message.to_owned(),
    };
    let booking = |raw: &Raw| -> Result<String, Invalid> {
        raw.booking_id
            .clone()
            .filter(|b| (1..=MAX_ID_LEN).contains(&b.len()))
            .ok_or_else(|| bad("booking_id is required"))
    };
    let frame = match raw.kind.as_deref() {
        Some("subscribe") => Frame::Subscribe {
            booking_id: booking(&raw)?,
            since_seq: match raw.since_seq {
                Some(s) if s < 0 => return Err(bad("since_seq must be 0 or more")),
                other => other,
            },
        },
        Some("unsubscribe") => Frame::Unsubscribe {
            booking_id: booking(&raw)?,
        },
        Some("location") => Frame::Location {
            booking_id: match raw.booking_id {
                Some(_) => Some(booking(&raw)?),
                None => None,
            },
            fix: FixIn::parse(RawFix {
                lat: raw.lat,
                lng: raw.lng,
                accuracy_m: raw.accuracy_m,
                heading: raw.heading,
                speed_mps: raw.speed_mps,
                at: raw.at.as_deref(),
            })
            .map_err(|e| bad(&e.to_string()))?,
        },
        Some("chat") => Frame::Chat {
            text: parse::chat_text(raw.text.as_deref()).map_err(|e| bad(&e.to_string()))?,
            client_msg_id: parse::client_msg_id(raw.client_msg_id.as_deref())
                .map_err(|e| bad(&e.to_string()))?,
            booking_id: booking(&raw)?,
        },
        Some("read") => Frame::Read {
            booking_id: booking(&raw)?,
            up_to_seq: raw
                .up_to_seq
                .filter(|s| *s >= 0)
                .ok_or_else(|| bad("up_to_seq is required"))?,
        },
        Some("monitor") => {
            let f = raw.filter.unwrap_or_default();
            let statuses = match f.status {
                None => None,
                Some(list) => Some(
                    list.iter()
                        .map(|s| s.parse::<BookingState>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| bad("filter.status has an unknown status"))?,
                ),
            };
            Frame::Monitor {
                filter: MonitorFilter {
                    statuses,
                    booking_id: f.booking_id,
                },
            }
        }
        Some("ping") => Frame::Ping,
        Some(other) => {
            return Err(bad(&format!(
                "unknown type `{}`",
                other.chars().take(32).collect::<String>()
            )))
        }
        None => return Err(bad("type is required")),
    };
    Ok((re, frame))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let (re, f) =
            parse(r#"{"type":"subscribe","id":"1","booking_id":"b","since_seq":3}"#).unwrap();
        assert_eq!(re.as_deref(), Some("1"));
        assert!(matches!(
            f,
            Frame::Subscribe {
                since_seq: Some(3),
                ..
            }
        ));
        let (_, f) = parse(r#"{"type":"location","lat":-26.2,"lng":28.04,"accuracy_m":4,"at":"2026-11-21T10:00:00.123Z"}"#).unwrap();
        let Frame::Location { fix, .. } = f else {
            panic!()
        };
        assert_eq!(&*fix.at_raw, "2026-11-21T10:00:00.123Z");
        for bad in [
            "not json",
            r#"{"type":"teleport"}"#,
            r#"{"type":"location","lat":91,"lng":0,"at":"2026-11-21T10:00:00Z"}"#,
            r#"{"type":"location","lat":1,"lng":1e999,"at":"2026-11-21T10:00:00Z"}"#,
            r#"{"type":"location","lat":1,"lng":1,"at":"yesterday"}"#,
            r#"{"type":"chat","booking_id":"b","text":"","client_msg_id":"x"}"#,
            r#"{"type":"subscribe"}"#,
            r#"{"type":"location","booking_id":"","lat":1,"lng":1,"at":"2026-11-21T10:00:00Z"}"#,
            r#"[1,2]"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&format!(
            r#"{{"type":"ping","pad":"{}"}}"#,
            "x".repeat(MAX_FRAME)
        ))
        .is_err());
    }
}
