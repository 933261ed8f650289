//! Saved addresses without a location are placed in the background: woken
//! when one is saved, and every half minute for any left over (a restart, an
//! outage of the geocoder). An answer for an address that changed while the
//! question was out is thrown away; the changed address is asked about anew.

use std::time::Duration;

use actix_web::web;

use crate::db;
use crate::domain::GeocodeStatus;
use crate::state::AppState;

/// Tries before an address the geocoder cannot answer for is given up
/// (`not_found`: the user then places it by hand).
const GIVE_UP_AFTER: i32 = 5;
const BATCH: i64 = 20;

pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        loop {
            let _ = tokio::time::timeout(Duration::from_secs(30), state.geo_wake.notified()).await;
            match run_once(&state).await {
                Ok(n) if n > 0 => tracing::debug!(located = n, "addresses geocoded"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "geocoding addresses failed; will retry"),
            }
        }
    });
}

/// Asks about every pending address once; returns how many were settled.
pub async fn run_once(state: &AppState) -> anyhow::Result<usize> {
    let pending = state
        .db
        .run(async |c| db::addresses::pending(c, BATCH).await)
        .await??;
    let mut settled = 0;
    for address in pending {
        let answer = state.geocoder.search(&address.one_line(), "en", 1).await;
        let id = address.id.clone();
        let seen = address.updated_at;
        match answer {
            Ok(places) => {
                let found = places.first().map(|p| (p.lat, p.lng));
                let recorded = state
                    .db
                    .run(async |c| db::addresses::record_geocode(c, &id, seen, found).await)
                    .await??;
                if recorded {
                    settled += 1;
                    let status = if found.is_some() {
                        GeocodeStatus::Found
                    } else {
                        GeocodeStatus::NotFound
                    };
                    tracing::info!(address = %id, %status, "address geocoded");
                }
            }
            Err(e) => {
                tracing::warn!(address = %id, error = %e, "could not geocode an address; will retry");
                state
                    .db
                    .run(async |c| db::addresses::record_try(c, &id, GIVE_UP_AFTER).await)
                    .await??;
                // The service is down or over its limit: the rest can wait.
                break;
            }
        }
    }
    Ok(settled)
}
