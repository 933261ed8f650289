//! The `Dispatcher`: owns the registry of connections (user id -> its
//! connections; a user may have several devices), of live booking sessions
//! (booking id -> actor address) and of admin monitors. It starts sessions on
//! demand, forgets them when they stop, fans session events out to matching
//! monitors, and closes a user's sockets when the account is revoked. Its
//! handlers never await I/O: pushing to a client queue never blocks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix::prelude::*;

use crate::booking::Role;
use crate::client::{Client, Pushed};
use crate::fanout::Fanout;
use crate::journal::Journal;
use crate::live::LiveBookings;
use crate::messages::{
    Census, CloseAll, CloseUser, Connect, CountSessions, Deliver, DeliverConn, Disconnect,
    FindSession, LiveSessions, MirrorFor, Mirrors, Monitor, MonitorFilter, Monitored, RemoteFrame,
    Resync, SessionFor, SessionStopped, StopSession, TakeCensus, TransportRecovered,
};
use crate::mirror::{CatchUp, Mirror, MirrorStopped, Remote};
use crate::presence::Presence;
use crate::session::{BookingSession, SessionConfig, SessionLinks};

pub struct Dispatcher {
    journal: Arc<dyn Journal>,
    config: Arc<SessionConfig>,
    sessions: HashMap<String, (u64, Addr<BookingSession>)>,
    next_generation: u64,
    connections: HashMap<Arc<str>, Vec<Client>>,
    /// Admin connections by id (direct chat reaches every admin).
    admins: HashMap<u64, Client>,
    monitors: HashMap<u64, (Client, MonitorFilter)>,
    monitors_on: Arc<AtomicBool>,
    presence: Presence,
    live: LiveBookings,
    /// Several nodes: where sessions publish for the others, and the
    /// mirrors of bookings other nodes own.
    fanout: Option<Arc<dyn Fanout>>,
    mirrors: HashMap<Arc<str>, (u64, Addr<Mirror>)>,
}

impl Dispatcher {
    pub fn new(journal: Arc<dyn Journal>, config: SessionConfig) -> Self {
        Self {
            journal,
            config: Arc::new(config),
            sessions: HashMap::new(),
            next_generation: 0,
            connections: HashMap::new(),
            admins: HashMap::new(),
            monitors: HashMap::new(),
            monitors_on: Arc::new(AtomicBool::new(false)),
            presence: Presence::default(),
            live: LiveBookings::default(),
            fanout: None,
            mirrors: HashMap::new(),
        }
    }

    /// Sessions publish their frames for the other nodes through `fanout`.
    pub fn with_fanout(mut self, fanout: Arc<dyn Fanout>) -> Self {
        self.fanout = Some(fanout);
        self
    }

    /// On while any admin monitor is connected here (the server listens to
    /// every node's frames only then).
    pub fn monitors_flag(&self) -> Arc<AtomicBool> {
        self.monitors_on.clone()
    }

    /// Keeps `presence` up to date with who has an open socket here.
    pub fn with_presence(mut self, presence: Presence) -> Self {
        self.presence = presence;
        self
    }

    /// The index of providers' live bookings its sessions keep up to date.
    pub fn with_live(mut self, live: LiveBookings) -> Self {
        self.live = live;
        self
    }

    fn update_monitors_flag(&self) {
        self.monitors_on
            .store(!self.monitors.is_empty(), Ordering::Relaxed);
    }
}

impl Actor for Dispatcher {
    type Context = Context<Self>;
}

impl Handler<SessionFor> for Dispatcher {
    type Result = MessageResult<SessionFor>;

    fn handle(&mut self, msg: SessionFor, ctx: &mut Context<Self>) -> Self::Result {
        let _span = tracing::trace_span!("dispatcher", message = "SessionFor").entered();
        if let Some((_, addr)) = self.sessions.get(&msg.booking_id) {
            if addr.connected() {
                return MessageResult(addr.clone());
            }
        }
        self.next_generation += 1;
        let generation = self.next_generation;
        let links = SessionLinks {
            on_stop: Some(ctx.address().recipient()),
            monitor: Some(ctx.address().recipient()),
            monitors_on: self.monitors_on.clone(),
            live: self.live.clone(),
            fanout: self.fanout.clone(),
        };
        // On the dispatcher's thread, not an HTTP worker's: at 9900 pairs x
        // 2 Hz, sessions sharing the workers with the sockets took p99 from
        // 24 ms to 210 ms (README, "The fix path, step by step").
        let session = BookingSession::new(
            msg.booking_id.clone(),
            generation,
            self.journal.clone(),
            links,
            self.config.clone(),
        )
        .start();
        self.sessions
            .insert(msg.booking_id, (generation, session.clone()));
        MessageResult(session)
    }
}

