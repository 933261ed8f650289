//! `BookingSession`: one actor per live booking, the only writer of its state,
//! and the hub of its live traffic.
//!
//! Journal work goes through the session's *lane*: one job at a time, in the
//! order it was asked for, each validated against the state machine when its
//! turn comes (so against every commit before it), committed by the
//! [`Journal`] with its side effects and events in one transaction, then
//! cached, published to the subscribers and answered. If the stored version
//! moved under it (another node, a restart), a job reloads and re-validates
//! once. The lane runs beside the mailbox, not in front of it: while a commit
//! waits for the database, the session keeps relaying fixes.
//!
//! Fixes feed the proximity rule; their `location` and per-fix `proximity`
//! frames are ephemeral and go out at once (carrying the latest published
//! `seq`, no database write). What a fix causes in the journal (`en_route` on
//! the provider's first fix, a change of `within`/`satisfied`, `arrived` and,
//! with auto-start, `in_progress`) joins the lane; its events go out only after
//! their commit, in `seq` order.
//! The session loads its booking when it starts and stops itself after
//! `idle_timeout` without commands or subscribers.

mod run;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};

use crate::booking::{Actor, BookingEvent, BookingState, Role};
use crate::client::{Client, CoalesceKey, Pushed, Shaped};
use crate::fanout::{Fanout, Outbound, Published};
use crate::journal::{BookingRecord, ChatDraft, Detail, Entry, Journal, JournalEvent, TrailPoint};
use crate::live::LiveBookings;
use crate::messages::{
    Apply, FixIn, Force, GetRecord, GetSummary, LastFix, LastLocations, Locate, MarkRead,
    Monitored, Relay, Resync, SendChat, SessionError, SessionStopped, SessionSummary, Snapshot,
    Subscribe, Unsubscribe,
};
use crate::protocol::{frames, ErrorCode, ProximityReport};
use crate::proximity::{metres, Fix, Location, Proximity, ProximityConfig, ProximityUpdate};
use run::{Out, Step, Wanted};

/// What every command handler answers: at once, or when its lane job is done.
type Answer<T> = ResponseFuture<Result<T, SessionError>>;

/// An answer given at once, without touching the journal.
fn at_once<T: 'static>(result: Result<T, SessionError>) -> Answer<T> {
    Box::pin(std::future::ready(result))
}

/// What a finished lane job hands its asker: the outcome, the outputs, the record.
type Done = Box<dyn FnOnce(Result<(), SessionError>, &[Out], Option<&BookingRecord>)>;

/// One unit of journal work on the lane.
struct Job {
    steps: Vec<Step>,
    done: Option<Done>,
}

/// The most events one `subscribe` replays (older history: `GET .../events`).
pub const MAX_REPLAY: i64 = 1000;

/// The tunables every session shares.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub idle_timeout: Duration,
    pub proximity: ProximityConfig,
    /// Start the job as soon as the provider has arrived.
    pub auto_start: bool,
    /// Keep at most one trail point per party per this interval...
    pub trail_every: Duration,
    /// ...unless they moved at least this far.
    pub trail_min_m: f64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(300),
            proximity: ProximityConfig::default(),
            auto_start: false,
            trail_every: Duration::from_secs(10),
            trail_min_m: 25.0,
        }
    }
}

/// Where a session reports: its stop, monitor events while any monitor is on,
/// and its booking's entry in the index of live bookings.
#[derive(Clone)]
pub struct SessionLinks {
    pub on_stop: Option<Recipient<SessionStopped>>,
    pub monitor: Option<Recipient<Monitored>>,
    pub monitors_on: Arc<AtomicBool>,
    /// The index of providers' live bookings this session keeps its entry in.
    pub live: LiveBookings,
    /// Where frames go for the other nodes' subscribers (several nodes only).
    pub fanout: Option<Arc<dyn Fanout>>,
}

pub struct BookingSession {
    id: Arc<str>,
    generation: u64,
    record: Option<BookingRecord>,
    journal: Arc<dyn Journal>,
    links: SessionLinks,
    config: Arc<SessionConfig>,
    last_command: Instant,
    subscribers: HashMap<u64, Client>,
    proximity: Option<Proximity>,
    last: LastLocations,
    trail_last: [Option<(DateTime<Utc>, f64, f64)>; 2],
    /// The proximity timer, when armed: when it fires and its handle.
    tick_timer: Option<(Instant, SpawnHandle)>,
    /// Journal work waiting for its turn, and whether a job is running.
    lane: VecDeque<Job>,
    running: bool,
    /// The state the queued fix-caused commits lead to (`en_route`,
    /// `arrived`...), so later fixes do not ask for them again.
    ahead: Option<BookingState>,
}

