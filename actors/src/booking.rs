//! The booking state machine: states, events, who may cause them, and the side effects
//! each transition asks the caller to perform.
//!
//! Everything here is a pure function of its arguments. The caller (the booking's session
//! actor) validates with [`transition`] or [`force`], performs the returned [`Effect`]s in
//! the same database transaction as the state change, and only then tells anyone.
//!
//! The table (DESIGN.md, "Booking state machine"):
//!
//! | from | event | allowed actors | to | effects |
//! |---|---|---|---|---|
//! | pending_payment | `PaymentCaptured` | system | requested | `MintCustomerChatToken`, `NotifyProvider` |
//! | pending_payment | `PaymentExpired` | system | expired | `ReleaseSlot` |
//! | requested | `Accept` | provider | confirmed | `MintProviderChatToken`, `ActivateChat` |
//! | requested | `Decline` | provider | declined | `RefundInFull`, `ReleaseSlot` |
//! | requested | `RequestExpired` | system | expired | `RefundInFull`, `ReleaseSlot` |
//! | confirmed | `LocationStarted` | provider, system | en_route | |
//! | confirmed, en_route | `ProximitySatisfied` | system | arrived | |
//! | arrived | `Start` | provider, system | in_progress | |
//! | in_progress | `Complete` | provider | completed | `ReleaseEscrow`, `TerminateChat`, `MeasureSla` |
//! | requested | `Cancel` | customer, provider, admin | cancelled | `RefundPerPolicy`, `ReleaseSlot` |
//! | confirmed, en_route, arrived | `Cancel` | customer, provider, admin | cancelled | `RefundPerPolicy`, `TerminateChat`, `ReleaseSlot` |
//! | confirmed | `Reschedule` | customer | confirmed | `MoveSlot` |
//! | requested .. in_progress | `BalanceCaptured` | system | (unchanged) | |
//!
//! Choices made where DESIGN.md leaves room:
//!
//! - The role check comes first: an actor who may never cause an event gets
//!   [`Refusal::NotAllowed`] whatever the state (a 403); an allowed actor in a state where
//!   the event does not apply gets [`Refusal::InvalidTransition`] (a 409).
//! - `LocationStarted` is accepted from the provider (their first fix causes it) and from
//!   the system (the session actor reacting to that fix on the provider's behalf).
//! - `Start` is accepted from the provider and from the system ("or automatic if
//!   configured"; whether it is configured is the caller's decision).
//! - Admins cancel through `Cancel` like the participants; every other admin change goes
//!   through [`force`].
//! - Every move into declined, expired or cancelled releases the slot (the table names it
//!   only for the unpaid hold, but a dead booking must never keep a provider's slot).
//! - `TerminateChat` is attached only when the chat was active (confirmed .. in_progress);
//!   cancelling a requested booking has no chat to terminate.
//! - `Reschedule` cannot check that the new slot is free and before the cut-off: the caller
//!   checks both before asking; the transition then says `MoveSlot`.
//! - Creation is not an event: a booking is born in [`BookingState::INITIAL`].
//! - `BalanceCaptured` (the rest of the price of a booking paid by deposit)
//!   changes no state: it goes through the session like every other money
//!   movement of a live booking, so it is ordered with a concurrent cancel or
//!   completion. The caller adds it to escrow (the journal's capture); a
//!   booking that no longer holds escrow refuses it, and the caller voids it.

use crate::named_enum;
use std::fmt;

named_enum! {
    /// Where a booking is in its life.
    #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
    #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
    pub enum BookingState ("booking state") {
        /// Created, price fixed, waiting for the customer's payment.
        PendingPayment = "pending_payment",
        /// Paid into escrow, waiting for the provider's answer.
        Requested = "requested",
        /// Accepted by the provider; chat is active.
        Confirmed = "confirmed",
        /// The provider's location stream has started.
        EnRoute = "en_route",
        /// The proximity rule was satisfied.
        Arrived = "arrived",
        /// The provider started the job.
        InProgress = "in_progress",
        /// Done; escrow released. Terminal.
        Completed = "completed",
        /// The provider declined; refunded in full. Terminal.
        Declined = "declined",
        /// Nobody paid or nobody answered in time. Terminal.
        Expired = "expired",
        /// Cancelled by a participant, an admin or a forced move. Terminal.
        Cancelled = "cancelled",
    }
}

impl BookingState {
    /// The state every booking is created in.
    pub const INITIAL: BookingState = BookingState::PendingPayment;

    /// Completed, declined, expired or cancelled: nothing ever leaves these.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Declined | Self::Expired | Self::Cancelled
        )
    }

    /// Not terminal: the booking can still change, so it may have a live session actor
    /// and is shown to admin monitors.
    pub const fn is_live(self) -> bool {
        !self.is_terminal()
    }

    /// The customer's payment sits in escrow (requested .. in_progress).
    pub const fn holds_escrow(self) -> bool {
        matches!(
            self,
            Self::Requested | Self::Confirmed | Self::EnRoute | Self::Arrived | Self::InProgress
        )
    }

    /// Both chat tokens exist and the chat accepts messages (confirmed .. in_progress).
    pub const fn chat_active(self) -> bool {
        matches!(
            self,
            Self::Confirmed | Self::EnRoute | Self::Arrived | Self::InProgress
        )
    }

    /// The booking takes location fixes (confirmed .. in_progress).
    pub const fn takes_fixes(self) -> bool {
        matches!(
            self,
            Self::Confirmed | Self::EnRoute | Self::Arrived | Self::InProgress
        )
    }

    /// The proximity rule is being evaluated (confirmed, en_route).
    pub const fn awaits_arrival(self) -> bool {
        matches!(self, Self::Confirmed | Self::EnRoute)
    }
}

