//! Discovery of services and providers: query parameters parsed at the edge,
//! SQL filters and keyset pages, and the parts SQL cannot do (exact haversine
//! distance, "has a free slot that day") in Rust.
//!
//! Without `near`, pages come from SQL in sort order (keyset on the sort
//! value and the id). With `near`, the candidates inside a latitude/longitude
//! bounding box of `radius_km` (an indexed range in SQL) are loaded, their
//! exact distance computed, those outside the radius dropped, and the rest
//! sorted and paged in memory with the same kind of keys. `available_on`
//! filters pages after that, checking at most [`SCAN_BUDGET`] candidates per
//! request: a page may then hold fewer than `limit` items while
//! `next_cursor` is still set (keep paging until it is `null`).

use std::cmp::Ordering;
use std::collections::VecDeque;

use chrono::NaiveDate;

use super::cursor::Cursor;
use super::geo;
use crate::availability;
use crate::db::discovery::{
    self as q, Keyset, ProviderName, ProviderQuery, ProviderRow, ServiceQuery, ServiceRow,
};
use crate::db::providers::ProviderProfile;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// Default and largest page size.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// `radius_km` when `near` is given without one, and its largest value.
pub const DEFAULT_RADIUS_KM: f64 = 50.0;
pub const MAX_RADIUS_KM: f64 = 500.0;
/// Candidates checked for `available_on` in one request.
pub const SCAN_BUDGET: usize = 500;
const AVAILABILITY_BATCH: usize = 100;

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

/// One result with its exact distance from `near` when that was given.
#[derive(Debug, Clone)]
pub struct Hit<T> {
    pub row: T,
    pub distance_km: Option<f64>,
    key: Cursor,
}

pub struct Found<T> {
    pub items: Vec<Hit<T>>,
    pub next_cursor: Option<String>,
}

// ---- parsing query parameters -------------------------------------------

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

// ---- keys and ordering ----------------------------------------------------

fn compare(sort: Sort, a: &Cursor, b: &Cursor) -> Ordering {
    let f = |c: &Cursor| c.f().unwrap_or(0.0);
    match sort {
        Sort::Newest => b.id.cmp(&a.id),
        Sort::Price => a.n.cmp(&b.n).then_with(|| a.id.cmp(&b.id)),
        Sort::Rating => f(b).total_cmp(&f(a)).then_with(|| a.id.cmp(&b.id)),
        Sort::Distance => f(a).total_cmp(&f(b)).then_with(|| a.id.cmp(&b.id)),
    }
}

fn keyset(sort: Sort, after: Option<&Cursor>) -> Keyset {
    match sort {
        Sort::Price => Keyset::Price(after.map(|c| (c.n.unwrap_or(0), c.id.clone()))),
        Sort::Rating => Keyset::Rating(after.map(|c| (c.f().unwrap_or(0.0), c.id.clone()))),
        Sort::Newest | Sort::Distance => Keyset::Newest(after.map(|c| c.id.clone())),
    }
}

fn key(sort: Sort, id: &str, price: i64, rating: f64, distance_m: Option<f64>) -> Cursor {
    match sort {
        Sort::Newest => Cursor::new(sort.name(), id, None, None),
        Sort::Price => Cursor::new(sort.name(), id, Some(price), None),
        Sort::Rating => Cursor::new(sort.name(), id, None, Some(rating)),
        Sort::Distance => Cursor::new(sort.name(), id, None, distance_m),
    }
}

/// Exact distance from `near`, if it is within both the searcher's radius
/// and the provider's own service radius.
fn reach(paging: &Paging, profile: &ProviderProfile) -> Option<Option<f64>> {
    let Some(near) = paging.near else {
        return Some(None);
    };
    let (Some(lat), Some(lng)) = (profile.base_lat, profile.base_lng) else {
        return None;
    };
    let d = geo::distance_km(near, (lat, lng));
    (d <= paging.radius_km && d <= profile.service_radius_km).then_some(Some(d))
}

