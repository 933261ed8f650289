//! Prometheus metrics (`GET /metrics`, text format) through the `metrics`
//! facade and its Prometheus exporter. Counters and histograms are recorded
//! where things happen (requests, frames, pool waits, sweeps); the state
//! gauges (live sessions, sockets, outbox depth, pool) are read when the
//! endpoint is scraped, so they cost nothing in between.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{http::header, web, HttpResponse};
use metrics::{counter, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use onsite_actors::messages::TakeCensus;

use crate::state::AppState;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process's recorder once (several servers in one test
/// process share it) and returns its handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| b.set_buckets(LATENCY_BUCKETS))
            .map(PrometheusBuilder::build_recorder);
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                if metrics::set_global_recorder(recorder).is_err() {
                    tracing::warn!(
                        "a metrics recorder was already installed; /metrics may be empty"
                    );
                }
                handle
            }
            Err(e) => {
                tracing::error!(error = %e, "metrics recorder not built");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

/// One HTTP request, by route template (not the raw path: bounded labels).
pub fn request(method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
    let route = route.unwrap_or("unmatched").to_owned();
    let method = method.to_owned();
    counter!("onsite_http_requests_total", "method" => method.clone(), "route" => route.clone(),
        "status" => status.to_string())
    .increment(1);
    metrics::histogram!("onsite_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
}

/// A checkout from the database pool.
pub fn pool_wait(elapsed: Duration) {
    metrics::histogram!("onsite_db_pool_wait_seconds").record(elapsed.as_secs_f64());
}

/// One sweeper pass.
pub fn sweep(ok: bool, elapsed: Duration) {
    counter!("onsite_sweeper_runs_total", "outcome" => if ok { "ok" } else { "failed" })
        .increment(1);
    metrics::histogram!("onsite_sweeper_duration_seconds").record(elapsed.as_secs_f64());
}

/// The counters a socket bumps per frame, looked up once per connection.
pub struct FrameCounters {
    pub fixes: metrics::Counter,
    pub chat: metrics::Counter,
}

impl FrameCounters {
    pub fn new(via: &'static str) -> Self {
        Self {
            fixes: counter!("onsite_location_fixes_total", "via" => via),
            chat: counter!("onsite_chat_messages_total", "via" => via),
        }
    }
}

/// Reads the state gauges and renders every metric.
async fn render(state: &AppState) -> String {
    if let Ok(census) = state.dispatcher.send(TakeCensus).await {
        gauge!("onsite_booking_sessions").set(census.sessions as f64);
        gauge!("onsite_ws_connections").set(census.connections as f64);
        gauge!("onsite_admin_monitors").set(census.monitors as f64);
    }
    let (replaced, dropped) = onsite_actors::client::coalescing_totals();
    counter!("onsite_frames_coalesced_total", "how" => "replaced").absolute(replaced);
    counter!("onsite_frames_coalesced_total", "how" => "dropped").absolute(dropped);
    let pool = state.db.status();
    gauge!("onsite_db_pool_connections", "state" => "in_use")
        .set(pool.size.saturating_sub(pool.available) as f64);
    gauge!("onsite_db_pool_connections", "state" => "idle").set(pool.available as f64);
    gauge!("onsite_db_pool_max").set(pool.max_size as f64);
    gauge!("onsite_db_pool_waiting").set(pool.waiting as f64);
    match state
        .db
        .run(async |c| crate::db::outbox::depth(c).await)
        .await
    {
        Ok(Ok(rows)) => {
            let now = crate::db::now();
            for channel in crate::domain::Channel::ALL {
                let name = channel.to_string();
                let (depth, oldest) = rows
                    .iter()
                    .find(|(c, ..)| *c == name)
                    .map_or((0, None), |(_, n, oldest)| (*n, *oldest));
                let age =
                    oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
                gauge!("onsite_outbox_depth", "channel" => name.clone()).set(depth as f64);
                gauge!("onsite_outbox_oldest_age_seconds", "channel" => name).set(age);
            }
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "outbox depth not read for /metrics"),
        Err(e) => tracing::warn!(error = %e, "outbox depth not read for /metrics"),
    }
    let handle = install();
    handle.run_upkeep();
    handle.render()
}

/// The metrics in Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", description = "Prometheus text format 0.0.4")))]
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(render(&state).await)
}
