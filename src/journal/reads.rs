//! Batched reads: sessions that start together load together.
//!
//! After a restart every app reconnects at once and each socket resubscribes
//! with `since_seq`: thousands of sessions load their booking and replay what
//! their subscribers missed within a second or two. One query each would
//! queue them one by one behind the database (on SQLite, behind its single
//! connection). Here a reader takes everything queued (up to
//! [`MAX_READS`]) and answers it with three queries: the bookings, their
//! latest `proximity` events, and every replayed range. When reads come one
//! at a time, each is its own batch and waits for nothing.

use std::collections::HashMap;

use onsite_actors::journal::{BookingRecord, JournalError, JournalEvent};
use onsite_actors::protocol::{EventBody, EventKind};
use tokio::sync::{mpsc, oneshot};

use super::{record_of, storage, stored_event};
use crate::db::{self, DbPool};

/// Reads one batch answers at most (each replay is one term of a query).
pub const MAX_READS: usize = 128;
/// Reads waiting for the reader before callers wait too.
const QUEUE: usize = 8192;

type Reply<T> = oneshot::Sender<Result<T, JournalError>>;

enum Read {
    Load(String, Reply<BookingRecord>),
    Replay {
        booking_id: String,
        after: i64,
        up_to: i64,
        reply: Reply<Vec<JournalEvent>>,
    },
}

/// The queue in front of the reader (cheap to clone).
#[derive(Clone)]
pub struct BatchReads {
    tx: mpsc::Sender<Read>,
}

impl BatchReads {
    /// Starts the reader. On SQLite it has a thread of its own that runs the
    /// queries inline (like the journal writers); on PostgreSQL it is a task
    /// of the caller's runtime using the shared pool.
    pub(super) fn start(db: DbPool) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        match db {
            DbPool::Sqlite(_) => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                std::thread::Builder::new()
                    .name("journal-reader".into())
                    .spawn(move || {
                        db::run_queries_inline();
                        runtime.block_on(reader(db, rx));
                    })?;
            }
            DbPool::Pg(_) => {
                tokio::spawn(reader(db, rx));
            }
        }
        Ok(Self { tx })
    }

    pub(super) async fn load(&self, booking_id: &str) -> Result<BookingRecord, JournalError> {
        let (reply, rx) = oneshot::channel();
        self.send(Read::Load(booking_id.to_owned(), reply)).await?;
        rx.await
            .map_err(|_| storage("the journal reader stopped"))?
    }

    pub(super) async fn replay(
        &self,
        booking_id: &str,
        after: i64,
        up_to: i64,
    ) -> Result<Vec<JournalEvent>, JournalError> {
        let (reply, rx) = oneshot::channel();
        self.send(Read::Replay {
            booking_id: booking_id.to_owned(),
            after,
            up_to,
            reply,
        })
        .await?;
        rx.await
            .map_err(|_| storage("the journal reader stopped"))?
    }

    async fn send(&self, read: Read) -> Result<(), JournalError> {
        self.tx
            .send(read)
            .await
            .map_err(|_| storage("the journal reader stopped"))
    }
}

async fn reader(db: DbPool, mut rx: mpsc::Receiver<Read>) {
    let mut batch = Vec::with_capacity(MAX_READS);
    // Ends when every sender is gone.
    while rx.recv_many(&mut batch, MAX_READS).await > 0 {
        answer(&db, std::mem::take(&mut batch)).await;
    }
}

/// Answers one batch: every read gets its own outcome; a failed query fails
/// the reads that needed it.
async fn answer(db: &DbPool, batch: Vec<Read>) {
    let mut loads: Vec<(String, Reply<BookingRecord>)> = Vec::new();
    let mut replays = Vec::new();
    for read in batch {
        match read {
            Read::Load(id, reply) => loads.push((id, reply)),
            Read::Replay {
                booking_id,
                after,
                up_to,
                reply,
            } => replays.push((booking_id, after, up_to, reply)),
        }
    }
    if !loads.is_empty() {
        let ids: Vec<&str> = loads.iter().map(|(id, _)| id.as_str()).collect();
        match load_many(db, &ids).await {
            Ok(mut records) => {
                for (id, reply) in loads {
                    let _ = reply.send(records.remove(&id).unwrap_or(Err(JournalError::NotFound)));
                }
            }
            Err(e) => {
                for (_, reply) in loads {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
    if !replays.is_empty() {
        let ranges: Vec<(&str, i64, i64)> = replays
            .iter()
            .map(|(id, after, up_to, _)| (id.as_str(), *after, *up_to))
            .collect();
        let rows = db
            .run(async |c| db::events::ranges(c, &ranges).await)
            .await
            .map_err(storage)
            .and_then(|rows| rows.map_err(storage));
        match rows {
            Ok(rows) => {
                let mut by_booking: HashMap<String, Vec<JournalEvent>> = HashMap::new();
                let mut failed: HashMap<String, JournalError> = HashMap::new();
                for row in rows {
                    let id = row.booking_id.clone();
                    match stored_event(row) {
                        Ok(event) => by_booking.entry(id).or_default().push(event),
                        Err(e) => {
                            failed.insert(id, e);
                        }
                    }
                }
                for (id, after, up_to, reply) in replays {
                    let outcome = match failed.get(&id) {
                        Some(e) => Err(e.clone()),
                        // In seq order already; one booking may be replayed
                        // for several subscribers with different ranges.
                        None => Ok(by_booking
                            .get(&id)
                            .map(|events| {
                                events
                                    .iter()
                                    .filter(|e| e.seq > after && e.seq <= up_to)
                                    .cloned()
                                    .collect()
                            })
                            .unwrap_or_default()),
                    };
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for (.., reply) in replays {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// The bookings of `ids` as sessions start from them: proximity continues
/// from each one's latest `proximity` event (inside since the last
/// `within: true`). A booking whose event does not read back fails alone.
pub(super) async fn load_many(
    db: &DbPool,
    ids: &[&str],
) -> Result<HashMap<String, Result<BookingRecord, JournalError>>, JournalError> {
    let (bookings, proximity) = db
        .run(async |c| {
            let bookings = db::bookings::find_many(c, ids).await?;
            let proximity = db::events::of_kind_many(c, ids, EventKind::Proximity).await?;
            Ok::<_, diesel::result::Error>((bookings, proximity))
        })
        .await
        .map_err(storage)?
        .map_err(storage)?;
    let mut records: HashMap<String, Result<BookingRecord, JournalError>> = bookings
        .iter()
        .map(|b| (b.id.clone(), Ok(record_of(b))))
        .collect();
    // Ordered by booking and seq: the last row of each booking wins.
    let mut latest: HashMap<String, db::events::EventRow> = HashMap::new();
    for row in proximity {
        latest.insert(row.booking_id.clone(), row);
    }
    for (id, row) in latest {
        let Some(Ok(record)) = records.get_mut(&id) else {
            continue;
        };
        match stored_event(row) {
            Ok(event) => {
                if let EventBody::Proximity(p) = &event.body {
                    record.within_since = p.within.then_some(event.at);
                }
            }
            Err(e) => {
                records.insert(id, Err(e));
            }
        }
    }
    Ok(records)
}