impl Handler<FindSession> for Dispatcher {
    type Result = MessageResult<FindSession>;

    fn handle(&mut self, msg: FindSession, _: &mut Context<Self>) -> Self::Result {
        MessageResult(
            self.sessions
                .get(&msg.booking_id)
                .filter(|(_, addr)| addr.connected())
                .map(|(_, addr)| addr.clone()),
        )
    }
}

impl Handler<StopSession> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: StopSession, _: &mut Context<Self>) {
        if let Some((_, addr)) = self.sessions.remove(&msg.booking_id) {
            addr.do_send(StopSession {
                booking_id: msg.booking_id,
            });
        }
    }
}

impl Handler<MirrorFor> for Dispatcher {
    type Result = MessageResult<MirrorFor>;

    fn handle(&mut self, msg: MirrorFor, ctx: &mut Context<Self>) -> Self::Result {
        if let Some((_, addr)) = self.mirrors.get(msg.booking_id.as_str()) {
            if addr.connected() {
                return MessageResult(addr.clone());
            }
        }
        self.next_generation += 1;
        let id: Arc<str> = msg.booking_id.into();
        let mirror = Mirror::new(
            id.clone(),
            self.next_generation,
            self.journal.clone(),
            Some(ctx.address().recipient()),
        )
        .start();
        self.mirrors
            .insert(id, (self.next_generation, mirror.clone()));
        MessageResult(mirror)
    }
}

impl Handler<MirrorStopped> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: MirrorStopped, _: &mut Context<Self>) {
        if self.mirrors.get(&msg.booking_id).map(|(g, _)| *g) == Some(msg.generation) {
            self.mirrors.remove(&msg.booking_id);
        }
    }
}

impl Handler<RemoteFrame> for Dispatcher {
    type Result = ();

    fn handle(&mut self, RemoteFrame(out): RemoteFrame, _: &mut Context<Self>) {
        if let Some((_, mirror)) = self.mirrors.get(&out.booking_id) {
            mirror.do_send(Remote(out));
        }
    }
}

impl Handler<Mirrors> for Dispatcher {
    type Result = MessageResult<Mirrors>;

    fn handle(&mut self, _: Mirrors, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.mirrors.keys().map(|k| k.to_string()).collect())
    }
}

impl Handler<TransportRecovered> for Dispatcher {
    type Result = ();

    /// Frames may have been lost both ways: mirrors read what they missed,
    /// sessions say where they are.
    fn handle(&mut self, _: TransportRecovered, _: &mut Context<Self>) {
        for (_, mirror) in self.mirrors.values() {
            mirror.do_send(CatchUp);
        }
        for (_, session) in self.sessions.values() {
            session.do_send(Resync);
        }
    }
}

impl Handler<DeliverConn> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: DeliverConn, _: &mut Context<Self>) {
        if let Some(client) = self
            .connections
            .get(msg.user_id.as_str())
            .and_then(|list| list.iter().find(|c| c.conn_id == msg.conn_id))
        {
            client.queue.push(msg.text, None);
        }
    }
}

impl Handler<SessionStopped> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: SessionStopped, _: &mut Context<Self>) {
        let _span = tracing::trace_span!("dispatcher", message = "SessionStopped").entered();
        let current = self
            .sessions
            .get(&msg.booking_id)
            .map(|(generation, _)| *generation);
        if current == Some(msg.generation) {
            self.sessions.remove(&msg.booking_id);
        }
    }
}

impl Handler<CountSessions> for Dispatcher {
    type Result = usize;

    fn handle(&mut self, _: CountSessions, _: &mut Context<Self>) -> usize {
        let _span = tracing::trace_span!("dispatcher", message = "CountSessions").entered();
        self.sessions.len()
    }
}

impl Handler<TakeCensus> for Dispatcher {
    type Result = Census;