impl BookingSession {
    pub fn new(
        id: String,
        generation: u64,
        journal: Arc<dyn Journal>,
        links: SessionLinks,
        config: Arc<SessionConfig>,
    ) -> Self {
        Self {
            id: id.into(),
            generation,
            record: None,
            journal,
            links,
            config,
            last_command: Instant::now(),
            subscribers: HashMap::new(),
            proximity: None,
            last: LastLocations::default(),
            trail_last: [None, None],
            tick_timer: None,
            lane: VecDeque::new(),
            running: false,
            ahead: None,
        }
    }

    fn loaded(&mut self, record: BookingRecord) {
        let mut proximity = Proximity::new(
            self.config.proximity,
            Location {
                lat: record.target.0,
                lng: record.target.1,
            },
        );
        let satisfied = matches!(
            record.state,
            BookingState::Arrived | BookingState::InProgress | BookingState::Completed
        );
        proximity.restore(record.within_since, satisfied);
        self.proximity = Some(proximity);
        self.links.live.note(&record);
        if let Some(fanout) = &self.links.fanout {
            fanout.state(&record.id, &record.provider_id, record.state);
        }
        let seq = record.last_seq;
        self.record = Some(record);
        // Mirrors elsewhere that missed the end of a previous owner's frames
        // read them now.
        self.fan(Published::Sync { seq });
    }

    /// Hands `frame` to the other nodes (several nodes only).
    fn fan(&self, frame: Published) {
        if let (Some(fanout), Some(record)) = (&self.links.fanout, &self.record) {
            fanout.publish(Outbound {
                booking_id: self.id.clone(),
                status: record.state,
                frame,
            });
        }
    }

    /// Sends `text` to every subscriber (dropping those whose queue closed),
    /// to the other nodes, and, while monitors are on, to the dispatcher for
    /// them. `seq` is a journaled event's.
    fn publish(&mut self, text: Arc<str>, key: Option<CoalesceKey>, seq: Option<i64>) {
        self.subscribers
            .retain(|_, c| c.queue.push(text.clone(), key.clone()) != Pushed::Closed);
        if self.links.fanout.is_some() {
            self.fan(match (&key, seq) {
                (Some(k), _) => Published::Shaped {
                    kind: k.kind,
                    role: k.role,
                    text: text.clone(),
                },
                (None, Some(seq)) => Published::Event {
                    seq,
                    text: text.clone(),
                },
                (None, None) => Published::Sync {
                    seq: self.record.as_ref().map_or(0, |r| r.last_seq),
                },
            });
        }
        if self.links.monitors_on.load(Ordering::Relaxed) {
            if let (Some(monitor), Some(record)) = (&self.links.monitor, &self.record) {
                monitor.do_send(Monitored {
                    booking_id: self.id.clone(),
                    status: record.state,
                    text,
                    key,
                });
            }
        }
    }

    /// Publishes a run's outputs in order; ephemeral frames get the `seq` of
    /// the latest journaled event before them.
    fn publish_outputs(&mut self, outputs: Vec<Out>) {
        // The seq before the first journaled output, so each ephemeral frame
        // carries the latest seq a client has seen when it arrives.
        let journaled = outputs
            .iter()
            .filter(|o| matches!(o, Out::Event(_)))
            .count();
        let mut seq = self.record.as_ref().map_or(0, |r| r.last_seq) - journaled as i64;
        for out in outputs {
            match out {
                Out::Event(event) => {
                    seq = event.seq;
                    self.publish(frames::event(&event), None, Some(event.seq));
                }
                Out::Location {
                    role,
                    fix,
                    distance_m,
                    proximity,
                } => {
                    let text =
                        frames::location(&self.id, seq, role, &fix, distance_m, proximity.as_ref());
                    let key = CoalesceKey {
                        booking_id: self.id.clone(),
                        kind: Shaped::Location,
                        role: Some(role),
                    };
                    self.publish(text, Some(key), None);
                }
                Out::Duplicate(_) => {}
                Out::Proximity(update) => {
                    let report = ProximityReport::from(&update.snapshot());
                    let text = frames::proximity(&self.id, seq, &report);
                    let key = CoalesceKey {
                        booking_id: self.id.clone(),
                        kind: Shaped::Proximity,
                        role: None,
                    };
                    self.publish(text, Some(key), None);
                }
            }
        }
    }