named_enum! {
    /// Something that happened to a booking and may move it.
    pub enum BookingEvent ("booking event") {
        /// The payment was captured into escrow.
        PaymentCaptured = "payment_captured",
        /// The unpaid hold expired.
        PaymentExpired = "payment_expired",
        /// The provider accepted.
        Accept = "accept",
        /// The provider declined.
        Decline = "decline",
        /// The provider did not answer in time.
        RequestExpired = "request_expired",
        /// The provider's location stream started.
        LocationStarted = "location_started",
        /// The proximity rule was satisfied.
        ProximitySatisfied = "proximity_satisfied",
        /// The job started.
        Start = "start",
        /// The job is done.
        Complete = "complete",
        /// Somebody cancelled.
        Cancel = "cancel",
        /// The customer moved the booking to another slot.
        Reschedule = "reschedule",
        /// The balance after a deposit was captured into escrow.
        BalanceCaptured = "balance_captured",
    }
}

impl BookingEvent {
    /// The roles that may cause this event (in any state).
    pub const fn allowed_actors(self) -> &'static [Actor] {
        use Actor::*;
        match self {
            Self::PaymentCaptured
            | Self::BalanceCaptured
            | Self::PaymentExpired
            | Self::RequestExpired
            | Self::ProximitySatisfied => &[System],
            Self::Accept | Self::Decline | Self::Complete => &[Provider],
            Self::LocationStarted | Self::Start => &[Provider, System],
            Self::Cancel => &[Customer, Provider, Admin],
            Self::Reschedule => &[Customer],
        }
    }

    /// Whether `actor` may ever cause this event.
    pub fn allows(self, actor: Actor) -> bool {
        self.allowed_actors().contains(&actor)
    }
}

named_enum! {
    /// A user's role on the platform: stored with the account, carried in its
    /// access tokens and by each of its connections.
    #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
    #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
    pub enum Role ("role") {
        /// Books providers.
        Customer = "customer",
        /// Offers services and comes to the customer.
        Provider = "provider",
        /// Runs the platform.
        Admin = "admin",
    }
}

impl From<Role> for Actor {
    /// A user acts in their role; only the server itself is [`Actor::System`].
    fn from(role: Role) -> Self {
        match role {
            Role::Customer => Actor::Customer,
            Role::Provider => Actor::Provider,
            Role::Admin => Actor::Admin,
        }
    }
}

named_enum! {
    /// Who causes an event: a user in their [`Role`], or the server itself.
    #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
    pub enum Actor ("actor") {
        /// The booking's customer.
        Customer = "customer",
        /// The booking's provider.
        Provider = "provider",
        /// A platform administrator.
        Admin = "admin",
        /// The server itself: payment webhooks, timers, the proximity rule.
        System = "system",
    }
}

#[cfg(feature = "diesel")]
crate::text_column!(BookingState, Role, Actor);

/// A side effect the caller performs in the same transaction as the state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Refund the whole escrowed amount to the customer.
    RefundInFull,
    /// Refund according to the cancellation policy (who cancelled, how close to the slot).
    RefundPerPolicy,
    /// Release escrow: provider wallet plus platform commission.
    ReleaseEscrow,
    /// Mint the customer's chat token.
    MintCustomerChatToken,
    /// Mint the provider's chat token.
    MintProviderChatToken,
    /// The chat becomes active (journal `chat_state` active=true).
    ActivateChat,
    /// The chat becomes inactive (journal `chat_state` active=false). Tokens need not be
    /// revoked: a token only admits messages while the chat is active.
    TerminateChat,
    /// Free the provider's slot for other bookings.
    ReleaseSlot,
    /// Move the booking to the new slot the caller already checked.
    MoveSlot,
    /// Notify the provider of a new request.
    NotifyProvider,
    /// Record the SLA measurements of the finished job.
    MeasureSla,
}

/// An accepted change: the new state and what the caller must do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The state before.
    pub from: BookingState,
    /// The state after (equal to `from` for a reschedule).
    pub to: BookingState,
    /// Side effects, in the order they should be performed.
    pub effects: Vec<Effect>,
}

impl Transition {
    fn new(from: BookingState, to: BookingState, effects: &[Effect]) -> Self {
        Self {
            from,
            to,
            effects: effects.to_vec(),
        }
    }