// ---- the paging loop -------------------------------------------------------

/// Where candidates come from, in sort order.
trait Source {
    type Row;
    /// The next up to `size` candidates after `after`.
    async fn fetch(
        &mut self,
        conn: &mut DbConn,
        after: Option<&Cursor>,
        size: usize,
    ) -> ApiResult<Vec<Hit<Self::Row>>>;
    /// The provider of a row and the grid slots a booking of it needs.
    fn wanted(row: &Self::Row) -> (&ProviderProfile, usize);
}

/// Candidates already loaded and sorted (the `near` case).
struct Loaded<T>(VecDeque<Hit<T>>);

impl<T> Loaded<T> {
    fn new(mut hits: Vec<Hit<T>>, paging: &Paging) -> Self {
        hits.sort_by(|a, b| compare(paging.sort, &a.key, &b.key));
        let hits: VecDeque<Hit<T>> = match &paging.cursor {
            Some(c) => hits
                .into_iter()
                .filter(|h| compare(paging.sort, &h.key, c) == Ordering::Greater)
                .collect(),
            None => hits.into(),
        };
        Self(hits)
    }

    fn take(&mut self, size: usize) -> Vec<Hit<T>> {
        let n = size.min(self.0.len());
        self.0.drain(..n).collect()
    }
}

async fn run<S: Source>(
    conn: &mut DbConn,
    source: &mut S,
    paging: &Paging,
) -> ApiResult<Found<S::Row>> {
    let limit = paging.limit;
    let batch = if paging.available_on.is_some() {
        AVAILABILITY_BATCH
    } else {
        limit + 1
    };
    let mut items: Vec<Hit<S::Row>> = Vec::new();
    let mut last_seen: Option<Cursor> = paging.cursor.clone();
    let mut scanned = 0;
    let mut exhausted = false;
    'scan: loop {
        let hits = source.fetch(conn, last_seen.as_ref(), batch).await?;
        if hits.len() < batch {
            exhausted = true;
        }
        let free = match paging.available_on {
            Some(date) => {
                let wanted: Vec<(&ProviderProfile, usize)> =
                    hits.iter().map(|h| S::wanted(&h.row)).collect();
                Some(availability::available_on(conn, &wanted, date).await?)
            }
            None => None,
        };
        for hit in hits {
            scanned += 1;
            last_seen = Some(hit.key.clone());
            let keep = match &free {
                Some(free) => {
                    let (profile, n) = S::wanted(&hit.row);
                    free.contains(&(profile.user_id.clone(), n))
                }
                None => true,
            };
            if keep {
                items.push(hit);
                if items.len() > limit {
                    exhausted = false;
                    break 'scan;
                }
            }
        }
        if exhausted || scanned >= SCAN_BUDGET {
            break;
        }
    }
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|h| h.key.encode())
    } else if exhausted {
        None
    } else {
        // The scan budget ran out: continue after the last candidate checked.
        last_seen.map(|c| c.encode())
    };
    Ok(Found { items, next_cursor })
}

// ---- services ----------------------------------------------------------------

struct ServicesSql<'a> {
    filter: &'a ServiceQuery,
    sort: Sort,
}

impl Source for ServicesSql<'_> {
    type Row = ServiceRow;

    async fn fetch(
        &mut self,
        conn: &mut DbConn,
        after: Option<&Cursor>,
        size: usize,
    ) -> ApiResult<Vec<Hit<ServiceRow>>> {
        let rows = q::listed_services(
            conn,
            self.filter,
            &keyset(self.sort, after),
            Some(size as i64),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| service_hit(self.sort, row, None))
            .collect())
    }

    fn wanted(row: &ServiceRow) -> (&ProviderProfile, usize) {
        (&row.1, availability::slots_for(&row.1, &row.0))
    }
}

impl Source for Loaded<ServiceRow> {
    type Row = ServiceRow;

