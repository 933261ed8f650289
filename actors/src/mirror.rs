//! `Mirror`: a booking's live frames on a node that does not own it. The
//! owner's session publishes each frame once ([`crate::fanout`]); every
//! node with subscribers of the booking runs a mirror that hands the frames
//! to them. Journaled events reach each subscriber once and in `seq` order:
//! an event at or below what a subscriber has is dropped, and a gap (frames
//! lost in transport, or an owner that died before publishing) is read from
//! the journal before the next event goes out. Shaped frames (locations) go
//! out as they come.
//!
//! A mirror stops itself after [`MIRROR_IDLE`] without subscribers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::client::{Client, CoalesceKey, Pushed};
use crate::fanout::{Outbound, Published};
use crate::journal::{Journal, JournalEvent};
use crate::messages::{SessionError, Unsubscribe};
use crate::protocol::{frames, ErrorCode};
use crate::session::MAX_REPLAY;

/// How long a mirror with no subscriber lives on.
pub const MIRROR_IDLE: Duration = Duration::from_secs(30);

/// Join a remote booking's frames on this node: `snapshot` is the owner's
/// `subscribed` frame, taken at `snapshot_seq`; the client gets it, then the
/// events after `since_seq` (read from the journal), then live events.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), SessionError>")]
pub struct MirrorSubscribe {
    pub client: Client,
    pub since_seq: Option<i64>,
    pub snapshot: Arc<str>,
    pub snapshot_seq: i64,
}

/// A frame the owner published.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Remote(pub Outbound);

/// The transport was down: read whatever the journal has beyond what was delivered.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct CatchUp;

/// A mirror tells the dispatcher it stopped.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct MirrorStopped {
    pub booking_id: Arc<str>,
    pub generation: u64,
}

struct Subscriber {
    client: Client,
    /// The last journaled `seq` this subscriber has.
    has: i64,
}

pub struct Mirror {
    id: Arc<str>,
    generation: u64,
    journal: Arc<dyn Journal>,
    subscribers: HashMap<u64, Subscriber>,
    /// The latest journaled `seq` handed out (`None` until known).
    last_seq: Option<i64>,
    alone_since: Option<Instant>,
    on_stop: Option<Recipient<MirrorStopped>>,
}

impl Mirror {
    pub fn new(
        id: Arc<str>,
        generation: u64,
        journal: Arc<dyn Journal>,
        on_stop: Option<Recipient<MirrorStopped>>,
    ) -> Self {
        Self {
            id,
            generation,
            journal,
            subscribers: HashMap::new(),
            last_seq: None,
            alone_since: Some(Instant::now()),
            on_stop,
        }
    }

    fn push(&mut self, text: &Arc<str>, key: Option<&CoalesceKey>, seq: Option<i64>) {
        self.subscribers.retain(|_, s| {
            if seq.is_some_and(|seq| seq <= s.has) {
                return true;
            }
            let pushed = s.client.queue.push(text.clone(), key.cloned());
            if let Some(seq) = seq {
                s.has = seq;
            }
            pushed != Pushed::Closed
        });
        if self.subscribers.is_empty() && self.alone_since.is_none() {
            self.alone_since = Some(Instant::now());
        }
    }

    fn deliver_events(&mut self, events: &[JournalEvent]) {
        for event in events {
            if self.last_seq.is_some_and(|l| event.seq <= l) {
                continue;
            }
            self.push(&frames::event(event), None, Some(event.seq));
            self.last_seq = Some(event.seq);
        }
    }

    /// Reads `(after, up_to]` from the journal before anything else is
    /// handled, hands it out, then `then` (the event that showed the gap).
    fn fill(
        &mut self,
        after: i64,
        up_to: i64,
        then: Option<(i64, Arc<str>)>,
        ctx: &mut Context<Self>,
    ) {
        let replay = self.journal.replay(&self.id, after, up_to);
        ctx.wait(replay.into_actor(self).map(move |events, act, _| {
            match events {
                Ok(events) => act.deliver_events(&events),
                Err(e) => tracing::warn!(booking = %act.id, error = %e, "mirror could not read a gap; waiting for the next event"),
            }
            if let Some((seq, text)) = then {
                if act.last_seq.is_none_or(|l| seq > l) {
                    act.push(&text, None, Some(seq));
                    act.last_seq = Some(seq);
                }
            }
        }));
    }
}