    /// Queues `steps` on the lane; `answer` reads the outcome once they ran.
    fn execute<T: 'static>(
        &mut self,
        steps: Vec<Step>,
        answer: impl FnOnce(&[Out], Option<&BookingRecord>) -> Result<T, SessionError> + 'static,
        ctx: &mut Context<Self>,
    ) -> Answer<T> {
        self.last_command = Instant::now();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let done: Done = Box::new(move |outcome, outputs, record| {
            let _ = tx.send(outcome.and_then(|()| answer(outputs, record)));
        });
        self.enqueue(steps, Some(done), ctx);
        Box::pin(async move {
            rx.await.unwrap_or_else(|_| {
                Err(SessionError::Unavailable(
                    "the booking session stopped; the command may or may not have been applied (read the booking before retrying)".into(),
                ))
            })
        })
    }

    fn enqueue(&mut self, steps: Vec<Step>, done: Option<Done>, ctx: &mut Context<Self>) {
        self.lane.push_back(Job { steps, done });
        self.pump(ctx);
    }

    /// Starts the next lane job unless one is running. The job runs as a
    /// spawned future: the mailbox (fixes, subscriptions) keeps flowing.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.running {
            return;
        }
        let Some(job) = self.lane.pop_front() else {
            self.ahead = None;
            return;
        };
        let Some(record) = self.record.clone() else {
            // The session lost track of the booking and is stopping; the next
            // command starts a fresh one, so the caller may retry.
            if let Some(done) = job.done {
                done(
                    Err(SessionError::Unavailable(
                        "the booking session is restarting; try again".into(),
                    )),
                    &[],
                    None,
                );
            }
            return self.pump(ctx);
        };
        self.running = true;
        let journal = self.journal.clone();
        let span = tracing::Span::current();
        let done = job.done;
        // The journal work is a task of its own, not a future of this actor:
        // it must progress (and give its database connection back) even while
        // the actor waits on something else, such as a subscriber's replay.
        let (tx, rx) = tokio::sync::oneshot::channel();
        actix::spawn(async move {
            let _ = tx.send(run::run(journal, record, job.steps).await);
        });
        ctx.spawn(rx.into_actor(self).map(
            move |result, act, ctx| {
                let (outcome, latest, outputs) = result.unwrap_or_else(|_| {
                    (
                        Err(SessionError::Unavailable("the journal task ended".into())),
                        act.record.clone(),
                        Vec::new(),
                    )
                });
                let _span = span.entered();
                if let Err(err) = &outcome {
                    tracing::debug!(code = %err.code(), "journal work not applied");
                }
                let before = act.record.as_ref().map(|r| r.state);
                act.record = latest;
                // Only a change of state can change the index (appends,
                // e.g. chat, leave it alone: no lock taken per message).
                if let Some(record) = act.record.as_ref().filter(|r| Some(r.state) != before) {
                    act.links.live.note(record);
                    if let Some(fanout) = &act.links.fanout {
                        fanout.state(&record.id, &record.provider_id, record.state);
                    }
                }
                act.running = false;
                if act.record.is_none() {
                    // Lost track of the stored booking: let the next command start afresh.
                    ctx.stop();
                }
                // Subscribers first, then the asker: whoever hears "done"
                // finds the event already queued for every subscriber.
                match done {
                    Some(done) => {
                        let answered = outputs.clone();
                        act.publish_outputs(outputs);
                        done(outcome, &answered, act.record.as_ref());
                    }
                    None => {
                        if let Err(e) = &outcome {
                            tracing::warn!(booking = %act.id, code = %e.code(), "what a fix caused could not be journaled");
                        }
                        act.publish_outputs(outputs);
                    }
                }
                act.pump(ctx);
            },
        ));
    }

    /// The state after the journal work already queued.
    fn state_ahead(&self) -> Option<BookingState> {
        self.ahead.or(self.record.as_ref().map(|r| r.state))
    }

    /// The span every line logged while handling `message` carries.
    fn span(&self, message: &'static str) -> tracing::Span {
        tracing::debug_span!("booking_session", booking = %self.id, message)
    }

    fn role_of(&self, user_id: &str) -> Option<Role> {
        let record = self.record.as_ref()?;
        if user_id == record.provider_id {
            Some(Role::Provider)
        } else if user_id == record.customer_id {
            Some(Role::Customer)
        } else {
            None
        }
    }

    /// The journal steps a proximity update asks for, appended to `steps`
    /// (ephemeral ones are published at once by the caller).
    fn proximity_steps(
        &mut self,
        update: &ProximityUpdate,
        state: BookingState,
        steps: &mut Vec<Step>,
    ) {
        if update.is_journaled() {
            steps.push(Step::Append(Entry::Proximity(ProximityReport::from(
                &update.snapshot(),
            ))));
        } else {
            steps.push(Step::Ephemeral(Out::Proximity(*update)));
        }
        if update.satisfied && matches!(state, BookingState::Confirmed | BookingState::EnRoute) {
            steps.push(Step::Commit(Wanted::system(
                BookingEvent::ProximitySatisfied,
            )));
            self.ahead = Some(BookingState::Arrived);
            if self.config.auto_start {
                steps.push(Step::Commit(Wanted::system(BookingEvent::Start)));
                self.ahead = Some(BookingState::InProgress);
            }
        }
    }

    /// Keeps the location trail: one point per party per `trail_every`, or
    /// sooner when they moved `trail_min_m`.
    fn trail(&mut self, role: Role, fix: &FixIn) {
        let slot = usize::from(role == Role::Customer);
        let now = Utc::now();
        let due = match self.trail_last[slot] {
            None => true,
            Some((at, lat, lng)) => {
                let elapsed = (now - at).to_std().unwrap_or_default();
                elapsed >= self.config.trail_every
                    || metres((lat, lng), (fix.lat, fix.lng)) >= self.config.trail_min_m
            }
        };
        if due {
            // After a party's first point, the next one falls due at a phase
            // of its own within the following interval, so bookings that
            // started together do not all write their trail in the same
            // instant (at most one point per interval still holds).
            let from = if self.trail_last[slot].is_none() {
                now + trail_phase(&self.id, role, self.config.trail_every)
            } else {
                now
            };
            self.trail_last[slot] = Some((from, fix.lat, fix.lng));
            self.journal.trail(TrailPoint {
                booking_id: self.id.to_string(),
                role,
                lat: fix.lat,
                lng: fix.lng,
                accuracy_m: fix.accuracy_m,
                at: fix.at,
            });
        }
    }

    /// Arms the proximity timer for when time alone could change what
    /// clients see ([`Proximity::next_tick`]), unless it is armed sooner. A
    /// session only wakes up when that can happen: while the provider is
    /// within, every second; otherwise rarely or never.
    fn arm_tick(&mut self, ctx: &mut Context<Self>) {
        if !self.state_ahead().is_some_and(BookingState::awaits_arrival) {
            return;
        }
        let Some(proximity) = self.proximity.as_ref().filter(|p| p.has_provider_fix()) else {
            return;
        };
        let Some(after) = proximity.next_tick(Utc::now()) else {
            return;
        };
        let at = Instant::now() + after;
        if let Some((armed, handle)) = self.tick_timer {
            if armed <= at {
                return;
            }
            ctx.cancel_future(handle);
        }
        let handle = ctx.run_later(after, |act, ctx| {
            act.tick_timer = None;
            act.tick(ctx);
            act.arm_tick(ctx);
        });
        self.tick_timer = Some((at, handle));
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        let Some(state) = self.state_ahead() else {
            return;
        };
        if !state.awaits_arrival() {
            return;
        }
        let Some(proximity) = self.proximity.as_mut() else {
            return;
        };
        if !proximity.has_provider_fix() {
            return;
        }
        let Some(update) = proximity.tick(Utc::now()) else {
            return;
        };
        let _span = self.span("tick").entered();
        let mut steps = Vec::new();
        self.proximity_steps(&update, state, &mut steps);
        self.run_fix_steps(steps, ctx);
    }

    /// Publishes the ephemeral outputs of fix-caused `steps` now (they carry
    /// the latest published `seq`) and queues the journal work on the lane.
    fn run_fix_steps(&mut self, steps: Vec<Step>, ctx: &mut Context<Self>) {
        let mut journaled = Vec::new();
        for step in steps {
            match step {
                Step::Ephemeral(out) => self.publish_outputs(vec![out]),
                other => journaled.push(other),
            }
        }
        if !journaled.is_empty() {
            self.enqueue(journaled, None, ctx);
        }
    }
}

