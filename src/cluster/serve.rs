//! Answering another node: a command for a booking this node owns runs on
//! its session like a local one; if this node no longer owns it, the
//! command is refused as `Moved` (the asker routes again), except a fix,
//! which is passed on to the owner (at most [`MAX_HOPS`] times).

use onsite_actors::journal::{Committed, JournalEvent};
use onsite_actors::messages::{GetSummary, LiveSessions, Relay, SessionError};
use onsite_actors::protocol::frames;

use super::route::{owner, Owner};
use super::wire::{Answer, Command, NodeMsg, ReplyTo, MAX_HOPS};
use crate::state::AppState;

pub(super) async fn serve(
    state: &AppState,
    id: u64,
    from: String,
    booking_id: String,
    command: Command,
) {
    let Some(cluster) = &state.cluster else {
        return;
    };
    if let Command::Relay {
        locate,
        reply_to,
        hops,
    } = command
    {
        return relay(state, &booking_id, locate, reply_to, hops).await;
    }
    let outcome = match command {
        Command::Summaries => Ok(Answer::Summaries(summaries(state).await)),
        command => match owner(state, &booking_id).await {
            Ok(Owner::Here(addr)) => {
                let mail = |e: actix::MailboxError| SessionError::Unavailable(e.to_string());
                match command {
                    Command::Apply(m) => addr.send(m).await.map_err(mail).and_then(|r| r.map(seqs)),
                    Command::Force(m) => addr.send(m).await.map_err(mail).and_then(|r| r.map(seqs)),
                    Command::Chat(m) => addr.send(m).await.map_err(mail).and_then(|r| r.map(seq)),
                    Command::Read(m) => addr.send(m).await.map_err(mail).and_then(|r| r.map(seq)),
                    Command::Locate(m) => addr
                        .send(m)
                        .await
                        .map_err(mail)
                        .and_then(|r| r.map(|()| Answer::Done)),
                    Command::Snapshot(m) => {
                        // The asker listens to the booking from now on.
                        cluster.heard(&booking_id);
                        addr.send(m).await.map_err(mail).and_then(|r| {
                            r.map(|(text, seq)| Answer::Snapshot {
                                text: text.to_string(),
                                seq,
                            })
                        })
                    }
                    Command::Relay { .. } | Command::Summaries => Err(SessionError::Moved),
                }
            }
            Ok(Owner::There(_)) => Err(SessionError::Moved),
            Err(e) => Err(e),
        },
    };
    cluster.tell(&from, &NodeMsg::Reply { id, outcome });
}

fn seqs(c: Committed) -> Answer {
    let first = c.events.first().map_or(c.record.last_seq + 1, |e| e.seq);
    let last = c.events.last().map_or(c.record.last_seq, |e| e.seq);
    Answer::Committed { first, last }
}

fn seq(e: JournalEvent) -> Answer {
    Answer::Event { seq: e.seq }
}

/// A websocket fix from another node: to the session here, or on to the
/// owner if that moved; a refusal goes back to the sender's socket.
async fn relay(
    state: &AppState,
    booking_id: &str,
    locate: onsite_actors::messages::Locate,
    reply_to: Option<ReplyTo>,
    hops: u8,
) {
    let Some(cluster) = &state.cluster else {
        return;
    };
    let refused = match owner(state, booking_id).await {
        Ok(Owner::Here(addr)) => match reply_to {
            // Answered, so that a refusal can go back.
            Some(_) => addr
                .send(locate)
                .await
                .unwrap_or_else(|e| Err(SessionError::Unavailable(e.to_string())))
                .err(),
            None => {
                addr.do_send(Relay {
                    locate,
                    reply_to: None,
                });
                None
            }
        },
        Ok(Owner::There(node)) if node != *cluster.node_id && hops < MAX_HOPS => {
            cluster.relay(&node, booking_id, locate, reply_to, hops + 1);
            return;
        }
        Ok(Owner::There(_)) if hops >= MAX_HOPS => Some(SessionError::Unavailable(
            "the booking is changing hands; send the fix again".into(),
        )),
        Ok(Owner::There(_)) => Some(SessionError::Moved),
        Err(e) => Some(e),
    };
    if let (Some(err), Some(to)) = (refused, reply_to) {
        cluster.tell(
            &to.node,
            &NodeMsg::Frame {
                user_id: to.user_id,
                conn_id: to.conn_id,
                text: frames::error(to.re.as_deref(), err.code(), &err.message()).to_string(),
            },
        );
    }
}

/// This node's live sessions' summaries.
pub(crate) async fn summaries(state: &AppState) -> Vec<onsite_actors::messages::SessionSummary> {
    let Ok(sessions) = state.dispatcher.send(LiveSessions).await else {
        return Vec::new();
    };
    let mut items = Vec::with_capacity(sessions.len());
    for (_, addr) in sessions {
        if let Ok(Some(summary)) = addr.send(GetSummary).await {
            items.push(summary);
        }
    }
    items
}