    /// Whether the state itself changes (false only for a reschedule or a balance).
    pub fn changes_state(&self) -> bool {
        self.from != self.to
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Refusal {
    /// The event does not apply in this state (HTTP 409 with the current state).
    InvalidTransition {
        /// The current state.
        from: BookingState,
        /// The refused event.
        event: BookingEvent,
    },
    /// This role may never cause this event (HTTP 403).
    NotAllowed {
        /// The refused role.
        actor: Actor,
        /// The refused event.
        event: BookingEvent,
    },
    /// An admin force-move that [`force`] does not allow (HTTP 409).
    InvalidForce {
        /// The current state.
        from: BookingState,
        /// The requested state.
        to: BookingState,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidTransition { from, event } => {
                write!(f, "{event} is not possible while the booking is {from}")
            }
            Self::NotAllowed { actor, event } => write!(f, "a {actor} may not {event} a booking"),
            Self::InvalidForce { from, to } => {
                write!(f, "a booking cannot be forced from {from} to {to}")
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// Validates `event` caused by `actor` in state `from` against the table above.
pub fn transition(
    from: BookingState,
    event: BookingEvent,
    actor: Actor,
) -> Result<Transition, Refusal> {
    use BookingEvent as E;
    use BookingState as S;
    use Effect::*;

    if !event.allows(actor) {
        return Err(Refusal::NotAllowed { actor, event });
    }
    let t = |to, effects: &[Effect]| Ok(Transition::new(from, to, effects));
    match (from, event) {
        (S::PendingPayment, E::PaymentCaptured) => {
            t(S::Requested, &[MintCustomerChatToken, NotifyProvider])
        }
        (S::PendingPayment, E::PaymentExpired) => t(S::Expired, &[ReleaseSlot]),
        (S::Requested, E::Accept) => t(S::Confirmed, &[MintProviderChatToken, ActivateChat]),
        (S::Requested, E::Decline) => t(S::Declined, &[RefundInFull, ReleaseSlot]),
        (S::Requested, E::RequestExpired) => t(S::Expired, &[RefundInFull, ReleaseSlot]),
        (S::Confirmed, E::LocationStarted) => t(S::EnRoute, &[]),
        (S::Confirmed | S::EnRoute, E::ProximitySatisfied) => t(S::Arrived, &[]),
        (S::Arrived, E::Start) => t(S::InProgress, &[]),
        (S::InProgress, E::Complete) => {
            t(S::Completed, &[ReleaseEscrow, TerminateChat, MeasureSla])
        }
        (S::Requested, E::Cancel) => t(S::Cancelled, &[RefundPerPolicy, ReleaseSlot]),
        (S::Confirmed | S::EnRoute | S::Arrived, E::Cancel) => {
            t(S::Cancelled, &[RefundPerPolicy, TerminateChat, ReleaseSlot])
        }
        (S::Confirmed, E::Reschedule) => t(S::Confirmed, &[MoveSlot]),
        (state, E::BalanceCaptured) if state.holds_escrow() => t(state, &[]),
        _ => Err(Refusal::InvalidTransition { from, event }),
    }
}

/// An admin force-move from `from` to `to` (always journaled by the caller with who and why).
///
/// Refused ([`Refusal::InvalidForce`]) when:
/// - `from` is terminal (nothing leaves a terminal state);
/// - `to == from` (a no-op would journal a change that is none);
/// - it crosses the payment boundary: `pending_payment` cannot be forced into a state that
///   presumes captured money (requested .. in_progress, completed), and nothing can be
///   forced back into `pending_payment`. Money only moves through the payment gateway.
///
/// Effects, in this order, derived from what the two states imply:
/// - money, if `from` holds escrow: to completed `ReleaseEscrow`; to cancelled
///   `RefundPerPolicy`; to declined or expired `RefundInFull`;
/// - chat: into an active chat from an inactive one (requested -> confirmed ..
///   in_progress) `MintProviderChatToken`, `ActivateChat`; out of an active chat
///   (into requested or a terminal state) `TerminateChat`;
/// - slot: into declined, expired or cancelled `ReleaseSlot`.
///
/// A forced move never notifies the provider of a request nor measures an SLA.
pub fn force(from: BookingState, to: BookingState) -> Result<Transition, Refusal> {
    use BookingState as S;
    use Effect::*;

    let paid_target = to.holds_escrow() || to == S::Completed;
    let crosses_payment = (from == S::PendingPayment && paid_target) || to == S::PendingPayment;
    if from.is_terminal() || from == to || crosses_payment {
        return Err(Refusal::InvalidForce { from, to });
    }

    let mut effects = Vec::new();
    if from.holds_escrow() {
        match to {
            S::Completed => effects.push(ReleaseEscrow),
            S::Cancelled => effects.push(RefundPerPolicy),
            S::Declined | S::Expired => effects.push(RefundInFull),
            _ => {}
        }
    }
    if !from.chat_active() && to.chat_active() {
        effects.extend([MintProviderChatToken, ActivateChat]);
    }
    if from.chat_active() && !to.chat_active() {
        effects.push(TerminateChat);
    }
    if matches!(to, S::Declined | S::Expired | S::Cancelled) {
        effects.push(ReleaseSlot);
    }
    Ok(Transition { from, to, effects })
}

#[cfg(test)]
mod tests;