/// The rule at `now`; until a fix arrives after a restart, the journaled state.
fn proximity_now(p: &Proximity, now: DateTime<Utc>) -> ProximityReport {
    let snapshot = if p.has_provider_fix() {
        p.snapshot(now)
    } else {
        p.last_reported()
    };
    ProximityReport::from(&snapshot)
}

/// A fixed offset in `[0, every)` for a booking's party: when, within each
/// trail interval, its points fall due.
fn trail_phase(booking_id: &str, role: Role, every: Duration) -> chrono::Duration {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (booking_id, role.as_str()).hash(&mut h);
    let millis = u64::try_from(every.as_millis()).unwrap_or(u64::MAX).max(1);
    chrono::Duration::milliseconds(i64::try_from(h.finish() % millis).unwrap_or(0))
}

impl actix::Actor for BookingSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Nothing else is handled until the booking is loaded.
        let load = self.journal.load(&self.id);
        ctx.wait(load.into_actor(self).map(|res, act, ctx| match res {
            Ok(record) => act.loaded(record),
            Err(err) => {
                tracing::warn!(booking = %act.id, ?err, "session could not load its booking");
                ctx.stop();
            }
        }));
        let every = (self.config.idle_timeout / 4).max(Duration::from_millis(50));
        ctx.run_interval(every, |act, ctx| {
            if act.subscribers.is_empty()
                && !act.running
                && act.lane.is_empty()
                && act.last_command.elapsed() >= act.config.idle_timeout
            {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        // Subscribers must not be left listening to nothing: they reconnect
        // (1012: service restart) and resume with `since_seq`.
        for client in self.subscribers.values() {
            client.queue.close(1012);
        }
        if let Some(on_stop) = &self.links.on_stop {
            on_stop.do_send(SessionStopped {
                booking_id: self.id.to_string(),
                generation: self.generation,
            });
        }
    }
}

impl Handler<Apply> for BookingSession {
    type Result = Answer<crate::journal::Committed>;

    fn handle(&mut self, msg: Apply, ctx: &mut Context<Self>) -> Self::Result {
        let _span = self.span("Apply").entered();
        tracing::debug!(event = %msg.event, actor = %msg.actor, "apply");
        self.execute(vec![Step::Commit(Wanted::Event(msg))], run::committed, ctx)
    }
}

impl Handler<Force> for BookingSession {
    type Result = Answer<crate::journal::Committed>;

    fn handle(&mut self, msg: Force, ctx: &mut Context<Self>) -> Self::Result {
        let _span = self.span("Force").entered();
        tracing::debug!(to = %msg.to, by = %msg.by, "force");
        self.execute(vec![Step::Commit(Wanted::Force(msg))], run::committed, ctx)
    }
}

impl Handler<GetRecord> for BookingSession {
    type Result = Result<BookingRecord, SessionError>;

    fn handle(&mut self, _: GetRecord, _: &mut Context<Self>) -> Self::Result {
        self.record.clone().ok_or(SessionError::NotFound)
    }
}

impl Handler<Subscribe> for BookingSession {
    /// Atomic: nothing is published between the replay read and the
    /// subscriber joining, so it misses no event and sees none twice.
    type Result = AtomicResponse<Self, Result<(), SessionError>>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        let _span = self.span("Subscribe").entered();
        let refuse = |e| AtomicResponse::new(Box::pin(fut::ready(Err(e))));
        let Some(record) = self.record.clone() else {
            return refuse(SessionError::NotFound);
        };
        let allowed = msg.client.role == Role::Admin || self.role_of(&msg.client.user_id).is_some();
        if !allowed {
            return refuse(SessionError::NotParticipant);
        }
        self.last_command = Instant::now();
        let now = Utc::now();
        let proximity = self
            .proximity
            .as_ref()
            .map(|p| proximity_now(p, now))
            .unwrap_or_default();
        let snapshot = frames::subscribed(msg.re.as_deref(), &record, &self.last, proximity);
        if msg
            .since_seq
            .is_some_and(|since| record.last_seq - since > MAX_REPLAY)
        {
            return refuse(SessionError::Rejected {
                code: ErrorCode::ReplayTooLong,
                message: format!(
                    "more than {MAX_REPLAY} events to replay: read GET /v1/bookings/{{id}}/events, then subscribe with a recent since_seq"
                ),
            });
        }
        let replay = match msg.since_seq {
            Some(since) if since < record.last_seq => {
                self.journal.replay(&self.id, since.max(0), record.last_seq)
            }
            _ => Box::pin(std::future::ready(Ok(Vec::new()))),
        };
        let client = msg.client;
        AtomicResponse::new(Box::pin(replay.into_actor(self).map(
            move |events, act, _| {
                let events = events.map_err(|e| SessionError::Unavailable(format!("{e:?}")))?;
                // Snapshot, then the replay, then (once subscribed) live events.
                client.queue.push_unbounded(snapshot);
                for event in &events {
                    client.queue.push_unbounded(frames::event(event));
                }
                act.subscribers.insert(client.conn_id, client);
                Ok(())
            },
        )))
    }
}

