//! Discovery's query parameters, parsed at the edge: each refused value is a
//! 400 naming its parameter. The search itself is in the parent module.

use chrono::NaiveDate;

use crate::error::{ApiError, ApiResult};
use crate::marketplace::cursor::Cursor;

/// Default and largest page size.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// `radius_km` when `near` is given without one, and its largest value.
pub const DEFAULT_RADIUS_KM: f64 = 50.0;
pub const MAX_RADIUS_KM: f64 = 500.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Newest first (the default without `near`).
    Newest,
    /// Cheapest first.
    Price,
    /// Best rated first.
    Rating,
    /// Nearest first (the default with `near`).
    Distance,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Price => "price",
            Self::Rating => "rating",
            Self::Distance => "distance",
        }
    }
}

/// What every discovery listing takes.
#[derive(Debug, Clone)]
pub struct Paging {
    pub near: Option<(f64, f64)>,
    pub radius_km: f64,
    pub sort: Sort,
    pub available_on: Option<NaiveDate>,
    pub limit: usize,
    pub cursor: Option<Cursor>,
}

fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn parse_f64(name: &str, raw: &Option<String>, min: f64, max: f64) -> ApiResult<Option<f64>> {
    let Some(s) = present(raw) else {
        return Ok(None);
    };
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Some(v)),
        _ => Err(ApiError::validation(
            name,
            format!("must be a number from {min} to {max}"),
        )),
    }
}

pub fn parse_i64(name: &str, raw: &Option<String>, min: i64, max: i64) -> ApiResult<Option<i64>> {
    let Some(s) = present(raw) else {
        return Ok(None);
    };
    match s.parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(Some(v)),
        _ => Err(ApiError::validation(
            name,
            format!("must be a whole number from {min} to {max}"),
        )),
    }
}

pub fn parse_bool(name: &str, raw: &Option<String>) -> ApiResult<Option<bool>> {
    match present(raw) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::validation(name, "must be true or false")),
    }
}

pub fn parse_date(name: &str, raw: &Option<String>) -> ApiResult<Option<NaiveDate>> {
    let Some(s) = present(raw) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ApiError::validation(name, "must be a date YYYY-MM-DD"))
}

/// `near=lat,lng`.
pub fn parse_near(raw: &Option<String>) -> ApiResult<Option<(f64, f64)>> {
    let Some(s) = present(raw) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::validation(
            "near",
            "must be lat,lng with lat in [-90, 90] and lng in [-180, 180]",
        )
    };
    let (lat, lng) = s.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lng: f64 = lng.trim().parse().map_err(|_| bad())?;
    if !lat.is_finite()
        || !lng.is_finite()
        || !(-90.0..=90.0).contains(&lat)
        || !(-180.0..=180.0).contains(&lng)
    {
        return Err(bad());
    }
    Ok(Some((lat, lng)))
}

/// A `LIKE` pattern for free-text search (`q`): lower case, `%` `_` `\` escaped.
pub fn parse_text(name: &str, raw: &Option<String>) -> ApiResult<Option<String>> {
    let Some(s) = present(raw) else {
        return Ok(None);
    };
    if s.chars().count() > 100 {
        return Err(ApiError::validation(name, "must be at most 100 characters"));
    }
    let mut pattern = String::from("%");
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(Some(pattern))
}

/// The common paging parameters; `sorts` are the sorts this listing offers.
pub fn parse_paging(
    near: &Option<String>,
    radius_km: &Option<String>,
    sort: &Option<String>,
    available_on: &Option<String>,
    limit: &Option<String>,
    cursor: &Option<String>,
    sorts: &[Sort],
) -> ApiResult<Paging> {
    let near = parse_near(near)?;
    let radius = parse_f64("radius_km", radius_km, 0.0, MAX_RADIUS_KM)?;
    if radius.is_some() && near.is_none() {
        return Err(ApiError::validation("radius_km", "needs near=lat,lng"));
    }
    if radius.is_some_and(|r| r <= 0.0) {
        return Err(ApiError::validation(
            "radius_km",
            format!("must be a number above 0 and at most {MAX_RADIUS_KM}"),
        ));
    }
    let names: Vec<&str> = sorts.iter().map(|s| s.name()).collect();
    let sort = match present(sort) {
        None if near.is_some() => Sort::Distance,
        None => Sort::Newest,
        Some(s) => *sorts.iter().find(|x| x.name() == s).ok_or_else(|| {
            ApiError::validation("sort", format!("must be one of {}", names.join(", ")))
        })?,
    };
    if sort == Sort::Distance && near.is_none() {
        return Err(ApiError::validation("sort", "distance needs near=lat,lng"));
    }
    let limit = parse_i64("limit", limit, 1, MAX_LIMIT as i64)?.map_or(DEFAULT_LIMIT, |n| {
        usize::try_from(n).unwrap_or(DEFAULT_LIMIT)
    });
    let cursor = match present(cursor) {
        Some(raw) => Some(Cursor::decode(raw, sort.name())?),
        None => None,
    };
    Ok(Paging {
        near,
        radius_km: radius.unwrap_or(DEFAULT_RADIUS_KM),
        sort,
        available_on: parse_date("available_on", available_on)?,
        limit,
        cursor,
    })
}
