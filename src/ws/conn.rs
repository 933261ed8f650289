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
    Connect, Disconnect, FixIn, Locate, MarkRead, Monitor, Relay, SendChat, SessionError,
    SessionFor, Subscribe, Unsubscribe,
};
use onsite_actors::session::BookingSession;

use tracing::Instrument;

use super::inbound::{self, Frame};
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
    sessions: HashMap<String, Addr<BookingSession>>,
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
        self.send(frames::error(re, err.code(), &err.message()));
    }

    async fn session(&mut self, booking_id: &str) -> Option<Addr<BookingSession>> {
        if let Some(addr) = self.sessions.get(booking_id).filter(|a| a.connected()) {
            return Some(addr.clone());
        }
        let addr = self
            .state
            .dispatcher
            .send(SessionFor::new(booking_id))
            .await
            .ok()?;
        self.sessions.insert(booking_id.to_owned(), addr.clone());
        Some(addr)
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
                let outcome = match self.session(&booking_id).await {
                    Some(addr) => addr
                        .send(Subscribe {
                            client: self.client.clone(),
                            since_seq,
                            re: re.map(str::to_owned),
                        })
                        .await
                        .unwrap_or(Err(SessionError::NotFound)),
                    None => Err(SessionError::NotFound),
                };
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
                if let Some(addr) = self.sessions.get(&booking_id) {
                    addr.do_send(Unsubscribe {
                        conn_id: self.client.conn_id,
                    });
                }
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
                let outcome = match self.session(&booking_id).await {
                    Some(addr) => addr.send(msg).await.unwrap_or(Err(SessionError::NotFound)),
                    None => Err(SessionError::NotFound),
                };
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
                let outcome = match self.session(&booking_id).await {
                    Some(addr) => addr.send(msg).await.unwrap_or(Err(SessionError::NotFound)),
                    None => Err(SessionError::NotFound),
                };
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
                    self.state.dispatcher.do_send(Monitor {
                        client: self.client.clone(),
                        filter,
                    });
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
            let Some(addr) = self.session(&booking_id).await else {
                continue;
            };
            let msg = Relay {
                locate: Locate {
                    user_id: self.client.user_id.clone(),
                    fix: fix.clone(),
                },
                reply_to: named.then(|| (self.client.clone(), re.map(str::to_owned))),
            };
            // Not answered: the reader goes on at once. A full mailbox makes
            // it wait (the socket's backpressure), a stopped session gets its
            // successor.
            match addr.try_send(msg) {
                Ok(()) => {}
                Err(SendError::Full(msg)) => {
                    let _ = addr.send(msg).await;
                }
                Err(SendError::Closed(msg)) => {
                    self.sessions.remove(&booking_id);
                    if let Some(addr) = self.session(&booking_id).await {
                        let _ = addr.send(msg).await;
                    }
                }
            }
        }
    }

    fn leave(&mut self) {
        for booking_id in &self.subscribed {
            if let Some(addr) = self.sessions.get(booking_id) {
                addr.do_send(Unsubscribe {
                    conn_id: self.client.conn_id,
                });
            }
        }
        self.state.dispatcher.do_send(Disconnect {
            conn_id: self.client.conn_id,
            user_id: self.client.user_id.clone(),
        });
        self.client.queue.close(1000);
    }
}
