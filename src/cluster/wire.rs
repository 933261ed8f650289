//! What nodes say to each other over Redis, and on which channels.
//!
//! - `onsite:b:<booking>`: the owner's frames of a booking, in publication
//!   order (one connection publishes them). A compact text envelope:
//!   `<node>\n<status>\n<kind>\n<frame>`, the frame exactly as clients get it.
//! - `onsite:n:<node>`: requests to a node and its answers (JSON [`NodeMsg`]).
//! - `onsite:all`: what every node hears (JSON [`AllMsg`]): notifications and
//!   revocations for a user's sockets, presence, heartbeats.

use std::sync::Arc;

use onsite_actors::booking::{BookingState, Role};
use onsite_actors::client::Shaped;
use onsite_actors::fanout::{Outbound, Published};
use onsite_actors::messages::{
    Apply, Force, Locate, MarkRead, SendChat, SessionError, SessionSummary, Snapshot,
};
use serde::{Deserialize, Serialize};

pub const ALL: &str = "onsite:all";
pub const BOOKINGS: &str = "onsite:b:*";

pub fn booking_channel(booking_id: &str) -> String {
    format!("onsite:b:{booking_id}")
}

pub fn node_channel(node_id: &str) -> String {
    format!("onsite:n:{node_id}")
}

/// The Redis set of a node's users with an open socket (expires with the node).
pub fn presence_key(node_id: &str) -> String {
    format!("onsite:presence:{node_id}")
}

/// A booking frame as published: which node sent it, and the frame.
pub fn encode_frame(node_id: &str, out: &Outbound) -> Vec<u8> {
    let (kind, text): (String, &str) = match &out.frame {
        Published::Event { seq, text } => (format!("E{seq}"), text),
        Published::Sync { seq } => (format!("S{seq}"), ""),
        Published::Shaped { kind, role, text } => {
            let k = match kind {
                Shaped::Location => 'L',
                Shaped::Proximity => 'P',
            };
            (format!("{k}{}", role.map_or("", |r| r.as_str())), text)
        }
    };
    format!("{node_id}\n{}\n{kind}\n{text}", out.status.as_str()).into_bytes()
}

/// The sending node and the frame, or `None` for a malformed payload.
pub fn decode_frame(booking_id: &str, payload: &[u8]) -> Option<(String, Outbound)> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut parts = text.splitn(4, '\n');
    let node = parts.next()?.to_owned();
    let status: BookingState = parts.next()?.parse().ok()?;
    let kind = parts.next()?;
    let body: Arc<str> = Arc::from(parts.next()?);
    let (tag, rest) = kind.split_at_checked(1)?;
    let frame = match tag {
        "E" => Published::Event {
            seq: rest.parse().ok()?,
            text: body,
        },
        "S" => Published::Sync {
            seq: rest.parse().ok()?,
        },
        "L" | "P" => Published::Shaped {
            kind: if tag == "L" {
                Shaped::Location
            } else {
                Shaped::Proximity
            },
            role: if rest.is_empty() {
                None
            } else {
                Some(rest.parse::<Role>().ok()?)
            },
            text: body,
        },
        _ => return None,
    };
    Some((
        node,
        Outbound {
            booking_id: Arc::from(booking_id),
            status,
            frame,
        },
    ))
}

/// A command for the booking's owner node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "c", content = "v", rename_all = "snake_case")]
pub enum Command {
    Apply(Apply),
    Force(Force),
    Chat(SendChat),
    Read(MarkRead),
    Locate(Locate),
    /// A websocket fix: answered only by an error frame for `reply_to`.
    /// `hops` counts the nodes that passed it on (an owner that moved);
    /// past [`MAX_HOPS`] it is refused rather than passed on again.
    Relay {
        locate: Locate,
        reply_to: Option<ReplyTo>,
        #[serde(default)]
        hops: u8,
    },
    Snapshot(Snapshot),
    /// Every live session's summary on that node.
    Summaries,
}

/// How many times a relayed fix may be passed on between nodes while its
/// booking changes hands (each pass reads the lease from the database, so
/// more than one is already rare).
pub const MAX_HOPS: u8 = 3;

/// The socket an answer goes back to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplyTo {
    pub node: String,
    pub user_id: String,
    pub conn_id: u64,
    pub re: Option<String>,
}

/// What the owner answers. Committed changes and events are read back from
/// the journal by the asking node: only their `seq`s travel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "a", content = "v", rename_all = "snake_case")]
pub enum Answer {
    /// Events `first..=last` were committed.
    Committed {
        first: i64,
        last: i64,
    },
    /// The event at `seq` (a chat message, new or stored before; a read).
    Event {
        seq: i64,
    },
    Done,
    Snapshot {
        text: String,
        seq: i64,
    },
    Summaries(Vec<SessionSummary>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum NodeMsg {
    Request {
        id: u64,
        from: String,
        booking_id: String,
        command: Command,
    },
    Reply {
        id: u64,
        outcome: Result<Answer, SessionError>,
    },
    /// A frame for one socket of this node.
    Frame {
        user_id: String,
        conn_id: u64,
        text: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum AllMsg {
    /// A frame for a user's sockets and/or every admin's (notifications, direct chat).
    Deliver {
        from: String,
        user_id: Option<String>,
        admins: bool,
        text: String,
    },
    /// Close a user's sockets (access revoked).
    Close {
        from: String,
        user_id: String,
        code: u16,
    },
    /// A node is alive; `users` changed since its last word.
    Hello {
        from: String,
        online: Vec<String>,
        offline: Vec<String>,
    },
    /// A booking's state, for every node's index of providers' live bookings.
    Live {
        from: String,
        booking_id: String,
        provider_id: String,
        status: BookingState,
    },
    /// A node started listening to bookings' channels (it came back to
    /// Redis, or an admin monitors there): send it every booking's frames
    /// again, quiet ones too.
    Listening { from: String },
    /// A node is shutting down.
    Bye { from: String },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_frame_survives_the_envelope() {
        for frame in [
            Published::Event {
                seq: 42,
                text: Arc::from("{\"type\":\"chat\",\"text\":\"a\\nb\"}\nmore"),
            },
            Published::Sync { seq: 7 },
            Published::Shaped {
                kind: Shaped::Location,
                role: Some(Role::Provider),
                text: Arc::from("{}"),
            },
            Published::Shaped {
                kind: Shaped::Proximity,
                role: None,
                text: Arc::from("{}"),
            },
        ] {
            let out = Outbound {
                booking_id: Arc::from("b1"),
                status: BookingState::EnRoute,
                frame,
            };
            let bytes = encode_frame("node-a", &out);
            let (node, back) = decode_frame("b1", &bytes).unwrap();
            assert_eq!(node, "node-a");
            assert_eq!(back, out);
        }
        assert!(decode_frame("b1", b"node\nnot_a_state\nE1\n{}").is_none());
        assert!(decode_frame("b1", b"node\nconfirmed\nX1\n{}").is_none());
    }
}
