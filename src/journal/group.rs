//! Group commit: journal writes that arrive together share one transaction.
//!
//! Sessions hand their commits, appends and trail points to a queue. A
//! writer task takes what is queued (up to [`MAX_BATCH`]), opens one
//! transaction and runs each job inside a savepoint of its own, commits once,
//! and only then answers each job with its own outcome. A job that fails is
//! rolled back to its savepoint and answered with its error; the others are
//! untouched. If the transaction as a whole cannot commit, nothing of it is
//! kept and every job is run again alone, in its own transaction, so one
//! job can never fail or commit another's. Trail points are answered by
//! nobody, so a batch of nothing else waits up to [`TRAIL_LINGER`] for
//! company before it is written.
//!
//! SQLite has one writer (its pool has one connection); PostgreSQL has half
//! the pool, so requests keep connections of their own while the writers
//! are busy.

use std::sync::Arc;

use onsite_actors::journal::{Append, Appended, Change, Committed, JournalError, TrailPoint};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::append::AppendDone;
use super::commit::{CommitDone, CommitError};
use super::{append, commit, effects, storage, DbJournal};
use crate::db::{self, DbConn};

/// Commits and appends one transaction takes at most.
pub const MAX_BATCH: usize = 64;
/// Trail points one transaction takes at most, all in one statement (8
/// parameters a row, well within SQLite's 32,766 and PostgreSQL's 65,535).
const MAX_TRAILS: usize = 512;
/// How long a batch of nothing but trail points waits for more before it
/// is written: a busy node then writes a few large statements a second
/// instead of one small transaction per fix.
const TRAIL_LINGER: std::time::Duration = std::time::Duration::from_millis(200);
/// Jobs waiting for a writer before senders wait too.
const QUEUE: usize = 8192;

pub(super) enum Job {
    Commit(Change, oneshot::Sender<Result<Committed, JournalError>>),
    Append(Append, oneshot::Sender<Result<Appended, JournalError>>),
    /// Best effort: a lost trail point is logged, never retried.
    Trail(TrailPoint),
}

/// What a job did inside the batch, to finish once the batch committed.
enum Done {
    Commit(CommitDone),
    Append(AppendDone),
    Trail,
}

/// The queue in front of the writers (cheap to clone).
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::Sender<Job>,
    /// Jobs sent and not yet finished (queued or in a batch).
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    /// Trail points dropped because the queue was full (logged at powers
    /// of two, so a burst is a few lines, not one per point).
    trails_dropped: Arc<std::sync::atomic::AtomicU64>,
}

impl GroupCommit {
    /// Starts `writers` writer tasks on a thread of their own, which runs
    /// SQLite's queries inline (no thread hop per statement).
    pub(super) fn start(journal: DbJournal, writers: usize) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = in_flight.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || {
                db::run_queries_inline();
                runtime.block_on(async move {
                    let writers: Vec<_> = (0..writers.max(1))
                        .map(|_| tokio::spawn(writer(journal.clone(), rx.clone(), counted.clone())))
                        .collect();
                    // They end when every sender is gone.
                    for w in writers {
                        let _ = w.await;
                    }
                });
            })?;
        Ok(Self {
            tx,
            in_flight,
            trails_dropped: Arc::default(),
        })
    }

    /// Waits until every job sent so far is written (or `deadline` passes);
    /// false if some were still pending at the deadline.
    pub(super) async fn flush(&self, deadline: tokio::time::Instant) -> bool {
        use std::sync::atomic::Ordering;
        while self.in_flight.load(Ordering::Acquire) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        true
    }

    pub(super) async fn commit(&self, change: Change) -> Result<Committed, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Commit(change, tx)).await?;
        rx.await
            .map_err(|_| storage("the journal writer stopped"))?
    }

    pub(super) async fn append(&self, append: Append) -> Result<Appended, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Append(append, tx)).await?;
        rx.await
            .map_err(|_| storage("the journal writer stopped"))?
    }

    pub(super) fn trail(&self, point: TrailPoint) {
        use std::sync::atomic::Ordering;
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        if let Err(e) = self.tx.try_send(Job::Trail(point)) {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            let reason = match e {
                mpsc::error::TrySendError::Full(_) => "the journal queue is full",
                mpsc::error::TrySendError::Closed(_) => "the journal writer stopped",
            };
            let dropped = self.trails_dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(reason, dropped, "trail point not stored");
            }
        }
    }

    async fn send(&self, job: Job) -> Result<(), JournalError> {
        use std::sync::atomic::Ordering;
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.tx.send(job).await.map_err(|_| {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            storage("the journal writer stopped")
        })
    }
}

/// A commit in a transaction of its own, on the caller's task (a journal
/// without writers).
pub(super) async fn commit_now(j: &DbJournal, change: Change) -> Result<Committed, JournalError> {
    let (tx, rx) = oneshot::channel();
    run_batch(j, vec![Job::Commit(change, tx)]).await;
    rx.await
        .map_err(|_| storage("the commit was not answered"))?
}

/// An append in a transaction of its own, on the caller's task.
pub(super) async fn append_now(j: &DbJournal, append: Append) -> Result<Appended, JournalError> {
    let (tx, rx) = oneshot::channel();
    run_batch(j, vec![Job::Append(append, tx)]).await;
    rx.await
        .map_err(|_| storage("the append was not answered"))?
}

/// A trail point in a transaction of its own.
pub(super) async fn trail_now(j: &DbJournal, point: TrailPoint) {
    run_batch(j, vec![Job::Trail(point)]).await;
}

