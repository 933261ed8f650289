//! Opaque page cursors: base64url JSON of the sort they belong to and the
//! key of the last item of the page (its sort value and id, so equal values
//! still page stably).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort this cursor continues (`newest`, `price`, `rating`, `distance`).
    pub s: String,
    /// The last id seen.
    pub id: String,
    /// Its integer sort value (price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<i64>,
    /// Its real sort value (rating, distance in metres) as `f64` bits, so it
    /// survives JSON exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fb: Option<u64>,
}

impl Cursor {
    pub fn new(sort: &str, id: &str, n: Option<i64>, f: Option<f64>) -> Self {
        Self {
            s: sort.to_owned(),
            id: id.to_owned(),
            n,
            fb: f.map(f64::to_bits),
        }
    }

    /// The real sort value.
    pub fn f(&self) -> Option<f64> {
        self.fb.map(f64::from_bits)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a cursor for `sort`; 400 naming `cursor` otherwise.
    pub fn decode(raw: &str, sort: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::validation("cursor", "is not a cursor of this listing and sort");
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.s != sort || cursor.id.is_empty() || cursor.f().is_some_and(|f| !f.is_finite()) {
            return Err(bad());
        }
        Ok(cursor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_others() {
        let c = Cursor::new("rating", "abc", None, Some(0.1 + 0.2));
        let raw = c.encode();
        assert_eq!(Cursor::decode(&raw, "rating").unwrap(), c);
        assert!(Cursor::decode(&raw, "price").is_err());
        assert!(Cursor::decode("not a cursor", "rating").is_err());
        assert_eq!(Cursor::decode(&raw, "rating").unwrap().f(), Some(0.1 + 0.2));
        let p = Cursor::new("price", "x", Some(100), None);
        assert_eq!(Cursor::decode(&p.encode(), "price").unwrap().n, Some(100));
    }
}
