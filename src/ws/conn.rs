//! One connection: a reader task (frames in -> sessions) and a writer task
//! (the bounded queue -> the socket), with the heartbeat.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::dev::SendError;
use actix::Addr;
use actix_web::web::Bytes;
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use bytestring::ByteString;
use onsite_actors::booking::Role;
use onsite_actors::client::Client;
use onsite_actors::messages::{
    Connect, Disconnect, FixIn, Locate, MarkRead, MirrorFor, Monitor, Relay, SendChat,
    SessionError, Snapshot, Subscribe, Unsubscribe,
};
use onsite_actors::mirror::{Mirror, MirrorSubscribe};
use onsite_actors::session::BookingSession;

use tracing::Instrument;

use super::inbound::{self, Frame};
use crate::cluster::route::{self, Forward, Owner};
use crate::cluster::wire::{Answer, Command, ReplyTo};
use crate::edge::limits::SocketLimiter;
use crate::state::AppState;
use onsite_actors::protocol::{frames, ErrorCode};

const PING_EVERY: Duration = Duration::from_secs(15);
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// Invalid frames in a row before the socket is closed with 1008.
const GARBAGE_LIMIT: u32 = 5;
/// A socket that accepts no frame for this long is given up (it stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(20);

pub fn spawn(state: Arc<AppState>, client: Client, session: Session, stream: MessageStream) {
    // Every line either task logs carries the connection, its user and role.
    let span = tracing::info_span!(
        "ws",
        conn = client.conn_id,
        user = %client.user_id,
        role = %client.role
    );
    span.in_scope(|| tracing::debug!("connected"));
    state.dispatcher.do_send(Connect {
        client: client.clone(),
    });
    let writer = write(client.clone(), session.clone()).instrument(span.clone());
    let reader = read(state, client, session, stream).instrument(span);
    actix_web::rt::spawn(writer);
    actix_web::rt::spawn(reader);
}

/// Drains the queue into the socket; a closed queue sends its close code.
///
/// Every frame was rendered once for all its recipients; the socket gets the
/// same bytes (a reference, not a copy). Frames queued together reach the
/// socket's body stream before it is polled, so they leave in one write.
async fn write(client: Client, mut session: Session) {
    loop {
        match client.queue.next().await {
            Ok(text) => {
                let text = shared(text);
                match tokio::time::timeout(WRITE_TIMEOUT, session.text(text)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => {
                        client.queue.close(1000);
                        return;
                    }
                    Err(_) => {
                        // The peer stopped reading: give the socket up.
                        client.queue.close(1013);
                        return;
                    }
                }
            }
            Err(code) => {
                let reason = CloseReason {
                    code: CloseCode::from(code),
                    description: Some(close_text(code).to_owned()),
                };
                let _ = tokio::time::timeout(WRITE_TIMEOUT, session.close(Some(reason))).await;
                return;
            }
        }
    }
}

/// A rendered frame as the bytes every socket shares.
struct Rendered(Arc<str>);

impl AsRef<[u8]> for Rendered {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn shared(text: Arc<str>) -> ByteString {
    // Valid UTF-8 by construction; the check costs less than a copy.
    ByteString::try_from(Bytes::from_owner(Rendered(text.clone())))
        .unwrap_or_else(|_| ByteString::from(text.to_string()))
}

fn close_text(code: u16) -> &'static str {
    match code {
        1008 => "policy violation: too many invalid or rate-limited frames",
        1013 => "you are reading too slowly; reconnect with since_seq",
        4401 => "access revoked",
        1012 => "server restarting; reconnect with since_seq",
        1001 => "idle",
        _ => "closing",
    }
}

struct Conn {
    state: Arc<AppState>,
    client: Client,
    /// Each booking's owner as last found: this node's session, or the
    /// node that holds it (kept while that node is alive).
    sessions: HashMap<String, Owner>,
    /// Subscriptions to bookings another node owns, through this node's mirror.
    mirrors: HashMap<String, Addr<Mirror>>,
    subscribed: Vec<String>,
    garbage: u32,
    /// This socket's chat and location frame limits (`None`: off).
    chat_limit: Option<SocketLimiter>,
    location_limit: Option<SocketLimiter>,
    counters: crate::metrics::FrameCounters,
}

