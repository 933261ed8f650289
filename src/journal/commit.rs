//! One commit: validate the stored version, apply the effects, journal the
//! events with gap-free `seq`, and write the booking at the version read, all
//! in one transaction. Refunds are sent to the gateway after the commit.

use onsite_actors::booking::{BookingEvent, BookingState, Effect};
use onsite_actors::journal::{Cause, Change, Committed, JournalError, JournalEvent};
use serde_json::json;

use super::{effects, record_of, storage, DbJournal};
use crate::auth::secrets;
use crate::db::{self, bookings::BookingUpdate, events::EventRow, payments::Refund, DbConn};
use crate::error::ApiError;

pub(super) enum CommitError {
    Journal(JournalError),
    Api(ApiError),
}

impl From<diesel::result::Error> for CommitError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Journal(storage(err))
    }
}

impl From<ApiError> for CommitError {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

impl From<JournalError> for CommitError {
    fn from(err: JournalError) -> Self {
        Self::Journal(err)
    }
}

pub(super) fn rejected(code: &str, message: &str) -> CommitError {
    CommitError::Journal(JournalError::Rejected {
        code: code.to_owned(),
        message: message.to_owned(),
    })
}

pub(super) async fn commit(j: &DbJournal, change: Change) -> Result<Committed, JournalError> {
    let mut conn = j.db.get().await.map_err(storage)?;
    let outcome = db::transaction(&mut conn, async |c| apply(j, c, &change).await).await;
    let (committed, refunds) = match outcome {
        Ok(done) => done,
        Err(CommitError::Journal(err)) => return Err(err),
        Err(CommitError::Api(err)) => {
            tracing::error!(booking = %change.booking_id, error = %err, "journal commit failed");
            return Err(storage(err));
        }
    };
    // The gateway is called without holding the connection (SQLite has one).
    drop(conn);
    if !refunds.is_empty() {
        match j.db.get().await {
            Ok(mut conn) => effects::send_refunds(j, &mut conn, refunds).await,
            Err(e) => tracing::warn!(error = %e, "refunds left pending for the sweeper"),
        }
    }
    Ok(committed)
}

async fn apply(
    j: &DbJournal,
    c: &mut DbConn,
    change: &Change,
) -> Result<(Committed, Vec<Refund>), CommitError> {
    let before = db::bookings::find(c, &change.booking_id)
        .await?
        .ok_or(JournalError::NotFound)?;
    if before.version != change.expected_version {
        return Err(JournalError::VersionConflict.into());
    }
    let t = &change.transition;
    let at = db::now();
    let mut b = before.clone();
    b.status = t.to.as_str().to_owned();
    b.version += 1;
    b.updated_at = at;
    let forced = change.cause == Cause::Force;
    let by = change.by.clone().unwrap_or_else(|| "system".to_owned());
    let mut events = vec![(
        "booking",
        json!({
            "status": t.to,
            "previous": t.from,
            "by": by,
            "reason": change.reason,
            "forced": forced,
            "at": db::utc(at),
        }),
    )];
    if change.cause == Cause::Event(BookingEvent::PaymentCaptured) {
        effects::capture(j, c, &mut b, &change.detail).await?;
    }
    if t.to == BookingState::Cancelled {
        b.cancel_reason = change.reason.clone();
    }
    if t.to == BookingState::Completed {
        b.completed_at = Some(at);
    }
    let mut refunds = Vec::new();
    for effect in &t.effects {
        match effect {
            Effect::MintCustomerChatToken => b.customer_chat_token = Some(secrets::random_token()),
            Effect::MintProviderChatToken => b.provider_chat_token = Some(secrets::random_token()),
            Effect::ActivateChat => events.push(("chat_state", json!({"active": true}))),
            Effect::TerminateChat => events.push(("chat_state", json!({"active": false}))),
            Effect::RefundInFull => {
                let rule = match t.to {
                    BookingState::Declined => "declined",
                    BookingState::Expired => "expired",
                    _ => "refund_in_full",
                };
                refunds.extend(effects::settle(j, c, &b, 10_000, rule).await?);
            }
            Effect::RefundPerPolicy => {
                let (rule, bps) = crate::payments::policy::cancellation_rule(
                    &j.cancel_policy,
                    t.from,
                    change.actor,
                    b.scheduled_at,
                    at,
                );
                refunds.extend(effects::settle(j, c, &b, bps, rule).await?);
            }
            Effect::ReleaseEscrow => effects::release(j, c, &b).await?,
            Effect::ReleaseSlot => {
                db::slots::release_booking(c, &b.id).await?;
            }
            Effect::MoveSlot => effects::move_slot(c, &mut b, &change.detail).await?,
            // Notifications arrive with the realtime gateway; SLA is `completed_at`.
            Effect::NotifyProvider | Effect::MeasureSla => {}
        }
    }
    let mut journaled = Vec::with_capacity(events.len());
    for (kind, payload) in events {
        b.last_seq += 1;
        let row = EventRow {
            booking_id: b.id.clone(),
            seq: b.last_seq,
            kind: kind.to_owned(),
            payload: payload.to_string(),
            by_user: change.by.clone(),
            created_at: at,
        };
        db::events::insert(c, &row).await?;
        journaled.push(JournalEvent {
            booking_id: b.id.clone(),
            seq: b.last_seq,
            kind: kind.to_owned(),
            payload,
            at: db::utc(at),
        });
    }
    if !db::bookings::update_at_version(c, &b.id, change.expected_version, &BookingUpdate::of(&b))
        .await?
    {
        return Err(JournalError::VersionConflict.into());
    }
    Ok((
        Committed {
            record: record_of(&b)?,
            events: journaled,
        },
        refunds,
    ))
}
