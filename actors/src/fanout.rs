//! The core's side of several nodes. A booking's owner node publishes every
//! frame its session sends through a [`Fanout`] (the server carries it to the
//! other nodes); a node that does not own the booking delivers those frames
//! to its own subscribers through a [`Mirror`](crate::mirror::Mirror).
//! Only journaled events need to arrive exactly once and in order: they carry
//! their `seq`, and a mirror fills any gap from the journal, which is the
//! source of truth whatever the transport lost.

use std::sync::Arc;

use crate::booking::{BookingState, Role};
use crate::client::Shaped;

/// One frame of a booking, as the owner published it.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    /// A journaled event (`booking`, `chat`, `read`, `proximity`) at `seq`.
    Event { seq: i64, text: Arc<str> },
    /// A shaped frame (`location`, per-fix `proximity`): latest wins, may be lost.
    Shaped {
        kind: Shaped,
        role: Option<Role>,
        text: Arc<str>,
    },
    /// The owner's latest `seq` (sent when a session starts and after the
    /// transport recovered): a mirror that is behind reads the gap.
    Sync { seq: i64 },
}

/// A published frame with its booking and the booking's state then.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    pub booking_id: Arc<str>,
    pub status: BookingState,
    pub frame: Published,
}

/// Where an owner's sessions publish for the other nodes. Never blocks:
/// a transport that is down or full drops the frame (and says so in its logs).
pub trait Fanout: Send + Sync + 'static {
    fn publish(&self, out: Outbound);
    /// The booking's state changed (or its session started): every node's
    /// index of providers' live bookings learns it.
    fn state(&self, booking_id: &str, provider_id: &str, state: BookingState);
}
