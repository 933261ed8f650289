//! The Redis connections: one publisher (frames, requests, answers and the
//! presence set, in order, pipelined) and one listener (the node's channel,
//! everyone's channel, the followed bookings' channels, and every booking's
//! while an admin monitors here). Each reconnects with backoff on its own.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use futures_util::StreamExt;
use onsite_actors::client::CoalesceKey;
use onsite_actors::fanout::Published;
use onsite_actors::messages::{
    CloseUser, Deliver, DeliverConn, Monitored, RemoteFrame, TransportRecovered,
};
use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;
use tokio::sync::mpsc;

use super::wire::{self, AllMsg, NodeMsg};
use super::{lock, Cluster, Listen, Outgoing};
use crate::state::AppState;

const BATCH: usize = 512;
pub(super) const HEARTBEAT: Duration = Duration::from_secs(1);

/// Waits before the next attempt: 100 ms doubling up to 5 s.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Self {
        Self(Duration::from_millis(100))
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }
}

async fn connect(cluster: &Cluster) -> redis::RedisResult<MultiplexedConnection> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Duration::from_secs(2))
        .set_response_timeout(Duration::from_secs(5));
    cluster
        .client
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// Sends everything queued for Redis, in order, batched into pipelines.
pub(super) async fn publisher(cluster: Arc<Cluster>, mut rx: mpsc::Receiver<Outgoing>) {
    let mut backoff = Backoff::new();
    let mut was_up = false;
    let mut first = true;
    loop {
        let mut conn = match connect(&cluster).await {
            Ok(c) => c,
            Err(e) => {
                cluster.publishing.store(false, Ordering::Relaxed);
                if was_up || first {
                    tracing::error!(error = %e, "Redis unreachable: commands and frames for other nodes are not delivered until it is back");
                    was_up = false;
                    first = false;
                }
                // What waits now would be stale when Redis is back.
                while rx.try_recv().is_ok() {}
                backoff.wait().await;
                continue;
            }
        };
        if !first {
            tracing::info!("Redis reachable again: publishing to the other nodes");
        }
        first = false;
        was_up = true;
        backoff = Backoff::new();
        cluster.publishing.store(true, Ordering::Relaxed);
        if let Some(d) = cluster.dispatcher.get() {
            // Sessions say where they are (what was lost while down).
            d.do_send(TransportRecovered);
        }
        let mut batch = Vec::with_capacity(BATCH);
        let mut probes = Vec::with_capacity(BATCH);
        loop {
            if rx.recv_many(&mut batch, BATCH).await == 0 {
                return;
            }
            let mut pipe = redis::pipe();
            // A booking frame's count of receivers says whether any node
            // listens; everything else's reply is ignored.
            probes.clear();
            for out in batch.drain(..) {
                match out {
                    Outgoing::Publish {
                        channel,
                        payload,
                        probe: Some(probe),
                    } => {
                        pipe.cmd("PUBLISH").arg(channel).arg(payload);
                        probes.push(probe);
                    }
                    Outgoing::Publish {
                        channel, payload, ..
                    } => {
                        pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
                    }
                    Outgoing::Command(cmd) => {
                        pipe.add_command(cmd).ignore();
                    }
                }
            }
            match pipe.query_async::<Vec<i64>>(&mut conn).await {
                Ok(receivers) => {
                    for (probe, n) in probes.drain(..).zip(receivers) {
                        if n == 0 {
                            cluster.reached_nobody(probe);
                        }
                    }
                }
                Err(e) => {
                    cluster.publishing.store(false, Ordering::Relaxed);
                    tracing::error!(error = %e, "lost Redis while publishing; reconnecting");
                    break;
                }
            }
        }
    }
}