impl Handler<Unsubscribe> for BookingSession {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        let _span = self.span("Unsubscribe").entered();
        self.subscribers.remove(&msg.conn_id);
        self.last_command = Instant::now();
    }
}

impl Handler<Locate> for BookingSession {
    /// Answered in the handler itself: a fix never waits, and no task is
    /// spawned to carry its answer.
    type Result = Result<(), SessionError>;

    fn handle(&mut self, msg: Locate, ctx: &mut Context<Self>) -> Self::Result {
        let _span = self.span("Locate").entered();
        self.locate(msg, ctx)
    }
}

impl Handler<Relay> for BookingSession {
    type Result = ();

    fn handle(&mut self, msg: Relay, ctx: &mut Context<Self>) {
        let _span = self.span("Relay").entered();
        if let (Err(e), Some((client, re))) = (self.locate(msg.locate, ctx), msg.reply_to) {
            client
                .queue
                .push(frames::error(re.as_deref(), e.code(), &e.message()), None);
        }
    }
}

impl BookingSession {
    /// One fix: relayed at once; what it causes in the journal goes on the lane.
    fn locate(&mut self, msg: Locate, ctx: &mut Context<Self>) -> Result<(), SessionError> {
        // Fixes keep a session alive (fixes over HTTP have no subscriber).
        self.last_command = Instant::now();
        let Some(state) = self.state_ahead() else {
            return Err(SessionError::NotFound);
        };
        let Some(role) = self.role_of(&msg.user_id) else {
            return Err(SessionError::NotParticipant);
        };
        if !state.takes_fixes() {
            return Err(SessionError::NotLive(state));
        }
        let fix = msg.fix;
        let as_fix = Fix {
            lat: fix.lat,
            lng: fix.lng,
            accuracy_m: fix.accuracy_m,
            at: fix.at,
        };
        let now = Utc::now();
        let update = match (role, self.proximity.as_mut()) {
            (Role::Provider, Some(p)) => p.on_provider_fix(as_fix, now),
            (_, Some(p)) => p.on_customer_fix(as_fix, now),
            (_, None) => None,
        };
        // Stale or out of order: ignored, like the rule says.
        let Some(update) = update else {
            return Ok(());
        };
        let last = LastFix {
            lat: fix.lat,
            lng: fix.lng,
            accuracy_m: fix.accuracy_m,
            at: fix.at_raw.clone(),
        };
        match role {
            Role::Provider => self.last.provider = Some(last),
            _ => self.last.customer = Some(last),
        }
        self.trail(role, &fix);
        let mut steps = Vec::new();
        let mut state_after = state;
        if role == Role::Provider && state == BookingState::Confirmed {
            steps.push(Step::Commit(Wanted::Event(Apply {
                event: BookingEvent::LocationStarted,
                actor: Actor::Provider,
                by: Some(msg.user_id.to_string()),
                reason: None,
                detail: Detail::None,
            })));
            state_after = BookingState::EnRoute;
            self.ahead = Some(BookingState::EnRoute);
        }
        let mut proximity = None;
        if state_after.awaits_arrival() {
            self.proximity_steps(&update, state_after, &mut steps);
            // The per-fix update rides on the location frame; only a change
            // of `within`/`satisfied` becomes a (journaled) proximity event.
            steps.retain(|s| !matches!(s, Step::Ephemeral(Out::Proximity(_))));
            proximity = Some(ProximityReport::from(&update.snapshot()));
        }
        // The relay goes out now, whatever the fix causes in the journal.
        self.publish_outputs(vec![Out::Location {
            role,
            fix,
            distance_m: update.distance_m,
            proximity,
        }]);
        self.run_fix_steps(steps, ctx);
        self.arm_tick(ctx);
        Ok(())
    }
}