async fn read(
    state: Arc<AppState>,
    client: Client,
    mut session: Session,
    mut stream: MessageStream,
) {
    let mut conn = Conn {
        counters: crate::metrics::FrameCounters::new("ws"),
        chat_limit: state.limits.socket(true),
        location_limit: state.limits.socket(false),
        state,
        client,
        sessions: HashMap::new(),
        mirrors: HashMap::new(),
        subscribed: Vec::new(),
        garbage: 0,
    };
    let mut heard = Instant::now();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.recv() => {
                let Some(msg) = msg else { break };
                heard = Instant::now();
                match msg {
                    // Boxed: the frame's work is not part of the idle
                    // reader's state (a waiting socket stays small).
                    Ok(Message::Text(text)) => Box::pin(conn.on_text(&text)).await,
                    Ok(Message::Binary(_)) => conn.invalid(None, "frames are JSON text"),
                    Ok(Message::Ping(bytes)) => {
                        match tokio::time::timeout(Duration::from_secs(5), session.pong(&bytes)).await {
                            Ok(Ok(())) => {}
                            _ => break,
                        }
                    }
                    Ok(Message::Close(_)) => break,
                    Ok(_) => {}
                    Err(_) => {
                        // Oversized or malformed at the protocol level.
                        conn.client.queue.close(1009);
                        break;
                    }
                }
                if conn.client.queue.is_closed() {
                    break;
                }
            }
            _ = ping.tick() => {
                if heard.elapsed() >= SILENCE_LIMIT {
                    conn.client.queue.close(1001);
                    break;
                }
                if conn.client.queue.is_closed() {
                    break;
                }
                // A socket heard from within the interval is alive: only
                // silent ones are asked (a provider streaming fixes is never
                // pinged, which halves the pings of a busy node).
                if heard.elapsed() < PING_EVERY {
                    continue;
                }
                // Never wait on a socket that stopped reading.
                match tokio::time::timeout(Duration::from_secs(5), session.ping(b"")).await {
                    Ok(Ok(())) => {}
                    _ => break,
                }
            }
        }
    }
    conn.leave();
    tracing::debug!("disconnected");
}

impl Conn {
    fn send(&self, text: Arc<str>) {
        self.client.queue.push(text, None);
    }

    fn invalid(&mut self, re: Option<&str>, message: &str) {
        self.garbage += 1;
        self.send(frames::error(re, ErrorCode::InvalidFrame, message));
        if self.garbage >= GARBAGE_LIMIT {
            self.client.queue.close(1008);
        }
    }

    fn refuse(&self, re: Option<&str>, err: &SessionError) {
        if let SessionError::Unavailable(cause) = err {
            tracing::warn!(%cause, "booking session unavailable");
        }
        // A silent owner is logged once by the cluster, not per refusal.
        self.send(frames::error_retry(
            re,
            err.code(),
            &err.message(),
            err.retry_after_ms(),
        ));
    }

    /// The booking's owner, from the cache while it is still good.
    async fn owner(&mut self, booking_id: &str) -> Result<Owner, SessionError> {
        if let Some(known) = self.sessions.get(booking_id) {
            let good = match known {
                Owner::Here(addr) => addr.connected(),
                Owner::There(node) => self
                    .state
                    .cluster
                    .as_ref()
                    .is_some_and(|c| c.is_alive(node) && !c.went_silent(node)),
            };
            if good {
                return Ok(known.clone());
            }
        }
        let found = route::owner(&self.state, booking_id).await?;
        self.sessions.insert(booking_id.to_owned(), found.clone());
        Ok(found)
    }

    /// A command for the booking's owner, here or on another node; asked
    /// again if the session stopped or the booking moved meanwhile.
    async fn command<M, T>(&mut self, booking_id: &str, msg: M) -> Result<T, SessionError>
    where
        M: actix::Message<Result = Result<T, SessionError>>
            + Forward<Out = T>
            + Clone
            + Send
            + 'static,
        T: Send + 'static,
        BookingSession: actix::Handler<M>,
    {
        // What the client hears if every try fails: the last refusal (a
        // booking whose owner does not answer is `unavailable`, not
        // `not_found`).
        let mut last = SessionError::NotFound;
        for _ in 0..3 {
            match self.owner(booking_id).await? {
                Owner::Here(addr) => match addr.send(msg.clone()).await {
                    Ok(Err(SessionError::Moved)) => last = SessionError::Moved,
                    Err(_) => last = SessionError::NotFound,
                    Ok(outcome) => return outcome,
                },
                Owner::There(node) => {
                    match route::forward(&self.state, &node, booking_id, msg.clone()).await {
                        Err(e @ (SessionError::Moved | SessionError::Unavailable(_))) => last = e,
                        outcome => return outcome,
                    }
                }
            }
            self.sessions.remove(booking_id);
        }
        Err(last)
    }

