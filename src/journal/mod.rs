//! The SQL side of the realtime core's [`Journal`] port: loads bookings for
//! their sessions and commits validated changes, with their side effects
//! (ledger postings, chat tokens, slot claims) and journal events, in one
//! database transaction.

mod commit;
mod effects;

pub use effects::send_refund;

use std::sync::Arc;

use onsite_actors::booking::BookingState;
use onsite_actors::journal::{
    BookingRecord, Change, Committed, Journal, JournalError, JournalFuture,
};

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::payments::policy::CancelPolicy;
use crate::payments::PaymentGateway;

/// What the journal needs besides the database (cheap to clone).
#[derive(Clone)]
pub struct DbJournal {
    pub db: DbPool,
    pub gateway: Arc<dyn PaymentGateway>,
    pub commission_bps: u32,
    pub cancel_policy: CancelPolicy,
    pub request_timeout: chrono::Duration,
}

impl DbJournal {
    pub fn new(config: &Config, db: DbPool, gateway: Arc<dyn PaymentGateway>) -> Self {
        Self {
            db,
            gateway,
            commission_bps: config.commission_bps,
            cancel_policy: CancelPolicy {
                cutoff: chrono::Duration::seconds(
                    i64::try_from(config.cancel_cutoff.as_secs()).unwrap_or(86_400),
                ),
                late_refund_bps: config.late_cancel_refund_bps,
            },
            request_timeout: chrono::Duration::seconds(
                i64::try_from(config.request_timeout.as_secs()).unwrap_or(1800),
            ),
        }
    }
}

fn storage(err: impl std::fmt::Display) -> JournalError {
    JournalError::Storage(err.to_string())
}

pub(crate) fn record_of(b: &db::bookings::Booking) -> Result<BookingRecord, JournalError> {
    Ok(BookingRecord {
        id: b.id.clone(),
        state: b.status.parse::<BookingState>().map_err(storage)?,
        version: b.version,
        last_seq: b.last_seq,
    })
}

impl Journal for DbJournal {
    fn load(&self, booking_id: &str) -> JournalFuture<BookingRecord> {
        let db = self.db.clone();
        let id = booking_id.to_owned();
        Box::pin(async move {
            let mut conn = db.get().await.map_err(storage)?;
            let booking = db::bookings::find(&mut conn, &id)
                .await
                .map_err(storage)?
                .ok_or(JournalError::NotFound)?;
            record_of(&booking)
        })
    }

    fn commit(&self, change: Change) -> JournalFuture<Committed> {
        let journal = self.clone();
        Box::pin(async move { commit::commit(&journal, change).await })
    }
}
