//! One commit: validate the stored version, apply the effects, journal the
//! events with gap-free `seq`, and write the booking at the version read, all
//! in one transaction. Refunds are sent to the gateway after the commit.

use onsite_actors::booking::{BookingEvent, BookingState, Effect};
use onsite_actors::journal::{Cause, Change, Committed, JournalError};
use onsite_actors::protocol::{BookingChanged, ChatState, ErrorCode, EventBody};

use super::{booking_event, effects, record_of, storage, DbJournal};
use crate::auth::secrets;
use crate::db::notifications::NotificationRow;
use crate::db::{self, bookings::BookingUpdate, ledger::LedgerError, payments::Refund, DbConn};
use crate::notify;
use crate::payments::policy::RefundRule;

/// Why a commit's transaction was rolled back.
pub(super) enum CommitError {
    Journal(JournalError),
    Ledger(LedgerError),
}

impl CommitError {
    /// As the core sees it; an unbalanced posting is logged as the critical bug it is.
    pub(super) fn into_journal(self) -> JournalError {
        match self {
            Self::Journal(err) => err,
            Self::Ledger(err) => {
                tracing::error!(error = %err, "journal commit refused by the ledger");
                storage(err)
            }
        }
    }
}

impl From<diesel::result::Error> for CommitError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Journal(storage(err))
    }
}

impl From<crate::db::PoolError> for CommitError {
    fn from(err: crate::db::PoolError) -> Self {
        Self::Journal(storage(err))
    }
}

impl From<LedgerError> for CommitError {
    fn from(err: LedgerError) -> Self {
        Self::Ledger(err)
    }
}

impl From<crate::payments::escrow::EscrowError> for CommitError {
    fn from(err: crate::payments::escrow::EscrowError) -> Self {
        use crate::payments::escrow::EscrowError as E;
        match err {
            E::Ledger(e) => Self::Ledger(e),
            E::Db(e) => Self::Journal(storage(e)),
            E::NoPayment(_) => Self::Journal(JournalError::Storage(err.to_string())),
        }
    }
}

impl From<JournalError> for CommitError {
    fn from(err: JournalError) -> Self {
        Self::Journal(err)
    }
}

pub(super) fn rejected(code: ErrorCode, message: &str) -> CommitError {
    CommitError::Journal(JournalError::Rejected {
        code,
        message: message.to_owned(),
    })
}

/// A commit done inside its transaction: what to do once it is durable.
pub(super) struct CommitDone {
    pub committed: Committed,
    /// Sent to the gateway after the commit.
    pub refunds: Vec<Refund>,
    /// Announced only after the commit.
    pub notified: Vec<NotificationRow>,
}

pub(super) async fn apply(
    j: &DbJournal,
    c: &mut DbConn,
    change: &Change,
) -> Result<CommitDone, CommitError> {
    super::fence::check(c, j.fences.as_deref(), &change.booking_id).await?;
    let before = db::bookings::find(c, &change.booking_id)
        .await?
        .ok_or(JournalError::NotFound)?;
    if before.version != change.expected_version {
        return Err(JournalError::VersionConflict.into());
    }
    let t = &change.transition;
    let at = db::now();
    let mut b = before.clone();
    b.status = t.to;
    b.version += 1;
    b.updated_at = at;
    let mut bodies = vec![EventBody::Booking(BookingChanged::new(
        Some(t.from),
        t.to,
        change.by.as_deref(),
        change.reason.as_deref(),
        change.cause == Cause::Force,
    ))];
    match change.cause {
        Cause::Event(BookingEvent::PaymentCaptured) => {
            effects::capture(j, c, &mut b, &change.detail, effects::Purpose::Booking).await?
        }
        Cause::Event(BookingEvent::BalanceCaptured) => {
            effects::capture(j, c, &mut b, &change.detail, effects::Purpose::Balance).await?
        }
        _ => {}
    }
    if t.to == BookingState::Cancelled {
        b.cancel_reason = change.reason.clone();
    }
    if t.to == BookingState::InProgress {
        db::sla::start(c, &b.id, at, b.duration_minutes).await?;
    }
    if t.to == BookingState::Completed {
        b.completed_at = Some(at);
        // Numbered in this transaction: a completion rolled back gives its number back.
        db::invoices::issue(c, &b.id, at).await?;
    }
    // Measured before the release below, which takes a breach's penalty.
    let mut sla = None;
    if t.effects.contains(&Effect::MeasureSla) {
        sla = effects::measure_sla(j, c, &b, at).await?;
    }
    let mut refunds = Vec::new();
    let mut policy_rule = None;
    for effect in &t.effects {
        match effect {
            Effect::MintCustomerChatToken => b.customer_chat_token = Some(secrets::random_token()),
            Effect::MintProviderChatToken => b.provider_chat_token = Some(secrets::random_token()),
            Effect::ActivateChat => bodies.push(EventBody::ChatState(ChatState { active: true })),
            Effect::TerminateChat => bodies.push(EventBody::ChatState(ChatState { active: false })),
            Effect::RefundInFull => {
                let rule = match t.to {
                    BookingState::Declined => RefundRule::Declined,
                    BookingState::Expired => RefundRule::Expired,
                    _ => RefundRule::RefundInFull,
                };
                refunds.extend(effects::settle(j, c, &b, 10_000, rule).await?);
            }
            Effect::RefundPerPolicy => {
                let (rule, bps) = crate::payments::policy::cancellation_rule(
                    &j.money.cancel,
                    t.from,
                    change.actor,
                    b.scheduled_at,
                    at,
                );
                refunds.extend(effects::settle(j, c, &b, bps, rule).await?);
                policy_rule = Some(rule);
            }
            Effect::ReleaseEscrow => refunds.extend(
                effects::release(j, c, &b, sla.as_mut(), change.cause == Cause::Force).await?,
            ),
            Effect::ReleaseSlot => {
                db::slots::release_booking(c, &b.id).await?;
            }
            Effect::MoveSlot => effects::move_slot(c, &mut b, &change.detail).await?,
            // The provider's notice is made with every other one below; the SLA above.
            Effect::NotifyProvider | Effect::MeasureSla => {}
        }
    }
    let mut journaled = Vec::with_capacity(bodies.len());
    for body in bodies {
        b.last_seq += 1;
        let (row, event) = booking_event(&b.id, b.last_seq, body, change.by.as_deref(), at);
        db::events::insert(c, &row).await?;
        journaled.push(event);
    }
    if !db::bookings::update_at_version(c, &b.id, change.expected_version, &BookingUpdate::of(&b))
        .await?
    {
        return Err(JournalError::VersionConflict.into());
    }
    // Reminders follow the booking: set when it is confirmed or moved, dropped when it ends.
    match (t.to, b.scheduled_at) {
        (BookingState::Confirmed, Some(start)) => {
            db::reminders::schedule(c, &b.id, start, &j.reminders).await?
        }
        (to, _) if to.is_terminal() => db::reminders::drop_unsent(c, &b.id).await?,
        _ => {}
    }
    // Stored with the change: a rolled-back change announces nothing.
    let refunded = policy_rule.map(|rule| (rule, refunds.iter().map(|r| r.amount).sum()));
    let (notices, parties) =
        notify::booking::notices(c, &j.public_url, &j.money.cancel, &b, t, change, refunded)
            .await?;
    let notified = j.delivery.store_for(c, notices, &parties).await?;
    Ok(CommitDone {
        committed: Committed {
            record: record_of(&b),
            events: journaled,
        },
        refunds,
        notified,
    })
}
