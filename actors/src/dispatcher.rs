//! The `Dispatcher`: owns the registry of live booking sessions (booking id ->
//! actor address), starts them on demand and forgets them when they stop. It
//! never awaits I/O in its handlers. (The websocket side adds the registry of
//! connections here.)

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use crate::journal::Journal;
use crate::messages::{CountSessions, SessionFor, SessionStopped};
use crate::session::BookingSession;

pub struct Dispatcher {
    journal: Arc<dyn Journal>,
    sessions: HashMap<String, (u64, Addr<BookingSession>)>,
    next_generation: u64,
    idle_timeout: Duration,
}

impl Dispatcher {
    pub fn new(journal: Arc<dyn Journal>, idle_timeout: Duration) -> Self {
        Self {
            journal,
            sessions: HashMap::new(),
            next_generation: 0,
            idle_timeout,
        }
    }
}

impl Actor for Dispatcher {
    type Context = Context<Self>;
}

impl Handler<SessionFor> for Dispatcher {
    type Result = MessageResult<SessionFor>;

    fn handle(&mut self, msg: SessionFor, ctx: &mut Context<Self>) -> Self::Result {
        if let Some((_, addr)) = self.sessions.get(&msg.booking_id) {
            if addr.connected() {
                return MessageResult(addr.clone());
            }
        }
        self.next_generation += 1;
        let generation = self.next_generation;
        let session = BookingSession::new(
            msg.booking_id.clone(),
            generation,
            self.journal.clone(),
            Some(ctx.address().recipient()),
            self.idle_timeout,
        )
        .start();
        self.sessions
            .insert(msg.booking_id, (generation, session.clone()));
        MessageResult(session)
    }
}

impl Handler<SessionStopped> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: SessionStopped, _: &mut Context<Self>) {
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
        self.sessions.len()
    }
}
