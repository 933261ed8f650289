//! Opaque keyset cursors for newest-first lists: `(created_at, id)` encoded
//! as URL-safe base64, so a page boundary never skips or repeats a row.

use base64::Engine;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::error::ApiError;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(20),
            Some(n) if (1..=100).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::validation("limit", "must be between 1 and 100")),
        }
    }

    pub fn after(&self) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
        self.cursor.as_deref().map(decode).transpose()
    }
}

pub fn encode(at: NaiveDateTime, id: &str) -> String {
    let raw = format!("{}|{id}", at.and_utc().timestamp_micros());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode(cursor: &str) -> Result<(NaiveDateTime, String), ApiError> {
    let bad = || ApiError::validation("cursor", "is not a cursor from this list");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (micros, id) = text.split_once('|').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at.naive_utc(), id.to_owned()))
}

/// The cursor for the page after `items`, if the page was full.
pub fn next<T>(
    items: &[T],
    limit: i64,
    key: impl Fn(&T) -> (NaiveDateTime, String),
) -> Option<String> {
    if i64::try_from(items.len()).unwrap_or(0) < limit {
        return None;
    }
    items.last().map(|last| {
        let (at, id) = key(last);
        encode(at, &id)
    })
}