    async fn subscribe(
        &mut self,
        booking_id: &str,
        since_seq: Option<i64>,
        re: Option<&str>,
    ) -> Result<(), SessionError> {
        // What the client hears if both tries fail: the last refusal, so a
        // booking whose owner went away is `unavailable` (try again), not
        // `not_found`.
        let mut last = SessionError::NotFound;
        for _ in 0..2 {
            let outcome = match self.owner(booking_id).await? {
                Owner::Here(addr) => {
                    match addr
                        .send(Subscribe {
                            client: self.client.clone(),
                            since_seq,
                            re: re.map(str::to_owned),
                        })
                        .await
                    {
                        Ok(outcome) => return outcome,
                        Err(_) => Err(SessionError::NotFound),
                    }
                }
                Owner::There(node) => {
                    self.subscribe_remote(&node, booking_id, since_seq, re)
                        .await
                }
            };
            match outcome {
                Err(
                    e @ (SessionError::Moved
                    | SessionError::Unavailable(_)
                    | SessionError::NotFound),
                ) => {
                    self.sessions.remove(booking_id);
                    last = e;
                }
                other => return other,
            }
        }
        Err(last)
    }

    /// Subscribes through this node's mirror of a booking `node` owns: listen
    /// to its frames first, then take the owner's snapshot, then join.
    async fn subscribe_remote(
        &mut self,
        node: &str,
        booking_id: &str,
        since_seq: Option<i64>,
        re: Option<&str>,
    ) -> Result<(), SessionError> {
        let Some(cluster) = self.state.cluster.clone() else {
            return Err(SessionError::NotFound);
        };
        cluster.follow(booking_id).await;
        let snapshot = Snapshot {
            user_id: self.client.user_id.to_string(),
            role: self.client.role,
            re: re.map(str::to_owned),
        };
        let Answer::Snapshot { text, seq } = cluster
            .request(node, booking_id, Command::Snapshot(snapshot))
            .await?
        else {
            return Err(SessionError::Unavailable(
                "unexpected answer to a snapshot".into(),
            ));
        };
        let mirror = self
            .state
            .dispatcher
            .send(MirrorFor {
                booking_id: booking_id.to_owned(),
            })
            .await
            .map_err(|e| SessionError::Unavailable(e.to_string()))?;
        mirror
            .send(MirrorSubscribe {
                client: self.client.clone(),
                since_seq,
                snapshot: text.into(),
                snapshot_seq: seq,
            })
            .await
            .map_err(|e| SessionError::Unavailable(e.to_string()))??;
        self.mirrors.insert(booking_id.to_owned(), mirror);
        Ok(())
    }

    fn unsubscribe(&mut self, booking_id: &str) {
        let leave = Unsubscribe {
            conn_id: self.client.conn_id,
        };
        if let Some(mirror) = self.mirrors.remove(booking_id) {
            mirror.do_send(leave.clone());
        }
        if let Some(Owner::Here(addr)) = self.sessions.get(booking_id) {
            addr.do_send(leave);
        }
    }

    async fn on_text(&mut self, text: &str) {
        let (re, frame) = match inbound::parse(text) {
            Ok(parsed) => parsed,
            Err(invalid) => return self.invalid(invalid.re.as_deref(), &invalid.message),
        };
        self.garbage = 0;
        let re = re.as_deref();
        if !self.within_limits(re, &frame) {
            return;
        }
        match frame {
            Frame::Ping => self.send(frames::pong(re)),
            Frame::Subscribe {
                booking_id,
                since_seq,
            } => {
                let outcome = self.subscribe(&booking_id, since_seq, re).await;
                match outcome {
                    Ok(()) => {
                        if !self.subscribed.contains(&booking_id) {
                            self.subscribed.push(booking_id);
                        }
                    }
                    Err(e) => self.refuse(re, &e),
                }
            }
            Frame::Unsubscribe { booking_id } => {
                self.unsubscribe(&booking_id);
                self.subscribed.retain(|b| *b != booking_id);
                self.send(frames::ack(re, None));
            }
            Frame::Location { booking_id, fix } => {
                self.counters.fixes.increment(1);
                self.locate(re, booking_id, fix).await;
            }
            Frame::Chat {
                booking_id,
                text,
                client_msg_id,
            } => {
                let msg = SendChat {
                    from: self.client.user_id.to_string(),
                    text,
                    client_msg_id,
                };
                let outcome = self.command(&booking_id, msg).await;
                match outcome {
                    Ok(event) => {
                        self.counters.chat.increment(1);
                        self.send(frames::ack(re, event.body.message()));
                    }
                    Err(e) => self.refuse(re, &e),
                }
            }
            Frame::Read {
                booking_id,
                up_to_seq,
            } => {
                let msg = MarkRead {
                    by: self.client.user_id.to_string(),
                    up_to_seq,
                };
                let outcome = self.command(&booking_id, msg).await;
                match outcome {
                    Ok(_) => self.send(frames::ack(re, None)),
                    Err(e) => self.refuse(re, &e),
                }
            }
            Frame::Monitor { filter } => {
                if self.client.role != Role::Admin {
                    self.send(frames::error(
                        re,
                        ErrorCode::Forbidden,
                        "only admins may monitor",
                    ));
                } else {
                    // Registered (and the monitors flag up) before the ack.
                    let _ = self
                        .state
                        .dispatcher
                        .send(Monitor {
                            client: self.client.clone(),
                            filter,
                        })
                        .await;
                    // The other nodes' sessions too, from the ack on.
                    if let Some(cluster) = &self.state.cluster {
                        cluster.watch_all().await;
                    }
                    self.send(frames::ack(re, None));
                }
            }
        }
    }

