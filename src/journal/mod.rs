//! The SQL side of the realtime core's [`Journal`] port: loads bookings for
//! their sessions and commits validated changes, with their side effects
//! (ledger postings, chat tokens, slot claims) and journal events, in one
//! database transaction.

mod append;
mod commit;
mod effects;

pub use effects::send_refund;

use std::sync::Arc;

use onsite_actors::booking::BookingState;
use onsite_actors::journal::{
    Append, Appended, BookingRecord, Change, Committed, Journal, JournalError, JournalEvent,
    JournalFuture, TrailPoint,
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
        customer_id: b.customer_id.clone(),
        provider_id: b.provider_id.clone(),
        target: (b.location_lat, b.location_lng),
        within_since: None,
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
            let mut record = record_of(&booking)?;
            // Proximity continues from the journal: inside since the last `within: true`.
            let last = db::events::latest_of(&mut conn, &id, "proximity")
                .await
                .map_err(storage)?;
            record.within_since = last
                .filter(|e| e.payload.contains("\"within\":true"))
                .map(|e| db::utc(e.created_at));
            Ok(record)
        })
    }

    fn commit(&self, change: Change) -> JournalFuture<Committed> {
        let journal = self.clone();
        Box::pin(async move { commit::commit(&journal, change).await })
    }

    fn append(&self, entry: Append) -> JournalFuture<Appended> {
        let journal = self.clone();
        Box::pin(async move { append::append(&journal, entry).await })
    }

    fn replay(
        &self,
        booking_id: &str,
        after_seq: i64,
        up_to_seq: i64,
    ) -> JournalFuture<Vec<JournalEvent>> {
        let db = self.db.clone();
        let id = booking_id.to_owned();
        Box::pin(async move {
            let mut conn = db.get().await.map_err(storage)?;
            let rows = db::events::between(&mut conn, &id, after_seq, up_to_seq)
                .await
                .map_err(storage)?;
            Ok(rows.into_iter().map(append::to_event).collect())
        })
    }

    fn trail(&self, point: TrailPoint) {
        let db = self.db.clone();
        actix_web::rt::spawn(async move {
            let row = db::chat::TrailRow {
                id: db::new_id(),
                booking_id: point.booking_id,
                role: point.role.as_str().to_owned(),
                lat: point.lat,
                lng: point.lng,
                accuracy_m: point.accuracy_m,
                recorded_at: point.at.naive_utc(),
                created_at: db::now(),
            };
            let stored = match db.get().await {
                Ok(mut conn) => db::chat::insert_trail(&mut conn, &row)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = stored {
                tracing::warn!(booking = %row.booking_id, error = %e, "trail point not stored");
            }
        });
    }
}
