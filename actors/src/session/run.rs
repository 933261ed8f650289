//! Running a command's journal steps in order, with the reload-and-retry rules.

use std::sync::Arc;

use crate::booking::{self, Actor, BookingEvent, BookingState, Refusal, Role, Transition};
use crate::journal::{
    Append, Appended, BookingRecord, Cause, Change, Committed, Detail, Entry, Journal,
    JournalError, JournalEvent,
};
use crate::messages::{Apply, FixIn, Force, SessionError};
use crate::protocol::EventBody;
use crate::proximity::ProximityUpdate;

/// A change to validate: an event by a role, or an admin's forced move.
#[derive(Clone)]
pub(super) enum Wanted {
    Event(Apply),
    Force(Force),
}

impl Wanted {
    pub(super) fn system(event: BookingEvent) -> Self {
        Self::Event(Apply::system(event, None))
    }

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
                actor: Actor::Admin,
                by: Some(cmd.by.clone()),
                reason: Some(cmd.reason.clone()),
                detail: Detail::None,
            },
        }
    }
}

/// One step of a command.
pub(super) enum Step {
    Commit(Wanted),
    Append(Entry),
    Ephemeral(Out),
}

/// What a run produced, in order, for the session to publish.
#[derive(Debug, Clone)]
pub(super) enum Out {
    Event(JournalEvent),
    /// A chat message stored before (same `client_msg_id`): answered, not re-sent.
    Duplicate(JournalEvent),
    Location {
        role: Role,
        fix: FixIn,
        distance_m: Option<f64>,
        /// The proximity rule after this fix, while the arrival is awaited.
        proximity: Option<crate::protocol::ProximityReport>,
    },
    Proximity(ProximityUpdate),
}

fn storage(err: JournalError) -> SessionError {
    match err {
        JournalError::NotFound => SessionError::NotFound,
        JournalError::VersionConflict => SessionError::Conflict,
        JournalError::Rejected { code, message } => SessionError::Rejected { code, message },
        JournalError::Storage(e) => SessionError::Unavailable(e),
        JournalError::NotOwner => SessionError::Moved,
    }
}

/// Validates and commits; on a version conflict reloads and tries once more.
/// A refusal is confirmed against the stored booking first, so a cache that is
/// stale (another node wrote) never refuses what the real state allows.
async fn commit(
    journal: &Arc<dyn Journal>,
    mut record: BookingRecord,
    wanted: &Wanted,
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
                let mut latest = committed.record.clone();
                latest.within_since = record.within_since;
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

/// Appends at the next `seq`; on a conflict reloads and tries once more.
async fn append(
    journal: &Arc<dyn Journal>,
    record: &mut BookingRecord,
    entry: Entry,
) -> Result<Appended, SessionError> {
    for attempt in 0..2 {
        let append = Append {
            booking_id: record.id.clone(),
            expected_seq: record.last_seq,
            entry: entry.clone(),
        };
        match journal.append(append).await {
            Ok(appended) => {
                if let Appended::New(event) = &appended {
                    record.last_seq = event.seq;
                }
                return Ok(appended);
            }
            Err(JournalError::VersionConflict) if attempt == 0 => {
                let fresh = journal.load(&record.id).await.map_err(storage)?;
                let within_since = record.within_since;
                *record = fresh;
                record.within_since = within_since;
            }
            Err(err) => return Err(storage(err)),
        }
    }
    Err(SessionError::Conflict)
}

/// Runs `steps` in order, stopping at the first failure. Returns the outcome,
/// the record to cache (`None` when the session lost track of it) and the outputs.
/// A node that lost the booking's lease forgets the record (the session
/// stops; the next command finds the new owner).
pub(super) async fn run(
    journal: Arc<dyn Journal>,
    record: BookingRecord,
    steps: Vec<Step>,
) -> (Result<(), SessionError>, Option<BookingRecord>, Vec<Out>) {
    match run_steps(journal, record, steps).await {
        (Err(SessionError::Moved), _, outs) => (Err(SessionError::Moved), None, outs),
        other => other,
    }
}

async fn run_steps(
    journal: Arc<dyn Journal>,
    mut record: BookingRecord,
    steps: Vec<Step>,
) -> (Result<(), SessionError>, Option<BookingRecord>, Vec<Out>) {
    let mut outs = Vec::new();
    for step in steps {
        match step {
            Step::Commit(wanted) => match commit(&journal, record.clone(), &wanted).await {
                (Ok(committed), Some(latest)) => {
                    record = latest;
                    outs.extend(committed.events.into_iter().map(Out::Event));
                }
                (Ok(_), None) => return (Err(SessionError::Conflict), None, outs),
                (Err(e), latest) => return (Err(e), latest, outs),
            },
            // Chat is checked again when its turn comes: a cancel or a
            // completion queued before it has closed the chat.
            Step::Append(Entry::Chat(_)) if !record.state.chat_active() => {
                return (Err(SessionError::ChatInactive), Some(record), outs)
            }
            Step::Append(entry) => match append(&journal, &mut record, entry).await {
                Ok(Appended::New(e)) => {
                    if let EventBody::Proximity(p) = &e.body {
                        record.within_since = p.within.then_some(e.at);
                    }
                    outs.push(Out::Event(e));
                }
                Ok(Appended::Duplicate(e)) => outs.push(Out::Duplicate(e)),
                Err(e) => return (Err(e), Some(record), outs),
            },
            Step::Ephemeral(out) => outs.push(out),
        }
    }
    (Ok(()), Some(record), outs)
}

/// The answer to `Apply`/`Force`: the booking now and the events committed.
pub(super) fn committed(
    outs: &[Out],
    record: Option<&BookingRecord>,
) -> Result<Committed, SessionError> {
    let record = record.cloned().ok_or(SessionError::Conflict)?;
    let events = outs
        .iter()
        .filter_map(|o| match o {
            Out::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    Ok(Committed { record, events })
}

/// The answer to a chat or read: the (possibly earlier) stored event.
pub(super) fn the_event(
    outs: &[Out],
    _: Option<&BookingRecord>,
) -> Result<JournalEvent, SessionError> {
    outs.iter()
        .find_map(|o| match o {
            Out::Event(e) | Out::Duplicate(e) => Some(e.clone()),
            _ => None,
        })
        .ok_or(SessionError::Conflict)
}