/// Listens to this node's channels until the server stops.
pub(super) async fn listener(state: web::Data<AppState>, mut rx: mpsc::UnboundedReceiver<Listen>) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let mut backoff = Backoff::new();
    let mut followed: HashSet<String> = HashSet::new();
    let mut first = true;
    loop {
        let pubsub = match cluster.client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                if cluster.listening.swap(false, Ordering::Relaxed) || first {
                    tracing::error!(error = %e, "Redis unreachable: this node hears nothing from the others until it is back");
                    first = false;
                }
                // Keep taking requests (answered at once: nothing to wait for).
                while let Ok(cmd) = rx.try_recv() {
                    match cmd {
                        Listen::Follow(id, done) => {
                            followed.insert(wire::booking_channel(&id));
                            let _ = done.send(());
                        }
                        Listen::Unfollow(ids) => {
                            for id in ids {
                                followed.remove(&wire::booking_channel(&id));
                            }
                        }
                        Listen::WatchAll(done) => {
                            let _ = done.send(());
                        }
                    }
                }
                backoff.wait().await;
                continue;
            }
        };
        let (mut sink, mut stream) = pubsub.split();
        let mut channels: Vec<String> =
            vec![wire::node_channel(&cluster.node_id), wire::ALL.to_owned()];
        channels.extend(followed.iter().cloned());
        if let Err(e) = sink.subscribe(&channels).await {
            tracing::error!(error = %e, "could not subscribe on Redis; reconnecting");
            backoff.wait().await;
            continue;
        }
        let mut monitoring = false;
        if !first {
            tracing::info!("Redis reachable again: listening to the other nodes");
        }
        let recovered = !first;
        first = false;
        backoff = Backoff::new();
        cluster.listening.store(true, Ordering::Relaxed);
        // Owners that saw this node's channels reach nobody while it was
        // away publish to it again (and this node may have missed others
        // saying so).
        cluster.heard_all();
        cluster.broadcast(&AllMsg::Listening {
            from: cluster.node_id.to_string(),
        });
        load_presence(&cluster).await;
        if recovered {
            if let Some(d) = cluster.dispatcher.get() {
                // Mirrors read what they missed.
                d.do_send(TransportRecovered);
            }
        }
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(msg) = msg else { break };
                    on_message(&state, &cluster, &msg);
                }
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { return };
                    let ok = match cmd {
                        Listen::Follow(id, done) => {
                            let channel = wire::booking_channel(&id);
                            let ok = followed.contains(&channel) || sink.subscribe(&channel).await.is_ok();
                            if ok {
                                followed.insert(channel);
                            }
                            let _ = done.send(());
                            ok
                        }
                        Listen::Unfollow(ids) => {
                            let gone: Vec<String> = ids.iter().map(|id| wire::booking_channel(id)).filter(|c| followed.remove(c)).collect();
                            gone.is_empty() || sink.unsubscribe(&gone).await.is_ok()
                        }
                        Listen::WatchAll(done) => {
                            let ok = monitoring || sink.psubscribe(wire::BOOKINGS).await.is_ok();
                            if ok && !monitoring {
                                cluster.broadcast(&AllMsg::Listening { from: cluster.node_id.to_string() });
                            }
                            monitoring = ok;
                            let _ = done.send(());
                            ok
                        }
                    };
                    if !ok {
                        break;
                    }
                }
                _ = tick.tick() => {
                    // Every booking's frames while an admin monitors here.
                    let wanted = cluster.monitors_on.get().is_some_and(|f| f.load(Ordering::Relaxed));
                    if wanted != monitoring {
                        let done = if wanted { sink.psubscribe(wire::BOOKINGS).await } else { sink.punsubscribe(wire::BOOKINGS).await };
                        if done.is_err() {
                            break;
                        }
                        if wanted {
                            cluster.broadcast(&AllMsg::Listening { from: cluster.node_id.to_string() });
                        }
                        monitoring = wanted;
                    }
                }
            }
        }
        cluster.listening.store(false, Ordering::Relaxed);
        tracing::error!(
            "lost Redis: this node hears nothing from the others until it is back; reconnecting"
        );
        backoff.wait().await;
    }
}

