//! Which node runs a booking's session, and how a command gets there.

use actix::{Addr, MailboxError};
use onsite_actors::journal::{Committed, JournalEvent};
use onsite_actors::messages::{
    Apply, FindSession, Force, Locate, MarkRead, SendChat, SessionError, SessionFor,
};
use onsite_actors::session::BookingSession;

use super::wire::{Answer, Command};
use crate::state::AppState;

/// Where a booking's single writer is.
#[derive(Clone)]
pub enum Owner {
    /// This node (the session, started on demand).
    Here(Addr<BookingSession>),
    /// Another node, by id.
    There(String),
}

fn unreachable(err: MailboxError) -> SessionError {
    SessionError::Unavailable(format!("booking session unreachable: {err}"))
}

/// The booking's owner: alone, always this node; in a cluster, this node if
/// it has the session or takes the lease now, else the lease's holder.
pub async fn owner(state: &AppState, booking_id: &str) -> Result<Owner, SessionError> {
    let Some(cluster) = &state.cluster else {
        return state
            .dispatcher
            .send(SessionFor::new(booking_id))
            .await
            .map(Owner::Here)
            .map_err(unreachable);
    };
    let found = state
        .dispatcher
        .send(FindSession {
            booking_id: booking_id.to_owned(),
        })
        .await
        .map_err(unreachable)?;
    if let Some(addr) = found.filter(|_| cluster.fences.token(booking_id).is_some()) {
        return Ok(Owner::Here(addr));
    }
    match super::leases::claim(state, cluster, booking_id).await? {
        None => state
            .dispatcher
            .send(SessionFor::new(booking_id))
            .await
            .map(Owner::Here)
            .map_err(unreachable),
        Some(node) => Ok(Owner::There(node)),
    }
}

/// A command that can be sent to the owner on another node: what travels,
/// and how its answer becomes the local one (committed events are read back
/// from the journal, the source of truth).
pub trait Forward: Sized {
    type Out;
    fn command(self) -> Command;
    fn answer(
        state: &AppState,
        booking_id: &str,
        answer: Answer,
    ) -> impl std::future::Future<Output = Result<Self::Out, SessionError>>;
}

fn unexpected() -> SessionError {
    SessionError::Unavailable("another server answered something unexpected".into())
}

async fn committed(
    state: &AppState,
    booking_id: &str,
    answer: Answer,
) -> Result<Committed, SessionError> {
    use onsite_actors::journal::Journal;
    let Answer::Committed { first, last } = answer else {
        return Err(unexpected());
    };
    let record = state.journal.load(booking_id).await.map_err(journal)?;
    let events = state
        .journal
        .replay(booking_id, first - 1, last)
        .await
        .map_err(journal)?;
    Ok(Committed { record, events })
}

async fn one_event(
    state: &AppState,
    booking_id: &str,
    answer: Answer,
) -> Result<JournalEvent, SessionError> {
    use onsite_actors::journal::Journal;
    let Answer::Event { seq } = answer else {
        return Err(unexpected());
    };
    state
        .journal
        .replay(booking_id, seq - 1, seq)
        .await
        .map_err(journal)?
        .into_iter()
        .next()
        .ok_or(SessionError::NotFound)
}

fn journal(e: onsite_actors::journal::JournalError) -> SessionError {
    SessionError::Unavailable(e.to_string())
}

/// `Forward` for a command whose answer is read back with `$read`.
macro_rules! forward {
    ($msg:ident => $variant:ident, $out:ty, $read:ident) => {
        impl Forward for $msg {
            type Out = $out;
            fn command(self) -> Command {
                Command::$variant(self)
            }
            async fn answer(
                state: &AppState,
                booking_id: &str,
                answer: Answer,
            ) -> Result<$out, SessionError> {
                $read(state, booking_id, answer).await
            }
        }
    };
}

forward!(Apply => Apply, Committed, committed);
forward!(Force => Force, Committed, committed);
forward!(SendChat => Chat, JournalEvent, one_event);
forward!(MarkRead => Read, JournalEvent, one_event);

impl Forward for Locate {
    type Out = ();
    fn command(self) -> Command {
        Command::Locate(self)
    }
    async fn answer(_: &AppState, _: &str, answer: Answer) -> Result<(), SessionError> {
        match answer {
            Answer::Done => Ok(()),
            _ => Err(unexpected()),
        }
    }
}

/// Sends `msg` to the owner on `node` and maps its answer.
pub async fn forward<M: Forward>(
    state: &AppState,
    node: &str,
    booking_id: &str,
    msg: M,
) -> Result<M::Out, SessionError> {
    let Some(cluster) = &state.cluster else {
        return Err(SessionError::Unavailable("no cluster".into()));
    };
    let answer = cluster.request(node, booking_id, msg.command()).await?;
    M::answer(state, booking_id, answer).await
}

/// Every live session's summary: this node's, and in a cluster every other
/// node's that holds a live booking (asked at once; a node that does not
/// answer in time is left out, and logged).
pub async fn summaries(
    state: &AppState,
) -> crate::error::ApiResult<Vec<onsite_actors::messages::SessionSummary>> {
    let mut items = super::serve::summaries(state).await;
    let Some(cluster) = &state.cluster else {
        return Ok(items);
    };
    let now = chrono::Utc::now().timestamp_millis();
    let owners = state
        .with_db(async |c| Ok(crate::db::leases::live_bookings(c, now).await?))
        .await?;
    let mut nodes: Vec<String> = owners
        .into_iter()
        .map(|(_, node)| node)
        .filter(|n| *n != *cluster.node_id)
        .collect();
    nodes.sort();
    nodes.dedup();
    let asked = nodes
        .iter()
        .map(|node| cluster.request(node, "", Command::Summaries));
    for (node, answer) in nodes
        .iter()
        .zip(futures_util::future::join_all(asked).await)
    {
        match answer {
            Ok(Answer::Summaries(theirs)) => items.extend(theirs),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(%node, error = %e.message(), "a node's live sessions are missing from the list")
            }
        }
    }
    Ok(items)
}
