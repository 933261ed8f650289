//! Day ranges in query strings: `from` and `to` as `YYYY-MM-DD` (UTC days,
//! both inclusive).

use chrono::{NaiveDate, NaiveDateTime};

use crate::error::{ApiError, ApiResult};

fn day(field: &str, raw: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| ApiError::validation(field, "must be a date, YYYY-MM-DD"))
        })
        .transpose()
}

/// `[start of from, start of the day after to)`; either end may be open.
pub fn day_range(
    from: Option<&str>,
    to: Option<&str>,
) -> ApiResult<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    let from = day("from", from)?;
    let to = day("to", to)?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::validation("to", "must not be before `from`"));
        }
    }
    Ok((
        from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        to.and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
    ))
}