fn on_message(state: &web::Data<AppState>, cluster: &Arc<Cluster>, msg: &redis::Msg) {
    let channel = msg.get_channel_name();
    let Some(dispatcher) = cluster.dispatcher.get() else {
        return;
    };
    if let Some(booking_id) = channel.strip_prefix("onsite:b:") {
        let Some((from, out)) = wire::decode_frame(booking_id, msg.get_payload_bytes()) else {
            tracing::warn!(%channel, "a malformed frame from another node was ignored");
            return;
        };
        if msg.from_pattern() {
            // For this node's monitors (its own sessions told them already).
            if from == *cluster.node_id {
                return;
            }
            let (text, key) = match out.frame {
                Published::Event { text, .. } => (text, None),
                Published::Shaped { kind, role, text } => (
                    text,
                    Some(CoalesceKey {
                        booking_id: out.booking_id.clone(),
                        kind,
                        role,
                    }),
                ),
                Published::Sync { .. } => return,
            };
            dispatcher.do_send(Monitored {
                booking_id: out.booking_id,
                status: out.status,
                text,
                key,
            });
        } else {
            dispatcher.do_send(RemoteFrame(out));
        }
        return;
    }
    if channel == wire::ALL {
        match serde_json::from_slice::<AllMsg>(msg.get_payload_bytes()) {
            Ok(all) => on_all(cluster, dispatcher, all),
            Err(e) => {
                tracing::warn!(error = %e, "a malformed message from another node was ignored")
            }
        }
        return;
    }
    match serde_json::from_slice::<NodeMsg>(msg.get_payload_bytes()) {
        Ok(NodeMsg::Reply { id, outcome }) => cluster.answered(id, outcome),
        Ok(NodeMsg::Frame {
            user_id,
            conn_id,
            text,
        }) => dispatcher.do_send(DeliverConn {
            user_id,
            conn_id,
            text: text.into(),
        }),
        Ok(NodeMsg::Request {
            id,
            from,
            booking_id,
            command,
        }) => {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                super::serve::serve(&state, id, from, booking_id, command).await;
            });
        }
        Err(e) => tracing::warn!(error = %e, "a malformed request from another node was ignored"),
    }
}

fn on_all(
    cluster: &Cluster,
    dispatcher: &actix::Addr<onsite_actors::dispatcher::Dispatcher>,
    msg: AllMsg,
) {
    match msg {
        AllMsg::Deliver {
            from,
            user_id,
            admins,
            text,
        } if from != *cluster.node_id => dispatcher.do_send(Deliver {
            user_id,
            admins,
            text: text.into(),
        }),
        AllMsg::Close {
            from,
            user_id,
            code,
        } if from != *cluster.node_id => dispatcher.do_send(CloseUser { user_id, code }),
        AllMsg::Hello {
            from,
            online,
            offline,
        } if from != *cluster.node_id => {
            lock(&cluster.peers).insert(from.clone(), Instant::now());
            for user in online {
                cluster.presence.remote_change(&from, &user, true);
            }
            for user in offline {
                cluster.presence.remote_change(&from, &user, false);
            }
        }
        AllMsg::Live {
            from,
            booking_id,
            provider_id,
            status,
        } if from != *cluster.node_id => cluster.live.note_state(&booking_id, &provider_id, status),
        AllMsg::Listening { from } if from != *cluster.node_id => cluster.heard_all(),
        AllMsg::Bye { from } if from != *cluster.node_id => {
            lock(&cluster.peers).remove(&from);
            cluster.presence.remote_forget(&from);
        }
        _ => {}
    }
}

/// Reads every other node's presence set (after connecting: what was said
/// while this node was not listening).
async fn load_presence(cluster: &Cluster) {
    let Ok(mut conn) = connect(cluster).await else {
        return;
    };
    let keys: Vec<String> = match redis::cmd("KEYS")
        .arg("onsite:presence:*")
        .query_async(&mut conn)
        .await
    {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the other nodes' presence");
            return;
        }
    };
    let own = wire::presence_key(&cluster.node_id);
    for key in keys.into_iter().filter(|k| *k != own) {
        let Some(node) = key.strip_prefix("onsite:presence:") else {
            continue;
        };
        let users: Vec<String> = redis::cmd("SMEMBERS")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        cluster
            .presence
            .remote_replace(node, users.into_iter().map(Arc::from).collect());
        lock(&cluster.peers).insert(node.to_owned(), Instant::now());
    }
}