impl Actor for Mirror {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(Duration::from_secs(5), |act, ctx| {
            if act
                .alone_since
                .is_some_and(|since| act.subscribers.is_empty() && since.elapsed() >= MIRROR_IDLE)
            {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        for s in self.subscribers.values() {
            s.client.queue.close(1012);
        }
        if let Some(on_stop) = &self.on_stop {
            on_stop.do_send(MirrorStopped {
                booking_id: self.id.clone(),
                generation: self.generation,
            });
        }
    }
}

impl Handler<MirrorSubscribe> for Mirror {
    /// Atomic, like a session's `Subscribe`: no frame is handed out between
    /// the replay read and the subscriber joining.
    type Result = AtomicResponse<Self, Result<(), SessionError>>;

    fn handle(&mut self, msg: MirrorSubscribe, _: &mut Context<Self>) -> Self::Result {
        // Everything up to the later of the snapshot and what was handed out
        // comes from the journal; live frames take over from there.
        let upto = self
            .last_seq
            .map_or(msg.snapshot_seq, |l| l.max(msg.snapshot_seq));
        let from = msg.since_seq.unwrap_or(msg.snapshot_seq).max(0);
        if upto - from > MAX_REPLAY {
            return AtomicResponse::new(Box::pin(fut::ready(Err(SessionError::Rejected {
                code: ErrorCode::ReplayTooLong,
                message: format!(
                    "more than {MAX_REPLAY} events to replay: read GET /v1/bookings/{{id}}/events, then subscribe with a recent since_seq"
                ),
            }))));
        }
        let replay = if from < upto {
            self.journal.replay(&self.id, from, upto)
        } else {
            Box::pin(std::future::ready(Ok(Vec::new())))
        };
        let client = msg.client;
        let snapshot = msg.snapshot;
        AtomicResponse::new(Box::pin(replay.into_actor(self).map(
            move |events, act, _| {
                let events = events.map_err(|e| SessionError::Unavailable(e.to_string()))?;
                client.queue.push_unbounded(snapshot);
                for event in &events {
                    client.queue.push_unbounded(frames::event(event));
                }
                let has = events.last().map_or(upto.max(from), |e| e.seq.max(upto));
                if act.last_seq.is_none_or(|l| has > l) {
                    act.last_seq = Some(has);
                }
                act.alone_since = None;
                act.subscribers
                    .insert(client.conn_id, Subscriber { client, has });
                Ok(())
            },
        )))
    }
}

impl Handler<Unsubscribe> for Mirror {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        self.subscribers.remove(&msg.conn_id);
        if self.subscribers.is_empty() {
            self.alone_since = Some(Instant::now());
        }
    }
}

impl Handler<Remote> for Mirror {
    type Result = ();

    fn handle(&mut self, Remote(out): Remote, ctx: &mut Context<Self>) {
        match out.frame {
            Published::Event { seq, text } => match self.last_seq {
                Some(last) if seq <= last => {}
                Some(last) if seq > last + 1 && !self.subscribers.is_empty() => {
                    self.fill(last, seq - 1, Some((seq, text)), ctx);
                }
                _ => {
                    self.push(&text, None, Some(seq));
                    self.last_seq = Some(seq);
                }
            },
            Published::Shaped { kind, role, text } => {
                let key = CoalesceKey {
                    booking_id: self.id.clone(),
                    kind,
                    role,
                };
                self.push(&text, Some(&key), None);
            }
            Published::Sync { seq } => match self.last_seq {
                Some(last) if seq > last && !self.subscribers.is_empty() => {
                    self.fill(last, seq, None, ctx);
                }
                Some(_) => {}
                None => self.last_seq = Some(seq),
            },
        }
    }
}

impl Handler<CatchUp> for Mirror {
    type Result = ();

    fn handle(&mut self, _: CatchUp, ctx: &mut Context<Self>) {
        if let Some(last) = self.last_seq {
            if !self.subscribers.is_empty() {
                self.fill(last, i64::MAX, None, ctx);
            }
        }
    }
}