impl Handler<SendChat> for BookingSession {
    type Result = Answer<JournalEvent>;

    fn handle(&mut self, msg: SendChat, ctx: &mut Context<Self>) -> Self::Result {
        let _span = self.span("SendChat").entered();
        let Some(state) = self.record.as_ref().map(|r| r.state) else {
            return at_once(Err(SessionError::NotFound));
        };
        if self.role_of(&msg.from).is_none() {
            return at_once(Err(SessionError::NotParticipant));
        }
        if !state.chat_active() {
            return at_once(Err(SessionError::ChatInactive));
        }
        let draft = ChatDraft {
            from: msg.from,
            text: msg.text,
            client_msg_id: msg.client_msg_id,
        };
        self.execute(vec![Step::Append(Entry::Chat(draft))], run::the_event, ctx)
    }
}

impl Handler<MarkRead> for BookingSession {
    type Result = Answer<JournalEvent>;

    fn handle(&mut self, msg: MarkRead, ctx: &mut Context<Self>) -> Self::Result {
        let _span = self.span("MarkRead").entered();
        let Some(last_seq) = self.record.as_ref().map(|r| r.last_seq) else {
            return at_once(Err(SessionError::NotFound));
        };
        if self.role_of(&msg.by).is_none() {
            return at_once(Err(SessionError::NotParticipant));
        }
        let up_to_seq = msg.up_to_seq.clamp(0, last_seq);
        self.execute(
            vec![Step::Append(Entry::Read {
                by: msg.by,
                up_to_seq,
            })],
            run::the_event,
            ctx,
        )
    }
}

