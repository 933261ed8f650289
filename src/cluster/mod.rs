//! Several nodes: each node with `ONSITE_REDIS_URL` set (and the shared
//! PostgreSQL) joins the cluster; without it a node runs alone and none of
//! this starts.
//!
//! - Ownership ([`leases`]): a live booking's single writer is the session
//!   on the node holding its lease (a row in `leases`, renewed while the
//!   node lives, with a fencing token the journal checks on every write).
//! - Routing ([`route`]): a command for a booking another node owns is
//!   forwarded there over Redis and answered through it ([`serve`] answers).
//! - Frames: an owner publishes each frame of its sessions once, on the
//!   booking's channel; the nodes with subscribers of the booking hand them
//!   out through a [`Mirror`](onsite_actors::mirror::Mirror). A booking
//!   whose last frame reached no node goes quiet: its shaped frames
//!   (locations) stay home until a node asks for its snapshot or starts
//!   listening to every booking ([`Quiet`]); journaled events always go out.
//! - Users: notifications and revocations reach a user's sockets on every
//!   node; presence is shared (a Redis set per node, expiring with it).
//!
//! Redis is a transport, not a store: when it is down, cross-node delivery
//! stops (logged, and `/health/ready` says `degraded`), the node keeps
//! serving what it owns, and everything recovers by itself; a mirror then
//! reads what it missed from the journal.

pub mod leases;
mod link;
pub mod route;
mod serve;
pub mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix::Addr;
use actix_web::web;
use onsite_actors::booking::BookingState;
use onsite_actors::dispatcher::Dispatcher;
use onsite_actors::fanout::{Fanout, Outbound, Published};
use onsite_actors::messages::{Deliver, SessionError};
use onsite_actors::presence::Presence;
use tokio::sync::{mpsc, oneshot};

use crate::config::ClusterConfig;
use crate::state::AppState;
use wire::{AllMsg, Answer, Command, NodeMsg};

/// A retry hint is this much after the lease lapses (clocks, the trip).
const RETRY_MARGIN_MS: i64 = 100;
/// The shortest retry hint: a client told to come back sooner would only
/// hammer the node.
const RETRY_MIN_MS: i64 = 250;

/// The retry hint for a booking whose silent owner's lease lapses in
/// `left_ms`: a little after that, never more than a lease.
pub(crate) fn retry_after(left_ms: i64, lease: Duration) -> u64 {
    let lease_ms = (lease.as_millis() as i64).max(RETRY_MIN_MS);
    left_ms
        .saturating_add(RETRY_MARGIN_MS)
        .clamp(RETRY_MIN_MS, lease_ms) as u64
}

/// Frames and messages waiting for the Redis connection; beyond this they
/// are dropped (and counted): a mirror reads lost events from the journal.
const OUTGOING_CAPACITY: usize = 200_000;

/// How long a booking whose frames reached no other node keeps its shaped
/// frames home, unless a node asks for it sooner; then one goes out again
/// to look (a safety net: the asking is what normally ends it).
const QUIET_FOR: Duration = Duration::from_secs(60);

/// What the publisher sends, in order, on one connection.
enum Outgoing {
    /// `probe`: a booking's frame, whose count of receivers tells whether
    /// any node listens to the booking.
    Publish {
        channel: String,
        payload: Vec<u8>,
        probe: Option<Probe>,
    },
    Command(redis::Cmd),
}

/// A booking frame on its way, with [`Quiet::generation`] when it left.
struct Probe {
    booking_id: Arc<str>,
    generation: u64,
}

/// Bookings no other node listens to, by when a publication of theirs
/// reached nobody. A node that starts listening (asks for a snapshot, or
/// subscribes to every booking) says so first, which bumps `generation`:
/// a count of zero from a frame that left before that says nothing about
/// now, so it is not taken as quiet.
#[derive(Default)]
struct Quiet {
    since: HashMap<Arc<str>, Instant>,
    generation: u64,
}

impl Quiet {
    /// Whether `booking_id`'s last publication reached no node (within
    /// [`QUIET_FOR`]).
    fn holds(&mut self, booking_id: &str) -> bool {
        match self.since.get(booking_id) {
            Some(at) if at.elapsed() < QUIET_FOR => true,
            Some(_) => {
                self.since.remove(booking_id);
                false
            }
            None => false,
        }
    }
}