/// Every second: say this node is alive with who came and went, keep the
/// node's presence set in Redis (expiring if the node dies), forget nodes
/// that went silent, and stop following bookings no mirror needs.
pub(super) async fn heartbeat(cluster: Arc<Cluster>) {
    let mut announced: HashSet<Arc<str>> = HashSet::new();
    let mut announced_version: Option<u64> = None;
    let mut was_publishing = false;
    let mut tick = tokio::time::interval(HEARTBEAT);
    let mut rounds: u64 = 0;
    let ttl_ms = (cluster.config.lease.as_millis() as u64).max(3000);
    let key = wire::presence_key(&cluster.node_id);
    loop {
        tick.tick().await;
        rounds += 1;
        let publishing = cluster.publishing.load(Ordering::Relaxed);
        if publishing && !was_publishing {
            // A fresh start (or Redis lost our set): write all of it again.
            let mut del = redis::cmd("DEL");
            del.arg(&key);
            cluster.send(Outgoing::Command(del));
            announced.clear();
            announced_version = None;
        }
        was_publishing = publishing;
        if publishing {
            // Copy and compare this node's users only when they changed: a
            // node with tens of thousands of sockets would otherwise hash
            // every one of them twice a second for nothing.
            let version = cluster.presence.version();
            let (online, offline) = if announced_version == Some(version) {
                (Vec::new(), Vec::new())
            } else {
                let now: HashSet<Arc<str>> = cluster.presence.here().into_iter().collect();
                let online = now.difference(&announced).map(|u| u.to_string()).collect();
                let offline = announced.difference(&now).map(|u| u.to_string()).collect();
                announced = now;
                announced_version = Some(version);
                (online, offline)
            };
            if !online.is_empty() {
                let mut add = redis::cmd("SADD");
                add.arg(&key).arg(&online);
                cluster.send(Outgoing::Command(add));
            }
            if !offline.is_empty() {
                let mut rem = redis::cmd("SREM");
                rem.arg(&key).arg(&offline);
                cluster.send(Outgoing::Command(rem));
            }
            let mut expire = redis::cmd("PEXPIRE");
            expire.arg(&key).arg(ttl_ms);
            cluster.send(Outgoing::Command(expire));
            cluster.broadcast(&AllMsg::Hello {
                from: cluster.node_id.to_string(),
                online,
                offline,
            });
        }
        // Nodes not heard of for a lease are gone, with their users.
        let gone: Vec<String> = {
            let mut peers = lock(&cluster.peers);
            let dead: Vec<String> = peers
                .iter()
                .filter(|(_, at)| at.elapsed() >= cluster.config.lease)
                .map(|(n, _)| n.clone())
                .collect();
            for n in &dead {
                peers.remove(n);
            }
            dead
        };
        for node in gone {
            tracing::warn!(%node, "a node went silent; its users are offline");
            cluster.presence.remote_forget(&node);
        }
        if rounds % 30 == 0 {
            unfollow_unused(&cluster).await;
            cluster.forget_quiet();
        }
    }
}

/// Stops listening to bookings that no mirror here needs any more (and that
/// nobody asked for in the last minute).
async fn unfollow_unused(cluster: &Cluster) {
    let Some(dispatcher) = cluster.dispatcher.get() else {
        return;
    };
    let Ok(mirrors) = dispatcher.send(onsite_actors::messages::Mirrors).await else {
        return;
    };
    let mirrors: HashSet<String> = mirrors.into_iter().collect();
    let stale: Vec<String> = {
        let mut followed = lock(&cluster.followed);
        let stale: Vec<String> = followed
            .iter()
            .filter(|(id, at)| !mirrors.contains(*id) && at.elapsed() >= Duration::from_secs(60))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &stale {
            followed.remove(id);
        }
        stale
    };
    if !stale.is_empty() {
        let _ = cluster.listen.send(Listen::Unfollow(stale));
    }
}