impl Handler<Snapshot> for BookingSession {
    type Result = Result<(Arc<str>, i64), SessionError>;

    /// The `subscribed` frame for a subscriber on another node, and the
    /// `seq` it was taken at: every event up to it was already published.
    fn handle(&mut self, msg: Snapshot, _: &mut Context<Self>) -> Self::Result {
        let _span = self.span("Snapshot").entered();
        let Some(record) = self.record.as_ref() else {
            return Err(SessionError::NotFound);
        };
        if msg.role != Role::Admin && self.role_of(&msg.user_id).is_none() {
            return Err(SessionError::NotParticipant);
        }
        self.last_command = Instant::now();
        let proximity = self
            .proximity
            .as_ref()
            .map(|p| proximity_now(p, Utc::now()))
            .unwrap_or_default();
        let text = frames::subscribed(msg.re.as_deref(), record, &self.last, proximity);
        Ok((text, record.last_seq))
    }
}

impl Handler<crate::messages::StopSession> for BookingSession {
    type Result = ();

    fn handle(&mut self, _: crate::messages::StopSession, ctx: &mut Context<Self>) {
        tracing::info!(booking = %self.id, "this node no longer owns the booking; its session stops");
        ctx.stop();
    }
}

impl Handler<Resync> for BookingSession {
    type Result = ();

    fn handle(&mut self, _: Resync, _: &mut Context<Self>) {
        if let Some(seq) = self.record.as_ref().map(|r| r.last_seq) {
            self.fan(Published::Sync { seq });
        }
    }
}

impl Handler<GetSummary> for BookingSession {
    type Result = Option<SessionSummary>;

    fn handle(&mut self, _: GetSummary, _: &mut Context<Self>) -> Self::Result {
        let record = self.record.as_ref()?;
        Some(SessionSummary {
            booking_id: record.id.clone(),
            status: record.state,
            seq: record.last_seq,
            chat_active: record.state.chat_active(),
            subscribers: self.subscribers.len(),
            last_locations: self.last.clone(),
            proximity: self
                .proximity
                .as_ref()
                .map(|p| proximity_now(p, Utc::now()))
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests;