    fn handle(&mut self, _: TakeCensus, _: &mut Context<Self>) -> Census {
        Census {
            sessions: self.sessions.len(),
            connections: self.connections.values().map(Vec::len).sum(),
            monitors: self.monitors.len(),
        }
    }
}

impl Handler<CloseAll> for Dispatcher {
    type Result = usize;

    fn handle(&mut self, msg: CloseAll, _: &mut Context<Self>) -> usize {
        let _span = tracing::trace_span!("dispatcher", message = "CloseAll").entered();
        let mut closed = 0;
        for client in self.connections.values().flatten() {
            client.queue.close(msg.code);
            closed += 1;
        }
        closed
    }
}

impl Handler<LiveSessions> for Dispatcher {
    type Result = MessageResult<LiveSessions>;

    fn handle(&mut self, _: LiveSessions, _: &mut Context<Self>) -> Self::Result {
        let _span = tracing::trace_span!("dispatcher", message = "LiveSessions").entered();
        MessageResult(
            self.sessions
                .iter()
                .filter(|(_, (_, addr))| addr.connected())
                .map(|(id, (_, addr))| (id.clone(), addr.clone()))
                .collect(),
        )
    }
}

impl Handler<Connect> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: Connect, _: &mut Context<Self>) {
        let _span = tracing::trace_span!("dispatcher", message = "Connect").entered();
        if msg.client.role == Role::Admin {
            self.admins.insert(msg.client.conn_id, msg.client.clone());
        }
        self.presence.arrive(&msg.client.user_id);
        self.connections
            .entry(msg.client.user_id.clone())
            .or_default()
            .push(msg.client);
    }
}

impl Handler<Disconnect> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: Disconnect, _: &mut Context<Self>) {
        let _span = tracing::trace_span!("dispatcher", message = "Disconnect").entered();
        if let Some(list) = self.connections.get_mut(&msg.user_id) {
            list.retain(|c| c.conn_id != msg.conn_id);
            if list.is_empty() {
                self.connections.remove(&msg.user_id);
                self.presence.leave(&msg.user_id);
            }
        }
        self.admins.remove(&msg.conn_id);
        if self.monitors.remove(&msg.conn_id).is_some() {
            self.update_monitors_flag();
        }
        // The connection unsubscribes from its sessions itself (it knows which).
    }
}

impl Handler<CloseUser> for Dispatcher {
    type Result = usize;

    fn handle(&mut self, msg: CloseUser, _: &mut Context<Self>) -> usize {
        let _span = tracing::trace_span!("dispatcher", message = "CloseUser").entered();
        let closed = self
            .connections
            .get(msg.user_id.as_str())
            .map(|list| {
                for client in list {
                    client.queue.close(msg.code);
                }
                list.len()
            })
            .unwrap_or(0);
        closed
    }
}

impl Handler<Monitor> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: Monitor, _: &mut Context<Self>) {
        let _span = tracing::trace_span!("dispatcher", message = "Monitor").entered();
        self.monitors
            .insert(msg.client.conn_id, (msg.client, msg.filter));
        self.update_monitors_flag();
    }
}

impl Handler<Monitored> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: Monitored, _: &mut Context<Self>) {
        let _span = tracing::trace_span!("dispatcher", message = "Monitored").entered();
        let mut gone = Vec::new();
        for (conn_id, (client, filter)) in &self.monitors {
            if filter.matches(&msg.booking_id, msg.status)
                && client.queue.push(msg.text.clone(), msg.key.clone()) == Pushed::Closed
            {
                gone.push(*conn_id);
            }
        }
        if !gone.is_empty() {
            for id in gone {
                self.monitors.remove(&id);
            }
            self.update_monitors_flag();
        }
    }
}

impl Handler<Deliver> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) {
        let _span = tracing::trace_span!("dispatcher", message = "Deliver").entered();
        let user = msg.user_id.as_deref();
        if let Some(clients) = user.and_then(|u| self.connections.get(u)) {
            for client in clients {
                client.queue.push(msg.text.clone(), None);
            }
        }
        if msg.admins {
            // An admin who is also the addressee got it above.
            for client in self.admins.values() {
                if Some(&*client.user_id) != user {
                    client.queue.push(msg.text.clone(), None);
                }
            }
        }
    }
}
