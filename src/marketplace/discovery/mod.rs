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

mod query;

pub use query::{
    parse_bool, parse_date, parse_f64, parse_i64, parse_near, parse_paging, parse_text, Paging,
    Sort, DEFAULT_LIMIT, DEFAULT_RADIUS_KM, MAX_LIMIT, MAX_RADIUS_KM,
};

use std::cmp::Ordering;
use std::collections::VecDeque;

use super::cursor::Cursor;
use super::geo;
use crate::availability;
use crate::db::discovery::{
    self as q, Keyset, ProviderName, ProviderQuery, ProviderRow, ServiceQuery, ServiceRow,
};
use crate::db::providers::ProviderProfile;
use crate::db::DbConn;
use crate::error::ApiResult;

/// Candidates checked for `available_on` in one request.
pub const SCAN_BUDGET: usize = 500;
const AVAILABILITY_BATCH: usize = 100;

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