/// What the listener is asked to change in its subscriptions.
enum Listen {
    /// Subscribe to a booking's channel; answered once Redis confirmed it
    /// (or at once while Redis is down).
    Follow(String, oneshot::Sender<()>),
    Unfollow(Vec<String>),
    /// Listen to every booking's channel (an admin monitors here); answered
    /// once Redis confirmed it (or at once while Redis is down).
    WatchAll(oneshot::Sender<()>),
}

pub struct Cluster {
    pub node_id: Arc<str>,
    pub config: ClusterConfig,
    client: redis::Client,
    outgoing: mpsc::Sender<Outgoing>,
    listen: mpsc::UnboundedSender<Listen>,
    /// The tasks' ends of the two queues, taken once by [`start`].
    receivers: Mutex<Option<(mpsc::Receiver<Outgoing>, mpsc::UnboundedReceiver<Listen>)>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Answer, SessionError>>>>,
    next_id: AtomicU64,
    /// Whether the publishing and the listening connections are up.
    publishing: AtomicBool,
    listening: AtomicBool,
    /// The leases of bookings this node holds, checked by the journal.
    pub fences: Arc<leases::Fences>,
    /// Until when (ms since the epoch) this node's row in `leases` holds, as
    /// last renewed: its bookings' leases hold as long.
    alive_until: AtomicI64,
    /// Other nodes, by when they were last heard of.
    peers: Mutex<HashMap<String, Instant>>,
    /// Bookings this node follows, by when it last asked.
    followed: Mutex<HashMap<String, Instant>>,
    monitors_on: OnceLock<Arc<AtomicBool>>,
    quiet: Mutex<Quiet>,
    /// Shaped frames kept home because nobody listened.
    held_back: AtomicU64,
    dispatcher: OnceLock<Addr<Dispatcher>>,
    presence: Presence,
    live: onsite_actors::live::LiveBookings,
    dropped: AtomicU64,
}