    /// False (after an error frame, closing the socket with 1008) when the
    /// frame is one chat or location frame too many for this socket.
    fn within_limits(&self, re: Option<&str>, frame: &Frame) -> bool {
        let (limiter, what) = match frame {
            Frame::Chat { .. } => (&self.chat_limit, "chat"),
            Frame::Location { .. } => (&self.location_limit, "location"),
            _ => return true,
        };
        if limiter.as_ref().is_none_or(|l| l.check().is_ok()) {
            return true;
        }
        tracing::info!(frames = what, "websocket flood; closing with 1008");
        self.send(frames::error(
            re,
            ErrorCode::RateLimited,
            &format!("too many {what} frames; this socket is closed"),
        ));
        self.client.queue.close(1008);
        false
    }

    /// A provider's fix goes to the named booking or to every live booking of
    /// theirs; a customer's to the named booking.
    async fn locate(&mut self, re: Option<&str>, booking_id: Option<String>, fix: FixIn) {
        let targets = match booking_id {
            Some(id) => vec![id],
            // Known in memory (kept by the sessions), never queried per fix.
            None if self.client.role == Role::Provider => self
                .state
                .live
                .of(&self.client.user_id)
                .iter()
                .map(|b| b.to_string())
                .collect(),
            None => {
                return self.send(frames::error(
                    re,
                    ErrorCode::InvalidFrame,
                    "booking_id is required",
                ))
            }
        };
        let named = targets.len() == 1;
        for booking_id in targets {
            let locate = Locate {
                user_id: self.client.user_id.clone(),
                fix: fix.clone(),
            };
            self.relay(&booking_id, locate, named.then_some(re).flatten(), named)
                .await;
        }
    }

    /// One fix to one booking's owner, not answered: the reader goes on at
    /// once. A refusal of a named booking's fix comes back as an error frame.
    async fn relay(&mut self, booking_id: &str, locate: Locate, re: Option<&str>, named: bool) {
        let owner = match self.owner(booking_id).await {
            Ok(owner) => owner,
            Err(e) => {
                if named {
                    self.refuse(re, &e);
                }
                return;
            }
        };
        match owner {
            Owner::Here(addr) => {
                let msg = Relay {
                    locate,
                    reply_to: named.then(|| (self.client.clone(), re.map(str::to_owned))),
                };
                // A full mailbox makes the reader wait (the socket's
                // backpressure), a stopped session gets its successor.
                match addr.try_send(msg) {
                    Ok(()) => {}
                    Err(SendError::Full(msg)) => {
                        let _ = addr.send(msg).await;
                    }
                    Err(SendError::Closed(msg)) => {
                        self.sessions.remove(booking_id);
                        if let Ok(Owner::Here(addr)) = self.owner(booking_id).await {
                            let _ = addr.send(msg).await;
                        }
                    }
                }
            }
            Owner::There(node) => {
                let Some(cluster) = &self.state.cluster else {
                    return;
                };
                let reply_to = named.then(|| ReplyTo {
                    node: cluster.node_id.to_string(),
                    user_id: self.client.user_id.to_string(),
                    conn_id: self.client.conn_id,
                    re: re.map(str::to_owned),
                });
                cluster.relay(&node, booking_id, locate, reply_to, 0);
            }
        }
    }

    fn leave(&mut self) {
        for booking_id in std::mem::take(&mut self.subscribed) {
            self.unsubscribe(&booking_id);
        }
        self.state.dispatcher.do_send(Disconnect {
            conn_id: self.client.conn_id,
            user_id: self.client.user_id.clone(),
        });
        self.client.queue.close(1000);
    }
}
