//! Booking ownership between nodes. A node takes a booking's lease before
//! it starts the booking's session ([`claim`]). Its bookings' leases hold as
//! long as its own row does, which the [`keeper`] renews every third of a
//! lease (one row, however many bookings); the keeper also gives back the
//! leases of sessions that stopped, and stops a session whose lease another
//! node took (possible only after this node's row lapsed). The journal
//! checks the lease's token inside every write's transaction ([`Fences`]),
//! so a node that lost a booking can never commit to it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix_web::web;
use onsite_actors::messages::{LiveSessions, SessionError, StopSession};

use crate::db::{self, leases::Claim};
use crate::state::AppState;

use super::Cluster;
pub use crate::journal::fence::{booking_lease, Fences};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ttl_ms(cluster: &Cluster) -> i64 {
    cluster.config.lease.as_millis() as i64
}

/// Takes the booking's lease for this node, unless another node holds it:
/// then names that node. A holder that stopped answering is refused with
/// the time left on its lease, so that clients wait for the takeover
/// instead of asking again at once.
pub async fn claim(
    state: &AppState,
    cluster: &Cluster,
    booking_id: &str,
) -> Result<Option<String>, SessionError> {
    let name = booking_lease(booking_id);
    let claim = state
        .db
        .run(async |c| {
            // A booking's lease holds only while this node's row does.
            if now_ms() >= cluster.alive_until.load(Ordering::Relaxed) {
                renew(c, cluster).await?;
            }
            db::leases::claim_booking(c, &name, &cluster.node_id, now_ms()).await
        })
        .await
        .map_err(|e| SessionError::Unavailable(format!("lease: {e}")))?
        .map_err(|e| SessionError::Unavailable(format!("lease: {e}")))?;
    match claim {
        Claim::Held(token) => {
            cluster.fences.set(booking_id, token);
            Ok(None)
        }
        Claim::Taken { node_id, .. } if node_id.is_empty() => Err(SessionError::Unavailable(
            "the booking is changing hands; try again".into(),
        )),
        Claim::Taken {
            node_id,
            expires_at,
        } if cluster.went_silent(&node_id) => Err(SessionError::OwnerSilent {
            retry_after_ms: super::retry_after(expires_at - now_ms(), cluster.config.lease),
        }),
        Claim::Taken { node_id, .. } => Ok(Some(node_id)),
    }
}

/// Takes a background pass's lease (`job:<name>`): true while this node
/// is the one to run it.
pub async fn claim_job(state: &AppState, job: &str, ttl: Duration) -> bool {
    let Some(cluster) = &state.cluster else {
        return true;
    };
    let name = format!("job:{job}");
    let ttl = ttl.max(cluster.config.lease).as_millis() as i64;
    matches!(
        state
            .db
            .run(async |c| db::leases::claim(c, &name, &cluster.node_id, now_ms(), ttl).await)
            .await,
        Ok(Ok(Claim::Held(_)))
    )
}

/// Renews this node's row; true when it had lapsed (or is new).
async fn renew(c: &mut db::DbConn, cluster: &Cluster) -> diesel::QueryResult<bool> {
    let until = now_ms() + ttl_ms(cluster);
    let lapsed = db::leases::renew_node(c, &cluster.node_id, now_ms(), until).await?;
    cluster.alive_until.store(until, Ordering::Relaxed);
    Ok(lapsed)
}

/// Every this many rounds the keeper reads which bookings' leases still name
/// this node, even when its row never lapsed (clocks may disagree).
const VERIFY_EVERY: u32 = 10;

/// Keeps this node's leases: renews its row, stops the sessions whose lease
/// is gone, gives back the leases of sessions that stopped.
pub(super) async fn keeper(state: web::Data<AppState>) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let every = cluster.config.lease / 3;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut round: u32 = 0;
    loop {
        tick.tick().await;
        // Leases taken after the read are not in its answer: they are judged
        // on a later round.
        let asked = Instant::now();
        let verify = round % VERIFY_EVERY == 0;
        round = round.wrapping_add(1);
        let renewed = state
            .db
            .run(async |c| {
                let lapsed = renew(c, &cluster).await?;
                if lapsed || verify {
                    db::leases::held(c, &cluster.node_id).await.map(Some)
                } else {
                    Ok(None)
                }
            })
            .await;
        let held: Option<HashMap<String, i64>> = match renewed {
            Ok(Ok(rows)) => rows.map(|rows| rows.into_iter().collect()),
            other => {
                let error = match other {
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => e.to_string(),
                    Ok(Ok(_)) => String::new(),
                };
                tracing::error!(%error, "could not renew this node's lease; its bookings move to other nodes if this lasts a lease");
                continue;
            }
        };
        let live: std::collections::HashSet<String> = state
            .dispatcher
            .send(LiveSessions)
            .await
            .map(|s| s.into_iter().map(|(id, _)| id).collect())
            .unwrap_or_default();
        for (booking_id, token, taken_at) in cluster.fences.all() {
            if taken_at >= asked {
                continue;
            }
            let lost = held
                .as_ref()
                .is_some_and(|h| h.get(&booking_lease(&booking_id)) != Some(&token));
            if lost {
                tracing::warn!(booking = %booking_id, "another node took this booking's lease; stopping its session here");
                cluster.fences.remove(&booking_id);
                state.dispatcher.do_send(StopSession { booking_id });
            } else if !live.contains(&booking_id) && taken_at.elapsed() >= every * 2 {
                release(&state, &cluster, &booking_id, token).await;
            }
        }
    }
}

async fn release(state: &AppState, cluster: &Cluster, booking_id: &str, token: i64) {
    cluster.fences.remove(booking_id);
    let name = booking_lease(booking_id);
    if let Err(e) = state
        .db
        .run(async |c| db::leases::release(c, &name, &cluster.node_id, token).await)
        .await
    {
        tracing::warn!(booking = %booking_id, error = %e, "could not give a lease back; it lapses by itself");
    }
}

/// Gives back every lease (graceful shutdown).
pub(super) async fn release_all(state: &AppState, cluster: &Cluster) {
    for (booking_id, _, _) in cluster.fences.all() {
        cluster.fences.remove(&booking_id);
    }
    if let Err(e) = state
        .db
        .run(async |c| db::leases::release_node(c, &cluster.node_id).await)
        .await
    {
        tracing::warn!(error = %e, "could not give this node's leases back; they lapse by themselves");
    }
}
