//! Validation shared by the websocket parser and the HTTP fallbacks, so a fix
//! or a chat message is accepted or refused the same way by either.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::messages::FixIn;

/// The longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 2000;
/// The longest `client_msg_id` (and booking id), in bytes.
pub const MAX_ID_LEN: usize = 64;

/// A field that was missing or out of range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// A fix as it came in, before validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawFix<'a> {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub heading: Option<f64>,
    pub speed_mps: Option<f64>,
    /// RFC 3339 device time.
    pub at: Option<&'a str>,
}

fn non_negative(v: Option<f64>, field: &'static str) -> Result<Option<f64>, FieldError> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => {
            Err(FieldError::new(field, "must be a finite number >= 0"))
        }
        other => Ok(other),
    }
}

impl FixIn {
    /// `lat` in [-90, 90] and `lng` in [-180, 180], finite; accuracy, heading and
    /// speed finite and >= 0 when given; `at` an RFC 3339 time, kept verbatim.
    pub fn parse(raw: RawFix<'_>) -> Result<FixIn, FieldError> {
        let lat = raw
            .lat
            .ok_or_else(|| FieldError::new("lat", "is required"))?;
        let lng = raw
            .lng
            .ok_or_else(|| FieldError::new("lng", "is required"))?;
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new("lat", "must be a number in [-90, 90]"));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(FieldError::new("lng", "must be a number in [-180, 180]"));
        }
        let accuracy_m = non_negative(raw.accuracy_m, "accuracy_m")?;
        let heading = non_negative(raw.heading, "heading")?;
        let speed_mps = non_negative(raw.speed_mps, "speed_mps")?;
        let at_raw = raw
            .at
            .ok_or_else(|| FieldError::new("at", "(RFC 3339 device time) is required"))?;
        let at = DateTime::parse_from_rfc3339(at_raw)
            .map_err(|_| FieldError::new("at", "must be an RFC 3339 time"))?
            .with_timezone(&Utc);
        Ok(FixIn {
            lat,
            lng,
            accuracy_m,
            heading,
            speed_mps,
            at,
            at_raw: Arc::from(at_raw),
        })
    }
}

/// Chat text: trimmed, 1 to [`MAX_CHAT_CHARS`] characters.
pub fn chat_text(text: Option<&str>) -> Result<String, FieldError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() || text.chars().count() > MAX_CHAT_CHARS {
        return Err(FieldError::new(
            "text",
            format!("must be 1 to {MAX_CHAT_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A client's message id: 1 to [`MAX_ID_LEN`] bytes.
pub fn client_msg_id(id: Option<&str>) -> Result<String, FieldError> {
    id.filter(|c| (1..=MAX_ID_LEN).contains(&c.len()))
        .map(str::to_owned)
        .ok_or_else(|| {
            FieldError::new(
                "client_msg_id",
                format!("(1-{MAX_ID_LEN} characters) is required"),
            )
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn raw(lat: f64, lng: f64, at: &str) -> RawFix<'_> {
        RawFix {
            lat: Some(lat),
            lng: Some(lng),
            at: Some(at),
            ..RawFix::default()
        }
    }

    #[test]
    fn fixes_are_checked_field_by_field() {
        let fix = FixIn::parse(raw(-26.2, 28.04, "2026-11-21T10:00:00.123Z")).unwrap();
        assert_eq!(&*fix.at_raw, "2026-11-21T10:00:00.123Z");
        let field = |r: RawFix<'_>| FixIn::parse(r).unwrap_err().field;
        assert_eq!(field(raw(91.0, 0.0, "2026-11-21T10:00:00Z")), "lat");
        assert_eq!(
            field(raw(1.0, f64::INFINITY, "2026-11-21T10:00:00Z")),
            "lng"
        );
        assert_eq!(field(raw(1.0, 1.0, "yesterday")), "at");
        assert_eq!(
            field(RawFix {
                accuracy_m: Some(-1.0),
                ..raw(1.0, 1.0, "2026-11-21T10:00:00Z")
            }),
            "accuracy_m"
        );
        assert_eq!(field(RawFix::default()), "lat");
    }

    #[test]
    fn chat_text_and_ids_have_bounds() {
        assert_eq!(chat_text(Some("  hi  ")).unwrap(), "hi");
        assert!(chat_text(Some("   ")).is_err());
        assert!(chat_text(None).is_err());
        assert!(chat_text(Some(&"x".repeat(MAX_CHAT_CHARS + 1))).is_err());
        assert!(client_msg_id(Some("")).is_err());
        assert!(client_msg_id(Some(&"x".repeat(65))).is_err());
        assert_eq!(client_msg_id(Some("m1")).unwrap(), "m1");
    }
}
