//! Graceful shutdown on SIGTERM or SIGINT, within `ONSITE_SHUTDOWN_GRACE_S`:
//! sockets are told to reconnect (close 1012, "service restart"), the server
//! stops accepting and finishes the requests it has (with the session
//! commands they wait for), the journal's queued writes (commits, chat,
//! trail points) are stored, and the outboxes get one last round. Whatever
//! the grace period cuts off is still durable: outbox rows stay queued for
//! the next start, and an unanswered chat is resent by its client with the
//! same `client_msg_id`.

use std::time::Duration;

use actix_web::dev::ServerHandle;
use onsite_actors::messages::CloseAll;

use crate::state::AppState;

/// The close code that tells clients to reconnect (to another node or to
/// this one once it is back).
pub const RESTART: u16 = 1012;

/// Resolves on the first SIGTERM or SIGINT.
pub async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                    _ = int.recv() => tracing::info!("SIGINT: shutting down"),
                }
            }
            _ => {
                tracing::error!("signal handlers not installed; stop with SIGKILL");
                std::future::pending::<()>().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the shutdown steps; the servers are stopped when it returns.
pub async fn drain(state: &AppState, servers: &[ServerHandle]) {
    let grace = state.config.edge.shutdown_grace;
    let deadline = tokio::time::Instant::now() + grace;
    let sockets = state
        .dispatcher
        .send(CloseAll { code: RESTART })
        .await
        .unwrap_or(0);
    tracing::info!(
        sockets,
        grace_s = grace.as_secs(),
        "sockets told to reconnect; finishing requests"
    );
    // Stops accepting; waits for in-flight requests (bounded by the
    // servers' shutdown timeout, which is the grace period).
    for server in servers {
        let _ = tokio::time::timeout_at(deadline, server.stop(true)).await;
    }
    // Fire-and-forget writes (trail points) and commits started by sockets
    // that were closing.
    tokio::time::sleep(Duration::from_millis(20)).await;
    if !state.journal.flush(deadline).await {
        tracing::warn!("journal writes still queued at the end of the grace period");
    }
    // Other nodes take this node's bookings now, not after a lease.
    crate::cluster::leave(state).await;
    match tokio::time::timeout_at(deadline, crate::notify::worker::drain(state)).await {
        Ok(Ok(sent)) => tracing::info!(sent, "outboxes drained"),
        Ok(Err(e)) => tracing::warn!(error = %e, "outbox drain failed; rows stay queued"),
        Err(_) => tracing::warn!("outboxes not drained within the grace period; rows stay queued"),
    }
    tracing::info!("stopped");
}
