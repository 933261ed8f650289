//! `BookingSession`: one actor per live booking, the only writer of its state.
//!
//! Commands are handled one at a time to completion (`AtomicResponse`): the
//! session validates against the state machine, has the [`Journal`] commit the
//! change with its side effects and events in one transaction, updates its
//! cached record, and only then answers. If the stored version moved under it
//! (another node, a restart), it reloads and re-validates once.
//! The session loads its booking when it starts and stops itself after
//! `idle_timeout` without commands; state lives in the database, so a stopped
//! or crashed session loses nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::booking::{self, Actor as Role, BookingState, Refusal, Transition};
use crate::journal::{BookingRecord, Cause, Change, Committed, Journal, JournalError};
use crate::messages::{Apply, Force, GetRecord, SessionError, SessionStopped};

pub struct BookingSession {
    id: String,
    generation: u64,
    record: Option<BookingRecord>,
    journal: Arc<dyn Journal>,
    on_stop: Option<Recipient<SessionStopped>>,
    idle_timeout: Duration,
    last_command: Instant,
}

impl BookingSession {
    pub fn new(
        id: String,
        generation: u64,
        journal: Arc<dyn Journal>,
        on_stop: Option<Recipient<SessionStopped>>,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            id,
            generation,
            record: None,
            journal,
            on_stop,
            idle_timeout,
            last_command: Instant::now(),
        }
    }
}

impl Actor for BookingSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Nothing else is handled until the booking is loaded.
        let load = self.journal.load(&self.id);
        ctx.wait(load.into_actor(self).map(|res, act, ctx| match res {
            Ok(record) => act.record = Some(record),
            Err(err) => {
                tracing::warn!(booking = %act.id, ?err, "session could not load its booking");
                ctx.stop();
            }
        }));
        let every = (self.idle_timeout / 4).max(Duration::from_millis(50));
        ctx.run_interval(every, |act, ctx| {
            if act.last_command.elapsed() >= act.idle_timeout {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(on_stop) = &self.on_stop {
            on_stop.do_send(SessionStopped {
                booking_id: self.id.clone(),
                generation: self.generation,
            });
        }
    }
}

/// What to validate: an event by a role, or an admin's forced move.
#[derive(Clone)]
enum Wanted {
    Event(Apply),
    Force(Force),
}

impl Wanted {
    fn validate(&self, state: BookingState) -> Result<Transition, Refusal> {
        match self {
            Self::Event(cmd) => booking::transition(state, cmd.event, cmd.actor),
            Self::Force(cmd) => booking::force(state, cmd.to),
        }
    }

    fn change(&self, record: &BookingRecord, transition: Transition) -> Change {
        match self {
            Self::Event(cmd) => Change {
                booking_id: record.id.clone(),
                expected_version: record.version,
                transition,
                cause: Cause::Event(cmd.event),
                actor: cmd.actor,
                by: cmd.by.clone(),
                reason: cmd.reason.clone(),
                detail: cmd.detail.clone(),
            },
            Self::Force(cmd) => Change {
                booking_id: record.id.clone(),
                expected_version: record.version,
                transition,
                cause: Cause::Force,
                actor: Role::Admin,
                by: Some(cmd.by.clone()),
                reason: Some(cmd.reason.clone()),
                detail: serde_json::Value::Null,
            },
        }
    }
}

fn storage(err: JournalError) -> SessionError {
    match err {
        JournalError::NotFound => SessionError::NotFound,
        JournalError::VersionConflict => SessionError::Conflict,
        JournalError::Rejected { code, message } => SessionError::Rejected { code, message },
        JournalError::Storage(e) => SessionError::Unavailable(e),
    }
}

/// Validates and commits; on a version conflict reloads and tries once more.
/// A refusal is confirmed against the stored booking first, so a cache that is
/// stale (another node wrote) never refuses what the real state allows.
/// Returns the outcome and the record the session should cache afterwards.
async fn run(
    journal: Arc<dyn Journal>,
    mut record: BookingRecord,
    wanted: Wanted,
) -> (Result<Committed, SessionError>, Option<BookingRecord>) {
    for attempt in 0..2 {
        let transition = match wanted.validate(record.state) {
            Ok(t) => t,
            Err(refusal) if attempt == 0 => match journal.load(&record.id).await {
                Ok(fresh) if fresh.version != record.version => {
                    record = fresh;
                    match wanted.validate(record.state) {
                        Ok(t) => t,
                        Err(refusal) => return (Err(SessionError::Refused(refusal)), Some(record)),
                    }
                }
                Ok(_) => return (Err(SessionError::Refused(refusal)), Some(record)),
                Err(err) => return (Err(storage(err)), None),
            },
            Err(refusal) => return (Err(SessionError::Refused(refusal)), Some(record)),
        };
        match journal.commit(wanted.change(&record, transition)).await {
            Ok(committed) => {
                let latest = committed.record.clone();
                return (Ok(committed), Some(latest));
            }
            Err(JournalError::VersionConflict) if attempt == 0 => {
                match journal.load(&record.id).await {
                    Ok(fresh) => record = fresh,
                    Err(err) => return (Err(storage(err)), None),
                }
            }
            Err(err) => return (Err(storage(err)), Some(record)),
        }
    }
    (Err(SessionError::Conflict), None)
}

impl BookingSession {
    fn execute(&mut self, wanted: Wanted) -> AtomicResponse<Self, Result<Committed, SessionError>> {
        self.last_command = Instant::now();
        let Some(record) = self.record.clone() else {
            return AtomicResponse::new(Box::pin(fut::ready(Err(SessionError::NotFound))));
        };
        let journal = self.journal.clone();
        AtomicResponse::new(Box::pin(run(journal, record, wanted).into_actor(self).map(
            |(outcome, latest), act, ctx| {
                act.record = latest;
                if act.record.is_none() {
                    // Lost track of the stored booking: let the next command start afresh.
                    ctx.stop();
                }
                if let Ok(committed) = &outcome {
                    tracing::info!(booking = %act.id, events = committed.events.len(),
                        status = %committed.record.state, "booking changed");
                }
                outcome
            },
        )))
    }
}

impl Handler<Apply> for BookingSession {
    type Result = AtomicResponse<Self, Result<Committed, SessionError>>;

    fn handle(&mut self, msg: Apply, _: &mut Context<Self>) -> Self::Result {
        self.execute(Wanted::Event(msg))
    }
}

impl Handler<Force> for BookingSession {
    type Result = AtomicResponse<Self, Result<Committed, SessionError>>;

    fn handle(&mut self, msg: Force, _: &mut Context<Self>) -> Self::Result {
        self.execute(Wanted::Force(msg))
    }
}

impl Handler<GetRecord> for BookingSession {
    type Result = Result<BookingRecord, SessionError>;

    fn handle(&mut self, _: GetRecord, _: &mut Context<Self>) -> Self::Result {
        self.record.clone().ok_or(SessionError::NotFound)
    }
}

#[cfg(test)]
mod tests;
