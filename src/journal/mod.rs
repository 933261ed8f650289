//! The SQL side of the realtime core's [`Journal`] port: loads bookings for
//! their sessions and commits validated changes, with their side effects
//! (ledger postings, chat tokens, slot claims) and journal events, in one
//! database transaction.

mod append;
mod commit;
mod effects;
pub mod fence;
mod group;
mod reads;

pub use group::GroupCommit;
pub use reads::BatchReads;

pub use effects::send_refund;

use std::sync::Arc;

use chrono::NaiveDateTime;
use onsite_actors::journal::{
    Append, Appended, BookingRecord, Change, Committed, Journal, JournalError, JournalEvent,
    JournalFuture, TrailPoint,
};
use onsite_actors::protocol::EventBody;

use crate::config::{Config, MoneyConfig};
use crate::db::{self, events::EventRow, DbPool};
use crate::notify::center::Delivery;
use crate::payments::PaymentGateway;

/// What the journal needs besides the database (cheap to clone).
#[derive(Clone)]
pub struct DbJournal {
    pub db: DbPool,
    pub gateway: Arc<dyn PaymentGateway>,
    /// Commission, the cancellation policy, the answer window.
    pub money: MoneyConfig,
    /// Where committed notices go.
    pub delivery: Delivery,
    /// Base of the links in notices.
    pub public_url: String,
    /// Reminder lead times of scheduled bookings, in minutes.
    pub reminders: Vec<i32>,
    /// The writers journal writes are queued to (`None` inside a writer).
    group: Option<GroupCommit>,
    /// The reader loads and replays are queued to (`None`: one query each).
    reads: Option<BatchReads>,
    /// Several nodes: the leases this node holds, checked on every write.
    pub fences: Option<Arc<fence::Fences>>,
}

impl DbJournal {
    pub fn new(
        config: &Config,
        db: DbPool,
        gateway: Arc<dyn PaymentGateway>,
        delivery: Delivery,
    ) -> Self {
        Self {
            db,
            gateway,
            money: config.money.clone(),
            delivery,
            public_url: config.http.public_url.clone(),
            reminders: config.notify.reminders.clone(),
            group: None,
            reads: None,
            fences: None,
        }
    }

    /// Accepts writes only for bookings whose lease this node holds (set
    /// before the writers start: they carry a copy).
    pub fn with_fences(mut self, fences: Option<Arc<fence::Fences>>) -> Self {
        self.fences = fences;
        self
    }

    /// Starts the reader that answers loads and replays arriving together
    /// with one query each ([`BatchReads`]).
    pub fn with_batched_reads(mut self) -> Self {
        match BatchReads::start(self.db.clone()) {
            Ok(reads) => self.reads = Some(reads),
            // Still correct, only slower: one query per read.
            Err(e) => tracing::error!(error = %e, "journal reader not started"),
        }
        self
    }

    /// Starts the journal's writers (group commit): one on SQLite (its one
    /// connection), one per journal connection on PostgreSQL
    /// ([`db::journal_connections`]).
    pub fn with_writers(mut self, config: &Config) -> Self {
        let pool = match self.db.for_journal(config) {
            Ok(pool) => pool,
            Err(e) => {
                tracing::error!(error = %e, "journal pool not built; writes go one by one");
                return self;
            }
        };
        let writers = match &pool {
            DbPool::Pg(pool) => pool.status().max_size,
            DbPool::Sqlite(_) => 1,
        };
        let mut writer = self.clone();
        writer.db = pool;
        match GroupCommit::start(writer, writers) {
            Ok(group) => self.group = Some(group),
            // Still correct, only slower: each write in its own transaction.
            Err(e) => tracing::error!(error = %e, "journal writers not started"),
        }
        self
    }

    /// Waits until every queued write (commits, appends, trail points) is
    /// stored, or `deadline`: false if some were still queued then.
    pub async fn flush(&self, deadline: tokio::time::Instant) -> bool {
        match &self.group {
            Some(group) => group.flush(deadline).await,
            None => true,
        }
    }
}

fn storage(err: impl std::fmt::Display) -> JournalError {
    JournalError::Storage(err.to_string())
}

/// One journal event: the row to store and the event as the core sees it.
/// Every writer of the journal (commits, appends, creation, `seed-load`)
/// makes its events here.
pub fn booking_event(
    booking_id: &str,
    seq: i64,
    body: EventBody,
    by: Option<&str>,
    at: NaiveDateTime,
) -> (EventRow, JournalEvent) {
    let row = EventRow {
        booking_id: booking_id.to_owned(),
        seq,
        kind: body.kind(),
        payload: body.to_json(),
        by_user: by.map(str::to_owned),
        created_at: at,
    };
    let event = JournalEvent {
        booking_id: booking_id.to_owned(),
        seq,
        body,
        at: db::utc(at),
    };
    (row, event)
}

/// A stored event as the core replays it; a payload that does not read back
/// is a storage error (logged), never a silently empty event.
pub fn stored_event(row: EventRow) -> Result<JournalEvent, JournalError> {
    let body = EventBody::from_json(row.kind, &row.payload).map_err(|e| {
        tracing::error!(booking = %row.booking_id, seq = row.seq, error = %e, "a stored event does not read back");
        storage(e)
    })?;
    Ok(JournalEvent {
        booking_id: row.booking_id,
        seq: row.seq,
        body,
        at: db::utc(row.created_at),
    })
}

pub(crate) fn record_of(b: &db::bookings::Booking) -> BookingRecord {
    BookingRecord {
        id: b.id.clone(),
        state: b.status,
        version: b.version,
        last_seq: b.last_seq,
        customer_id: b.customer_id.clone(),
        provider_id: b.provider_id.clone(),
        target: (b.location_lat, b.location_lng),
        within_since: None,
    }
}

impl Journal for DbJournal {
    fn load(&self, booking_id: &str) -> JournalFuture<BookingRecord> {
        let journal = self.clone();
        let id = booking_id.to_owned();
        Box::pin(async move {
            match &journal.reads {
                Some(reads) => reads.load(&id).await,
                None => reads::load_many(&journal.db, &[id.as_str()])
                    .await?
                    .remove(&id)
                    .unwrap_or(Err(JournalError::NotFound)),
            }
        })
    }

    fn commit(&self, change: Change) -> JournalFuture<Committed> {
        let journal = self.clone();
        Box::pin(async move {
            match &journal.group {
                Some(group) => group.commit(change).await,
                None => group::commit_now(&journal, change).await,
            }
        })
    }

    fn append(&self, entry: Append) -> JournalFuture<Appended> {
        let journal = self.clone();
        Box::pin(async move {
            match &journal.group {
                Some(group) => group.append(entry).await,
                None => group::append_now(&journal, entry).await,
            }
        })
    }

    fn replay(
        &self,
        booking_id: &str,
        after_seq: i64,
        up_to_seq: i64,
    ) -> JournalFuture<Vec<JournalEvent>> {
        let journal = self.clone();
        let id = booking_id.to_owned();
        Box::pin(async move {
            if let Some(reads) = &journal.reads {
                return reads.replay(&id, after_seq, up_to_seq).await;
            }
            let rows = journal
                .db
                .run(async |c| db::events::between(c, &id, after_seq, up_to_seq).await)
                .await
                .map_err(storage)?
                .map_err(storage)?;
            rows.into_iter().map(stored_event).collect()
        })
    }

    fn trail(&self, point: TrailPoint) {
        if let Some(group) = &self.group {
            return group.trail(point);
        }
        let journal = self.clone();
        actix_web::rt::spawn(async move { group::trail_now(&journal, point).await });
    }
}
