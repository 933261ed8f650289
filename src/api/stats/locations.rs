use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

/// Cells are this many degrees on a side (about 55 km north-south).
const CELL_DEG: f64 = 0.5;
/// A cell with fewer providers is not shown on its own (it would come close
/// to placing someone); they are counted in `elsewhere`.
const MIN_PER_CELL: i64 = 3;

#[derive(Serialize, ToSchema)]
pub struct CellView {
    /// The cell's south-west corner and its centre, in degrees.
    pub south: f64,
    pub west: f64,
    pub center_lat: f64,
    pub center_lng: f64,
    pub providers: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderLocations {
    pub cell_degrees: f64,
    /// Cells with at least 3 active providers, most first.
    pub cells: Vec<CellView>,
    /// Active providers in cells with fewer than 3, or without a base.
    pub elsewhere: i64,
}

/// Where active providers are, by coarse cell: never a position.
#[utoipa::path(get, path = "/v1/stats/providers/locations", tag = "stats",
    responses((status = 200, body = ProviderLocations)))]
pub async fn get(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let providers = state
        .with_db(async |c| Ok(db::stats::provider_bases(c).await?))
        .await?;
    let active = providers.len() as i64;
    let mut cells: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for (lat, lng) in providers.iter().flatten() {
        let key = (
            (lat / CELL_DEG).floor() as i64,
            (lng / CELL_DEG).floor() as i64,
        );
        *cells.entry(key).or_default() += 1;
    }
    let mut shown: Vec<CellView> = cells
        .into_iter()
        .filter(|(_, n)| *n >= MIN_PER_CELL)
        .map(|((y, x), n)| {
            let (south, west) = (y as f64 * CELL_DEG, x as f64 * CELL_DEG);
            CellView {
                south,
                west,
                center_lat: south + CELL_DEG / 2.0,
                center_lng: west + CELL_DEG / 2.0,
                providers: n,
            }
        })
        .collect();
    shown.sort_by_key(|c| std::cmp::Reverse(c.providers));
    let in_cells: i64 = shown.iter().map(|c| c.providers).sum();
    Ok(HttpResponse::Ok().json(ProviderLocations {
        cell_degrees: CELL_DEG,
        cells: shown,
        elsewhere: (active - in_cells).max(0),
    }))
}