impl Cluster {
    pub fn new(
        config: &ClusterConfig,
        presence: Presence,
        live: onsite_actors::live::LiveBookings,
    ) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(config.redis_url.as_str())
            .map_err(|e| anyhow::anyhow!("ONSITE_REDIS_URL: {e}"))?;
        let (outgoing, out_rx) = mpsc::channel(OUTGOING_CAPACITY);
        let (listen, listen_rx) = mpsc::unbounded_channel();
        let node_id: Arc<str> = Arc::from(config.node_id.as_str());
        Ok(Arc::new(Self {
            fences: Arc::new(leases::Fences::new(node_id.clone())),
            alive_until: AtomicI64::new(0),
            node_id,
            config: config.clone(),
            client,
            outgoing,
            listen,
            receivers: Mutex::new(Some((out_rx, listen_rx))),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            publishing: AtomicBool::new(false),
            listening: AtomicBool::new(false),
            peers: Mutex::new(HashMap::new()),
            followed: Mutex::new(HashMap::new()),
            monitors_on: OnceLock::new(),
            quiet: Mutex::new(Quiet::default()),
            held_back: AtomicU64::new(0),
            dispatcher: OnceLock::new(),
            presence,
            live,
            dropped: AtomicU64::new(0),
        }))
    }

    /// Ties the cluster to this node's dispatcher (once, at start).
    pub fn attach(&self, dispatcher: Addr<Dispatcher>, monitors_on: Arc<AtomicBool>) {
        let _ = self.dispatcher.set(dispatcher);
        let _ = self.monitors_on.set(monitors_on);
    }

    /// Redis answers on both connections.
    pub fn connected(&self) -> bool {
        self.publishing.load(Ordering::Relaxed) && self.listening.load(Ordering::Relaxed)
    }

    /// The other nodes heard of within a lease.
    pub fn peers(&self) -> Vec<String> {
        let ttl = self.config.lease;
        lock(&self.peers)
            .iter()
            .filter(|(_, at)| at.elapsed() < ttl)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Whether `node` was heard of within a lease.
    pub fn is_alive(&self, node: &str) -> bool {
        lock(&self.peers)
            .get(node)
            .is_some_and(|at| at.elapsed() < self.config.lease)
    }

    /// Whether `node` was heard of once but not for half a lease (its
    /// heartbeat is every second): a request to it would only time out, so
    /// callers are refused at once, told when its lease lapses
    /// ([`SessionError::OwnerSilent`]), and get the booking then.
    /// A node never heard of is asked anyway (this node may have just joined).
    pub(crate) fn went_silent(&self, node: &str) -> bool {
        self.silent_for(node).is_some()
    }

    /// How long `node` has not been heard of, once that is over half a lease.
    fn silent_for(&self, node: &str) -> Option<Duration> {
        lock(&self.peers)
            .get(node)
            .map(Instant::elapsed)
            .filter(|quiet| *quiet > self.config.lease / 2)
    }

    fn send(&self, out: Outgoing) -> bool {
        match self.outgoing.try_send(out) {
            Ok(()) => true,
            Err(_) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed);
                if n.is_power_of_two() {
                    tracing::warn!(
                        dropped = n + 1,
                        "the queue to Redis is full; frames for other nodes are dropped (mirrors read lost events from the journal)"
                    );
                }
                false
            }
        }
    }

    fn publish(&self, channel: String, payload: Vec<u8>) -> bool {
        self.send(Outgoing::Publish {
            channel,
            payload,
            probe: None,
        })
    }

    /// A publication of `probe`'s booking reached no node.
    fn reached_nobody(&self, probe: Probe) {
        let mut quiet = lock(&self.quiet);
        if quiet.generation == probe.generation {
            quiet.since.insert(probe.booking_id, Instant::now());
        }
    }

    /// A node listens to `booking_id` now: its frames go out again.
    pub(crate) fn heard(&self, booking_id: &str) {
        let mut quiet = lock(&self.quiet);
        quiet.generation += 1;
        quiet.since.remove(booking_id);
    }

    /// A node listens to every booking now (or may have missed saying so).
    fn heard_all(&self) {
        let mut quiet = lock(&self.quiet);
        quiet.generation += 1;
        quiet.since.clear();
    }

    /// Forgets quiet marks that lapsed.
    fn forget_quiet(&self) {
        lock(&self.quiet)
            .since
            .retain(|_, at| at.elapsed() < QUIET_FOR);
    }

    /// How many bookings are quiet here, and how many shaped frames stayed
    /// home because of it.
    pub fn quiet_stats(&self) -> (usize, u64) {
        let quiet = lock(&self.quiet).since.len();
        (quiet, self.held_back.load(Ordering::Relaxed))
    }

    /// Says `msg` to one node (no answer awaited).
    pub fn tell(&self, node: &str, msg: &NodeMsg) {
        match serde_json::to_vec(msg) {
            Ok(payload) => {
                self.publish(wire::node_channel(node), payload);
            }
            Err(e) => tracing::error!(error = %e, "a message for another node did not serialise"),
        }
    }

    /// Passes a websocket fix to the booking's owner on `node` (answered
    /// only by an error frame for `reply_to`); `hops` is how many nodes
    /// passed it on before (0 from the socket's node).
    pub fn relay(
        &self,
        node: &str,
        booking_id: &str,
        locate: onsite_actors::messages::Locate,
        reply_to: Option<wire::ReplyTo>,
        hops: u8,
    ) {
        self.tell(
            node,
            &NodeMsg::Request {
                id: 0,
                from: self.node_id.to_string(),
                booking_id: booking_id.to_owned(),
                command: Command::Relay {
                    locate,
                    reply_to,
                    hops,
                },
            },
        );
    }

    /// Says `msg` to every node (this one ignores its own).
    pub fn broadcast(&self, msg: &AllMsg) {
        match serde_json::to_vec(msg) {
            Ok(payload) => {
                self.publish(wire::ALL.to_owned(), payload);
            }
            Err(e) => tracing::error!(error = %e, "a message for every node did not serialise"),
        }
    }

    /// Sends `command` for `booking_id` to `node` and waits for its answer.
    pub async fn request(
        &self,
        node: &str,
        booking_id: &str,
        command: Command,
    ) -> Result<Answer, SessionError> {
        if !self.publishing.load(Ordering::Relaxed) {
            return Err(SessionError::Unavailable(
                "the link to the other servers is down".into(),
            ));
        }
        if let Some(quiet) = self.silent_for(node) {
            // Its row was renewed at most a heartbeat after it was last
            // heard of, so the lease lapses by then.
            let left = (self.config.lease + link::HEARTBEAT).saturating_sub(quiet);
            return Err(SessionError::OwnerSilent {
                retry_after_ms: retry_after(left.as_millis() as i64, self.config.lease),
            });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        self.tell(
            node,
            &NodeMsg::Request {
                id,
                from: self.node_id.to_string(),
                booking_id: booking_id.to_owned(),
                command,
            },
        );
        let answer = tokio::time::timeout(self.config.forward_timeout, rx).await;
        lock(&self.pending).remove(&id);
        match answer {
            Ok(Ok(outcome)) => outcome,
            _ => Err(SessionError::Unavailable(format!(
                "server {node}, which owns the booking, did not answer"
            ))),
        }
    }

    fn answered(&self, id: u64, outcome: Result<Answer, SessionError>) {
        if let Some(tx) = lock(&self.pending).remove(&id) {
            let _ = tx.send(outcome);
        }
    }

    /// Listens to a booking's channel; resolves once Redis confirmed it.
    pub async fn follow(&self, booking_id: &str) {
        lock(&self.followed).insert(booking_id.to_owned(), Instant::now());
        let (tx, rx) = oneshot::channel();
        if self
            .listen
            .send(Listen::Follow(booking_id.to_owned(), tx))
            .is_ok()
        {
            let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        }
    }

    /// Listens to every booking's frames (for an admin monitor that just
    /// started here); resolves once Redis confirmed it, so the monitor's ack
    /// means it misses nothing published afterwards. The listener stops
    /// again once no monitor is left.
    pub async fn watch_all(&self) {
        let (tx, rx) = oneshot::channel();
        if self.listen.send(Listen::WatchAll(tx)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        }
    }
}