async fn writer(
    journal: DbJournal,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
) {
    loop {
        let mut batch = Vec::new();
        {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut trails = usize::from(matches!(first, Job::Trail(_)));
            batch.push(first);
            while batch.len() - trails < MAX_BATCH && trails < MAX_TRAILS {
                match rx.try_recv() {
                    Ok(job) => {
                        trails += usize::from(matches!(job, Job::Trail(_)));
                        batch.push(job);
                    }
                    Err(_) => break,
                }
            }
            // Nothing but trail points: nobody waits for them, so wait a
            // little for more and write them in one statement rather than
            // one small transaction per fix. A commit or an append ends the
            // wait at once and goes in with them.
            if trails == batch.len() {
                let until = tokio::time::Instant::now() + TRAIL_LINGER;
                while trails < MAX_TRAILS {
                    match tokio::time::timeout_at(until, rx.recv()).await {
                        Ok(Some(job)) => {
                            let trail = matches!(job, Job::Trail(_));
                            trails += usize::from(trail);
                            batch.push(job);
                            if !trail {
                                break;
                            }
                        }
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
        let jobs = batch.len();
        run_batch(&journal, batch).await;
        in_flight.fetch_sub(jobs, std::sync::atomic::Ordering::AcqRel);
    }
}

/// One job inside the open transaction, in a savepoint of its own.
async fn run_one(j: &DbJournal, c: &mut DbConn, job: &Job) -> Result<Done, CommitError> {
    db::transaction(c, async |c| match job {
        Job::Commit(change, _) => Ok(Done::Commit(commit::apply(j, c, change).await?)),
        Job::Append(a, _) => Ok(Done::Append(append::apply(j, c, a).await?)),
        Job::Trail(point) => {
            let row = db::trail::TrailRow::of(point);
            db::trail::insert(c, &row).await?;
            Ok(Done::Trail)
        }
    })
    .await
}

/// One job in a transaction of its own (no savepoint around it).
async fn run_alone(j: &DbJournal, job: Job) {
    let outcome =
        j.db.run(async |c| run_one(j, c, &job).await)
            .await
            .unwrap_or_else(|e| Err(e.into()));
    finish(j, job, outcome);
}

async fn run_batch(j: &DbJournal, mut batch: Vec<Job>) {
    if batch.len() == 1 {
        if let Some(job) = batch.pop() {
            run_alone(j, job).await;
        }
        return;
    }
    // Trail points go in together, in one statement and one savepoint:
    // they need no answer, and one per savepoint would cost three round
    // trips each.
    let mut trails = Vec::new();
    batch.retain(|job| match job {
        Job::Trail(point) => {
            trails.push(db::trail::TrailRow::of(point));
            false
        }
        _ => true,
    });
    let started = std::time::Instant::now();
    let jobs = batch.len();
    let outcome =
        j.db.run(async |c| {
            db::transaction(c, async |c| {
                let mut outcomes = Vec::with_capacity(batch.len());
                for job in &batch {
                    outcomes.push(run_one(j, c, job).await);
                }
                let trailed = if trails.is_empty() {
                    Ok(())
                } else {
                    db::transaction(c, async |c| db::trail::insert_many(c, &trails).await).await
                };
                Ok::<_, diesel::result::Error>((outcomes, trailed))
            })
            .await
        })
        .await;
    tracing::debug!(
        jobs,
        trail_points = trails.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "journal batch"
    );
    match outcome {
        Ok(Ok((outcomes, trailed))) => {
            if let Err(e) = trailed {
                tracing::warn!(error = %e, points = trails.len(), "trail points not stored");
            }
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                finish(j, job, outcome);
            }
        }
        Ok(Err(e)) => {
            // Nothing of the batch was kept: each job again, alone.
            tracing::warn!(error = %e, jobs, "batch not committed; running its jobs one by one");
            for job in batch {
                run_alone(j, job).await;
            }
            if !trails.is_empty() {
                let stored =
                    j.db.run(async |c| db::trail::insert_many(c, &trails).await)
                        .await;
                if !matches!(stored, Ok(Ok(()))) {
                    tracing::warn!(points = trails.len(), "trail points not stored");
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, points = trails.len(), "trail points not stored");
            for job in batch {
                fail(job, storage(&e));
            }
        }
    }
}

/// Answers a job once its outcome is durable (or final).
fn finish(j: &DbJournal, job: Job, outcome: Result<Done, CommitError>) {
    let done = match outcome {
        Ok(done) => done,
        Err(e) => return fail(job, e.into_journal()),
    };
    match (job, done) {
        (Job::Commit(_, answer), Done::Commit(done)) => {
            j.delivery.deliver(&done.notified);
            if done.refunds.is_empty() {
                let _ = answer.send(Ok(done.committed));
            } else {
                // The gateway is called after the commit, on a connection of
                // its own; the commit is answered once its refunds were sent.
                let j = j.clone();
                tokio::spawn(async move {
                    effects::send_refunds(&j, done.refunds).await;
                    let _ = answer.send(Ok(done.committed));
                });
            }
        }
        (Job::Append(_, answer), Done::Append(done)) => {
            j.delivery.deliver(&done.notified);
            let _ = answer.send(Ok(done.appended));
        }
        (Job::Trail(_), Done::Trail) => {}
        (job, _) => fail(job, storage("mismatched journal outcome")),
    }
}

fn fail(job: Job, err: JournalError) {
    match job {
        Job::Commit(_, answer) => {
            let _ = answer.send(Err(err));
        }
        Job::Append(_, answer) => {
            let _ = answer.send(Err(err));
        }
        Job::Trail(point) => {
            tracing::warn!(booking = %point.booking_id, error = %err, "trail point not stored");
        }
    }
}
