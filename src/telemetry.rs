//! Logging: `tracing` to stderr, filtered by `ONSITE_LOG` (or `RUST_LOG`);
//! with `ONSITE_LOG_FORMAT=json`, one JSON object per line carrying the
//! fields of the spans it happened in (`request_id` of the request,
//! `conn`, `user` and `role` of a websocket).

use tracing_subscriber::EnvFilter;

pub fn init(filter: &str, json: bool) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_new(filter).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    // A second init (several servers in one test process) keeps the first.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}