impl Fanout for Cluster {
    fn publish(&self, out: Outbound) {
        let generation = {
            let mut quiet = lock(&self.quiet);
            if matches!(out.frame, Published::Shaped { .. }) && quiet.holds(&out.booking_id) {
                self.held_back.fetch_add(1, Ordering::Relaxed);
                return;
            }
            quiet.generation
        };
        let payload = wire::encode_frame(&self.node_id, &out);
        self.send(Outgoing::Publish {
            channel: wire::booking_channel(&out.booking_id),
            payload,
            probe: Some(Probe {
                booking_id: out.booking_id,
                generation,
            }),
        });
    }

    fn state(&self, booking_id: &str, provider_id: &str, status: BookingState) {
        self.broadcast(&AllMsg::Live {
            from: self.node_id.to_string(),
            booking_id: booking_id.to_owned(),
            provider_id: provider_id.to_owned(),
            status,
        });
    }
}

/// Notifications and direct messages: to this node's sockets, and to every
/// other node's.
pub struct Uplink {
    pub dispatcher: Addr<Dispatcher>,
    pub cluster: Arc<Cluster>,
}

impl actix::Actor for Uplink {
    type Context = actix::Context<Self>;
}

impl actix::Handler<Deliver> for Uplink {
    type Result = ();

    fn handle(&mut self, msg: Deliver, _: &mut actix::Context<Self>) {
        self.cluster.broadcast(&AllMsg::Deliver {
            from: self.cluster.node_id.to_string(),
            user_id: msg.user_id.clone(),
            admins: msg.admins,
            text: msg.text.to_string(),
        });
        self.dispatcher.do_send(msg);
    }
}

/// Closes a user's sockets on every node (access revoked).
pub fn close_user(state: &AppState, user_id: &str, code: u16) {
    if let Some(cluster) = &state.cluster {
        cluster.broadcast(&AllMsg::Close {
            from: cluster.node_id.to_string(),
            user_id: user_id.to_owned(),
            code,
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the cluster's tasks: the Redis publisher and listener, the
/// heartbeat with presence, and the lease keeper.
pub fn start(state: web::Data<AppState>) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let Some((out_rx, listen_rx)) = lock(&cluster.receivers).take() else {
        return;
    };
    tracing::info!(node = %cluster.node_id, lease_s = cluster.config.lease.as_secs_f64(), "joining the cluster");
    actix_web::rt::spawn(link::publisher(cluster.clone(), out_rx));
    actix_web::rt::spawn(link::listener(state.clone(), listen_rx));
    actix_web::rt::spawn(link::heartbeat(cluster.clone()));
    actix_web::rt::spawn(leases::keeper(state));
}

/// On shutdown: give this node's leases back (other nodes take its bookings
/// at once, not after a lease) and say goodbye.
pub async fn leave(state: &AppState) {
    let Some(cluster) = &state.cluster else {
        return;
    };
    leases::release_all(state, cluster).await;
    cluster.broadcast(&AllMsg::Bye {
        from: cluster.node_id.to_string(),
    });
    // The publisher sends what is queued; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
}