    async fn fetch(
        &mut self,
        _: &mut DbConn,
        _: Option<&Cursor>,
        size: usize,
    ) -> ApiResult<Vec<Hit<ServiceRow>>> {
        Ok(self.take(size))
    }

    fn wanted(row: &ServiceRow) -> (&ProviderProfile, usize) {
        ServicesSql::wanted(row)
    }
}

fn service_hit(sort: Sort, row: ServiceRow, distance_km: Option<f64>) -> Hit<ServiceRow> {
    let key = key(
        sort,
        &row.0.id,
        row.0.price_amount,
        row.1.rating,
        distance_km.map(|d| d * 1000.0),
    );
    Hit {
        row,
        distance_km,
        key,
    }
}

/// Listed services of bookable providers matching `filter`, one page.
pub async fn services(
    conn: &mut DbConn,
    mut filter: ServiceQuery,
    paging: &Paging,
) -> ApiResult<Found<ServiceRow>> {
    match paging.near {
        None => {
            run(
                conn,
                &mut ServicesSql {
                    filter: &filter,
                    sort: paging.sort,
                },
                paging,
            )
            .await
        }
        Some(near) => {
            filter.bbox = Some(geo::bbox(near, paging.radius_km));
            let rows = q::listed_services(conn, &filter, &Keyset::Newest(None), None).await?;
            let hits = rows
                .into_iter()
                .filter_map(|row| {
                    let d = reach(paging, &row.1)?;
                    Some(service_hit(paging.sort, row, d))
                })
                .collect();
            run(conn, &mut Loaded::new(hits, paging), paging).await
        }
    }
}

// ---- providers ---------------------------------------------------------------

struct ProvidersSql<'a> {
    filter: &'a ProviderQuery,
    sort: Sort,
}

impl Source for ProvidersSql<'_> {
    type Row = ProviderRow;

    async fn fetch(
        &mut self,
        conn: &mut DbConn,
        after: Option<&Cursor>,
        size: usize,
    ) -> ApiResult<Vec<Hit<ProviderRow>>> {
        let rows = q::bookable_providers(
            conn,
            self.filter,
            &keyset(self.sort, after),
            Some(size as i64),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| provider_hit(self.sort, row, None))
            .collect())
    }

    fn wanted(row: &ProviderRow) -> (&ProviderProfile, usize) {
        (&row.0, 1)
    }
}

impl Source for Loaded<ProviderRow> {
    type Row = ProviderRow;

    async fn fetch(
        &mut self,
        _: &mut DbConn,
        _: Option<&Cursor>,
        size: usize,
    ) -> ApiResult<Vec<Hit<ProviderRow>>> {
        Ok(self.take(size))
    }

    fn wanted(row: &ProviderRow) -> (&ProviderProfile, usize) {
        (&row.0, 1)
    }
}

fn provider_hit(
    sort: Sort,
    row: (ProviderProfile, ProviderName),
    distance_km: Option<f64>,
) -> Hit<ProviderRow> {
    let key = key(
        sort,
        &row.0.user_id,
        0,
        row.0.rating,
        distance_km.map(|d| d * 1000.0),
    );
    Hit {
        row,
        distance_km,
        key,
    }
}

/// Bookable providers matching `filter`, one page.
pub async fn providers(
    conn: &mut DbConn,
    mut filter: ProviderQuery,
    paging: &Paging,
) -> ApiResult<Found<ProviderRow>> {
    match paging.near {
        None => {
            run(
                conn,
                &mut ProvidersSql {
                    filter: &filter,
                    sort: paging.sort,
                },
                paging,
            )
            .await
        }
        Some(near) => {
            filter.bbox = Some(geo::bbox(near, paging.radius_km));
            let rows = q::bookable_providers(conn, &filter, &Keyset::Newest(None), None).await?;
            let hits = rows
                .into_iter()
                .filter_map(|row| {
                    let d = reach(paging, &row.0)?;
                    Some(provider_hit(paging.sort, row, d))
                })
                .collect();
            run(conn, &mut Loaded::new(hits, paging), paging).await
        }
    }
}
