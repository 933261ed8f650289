//! Persistence: one query code for two backends.
//!
//! [`DbPool`] holds either a PostgreSQL pool (`AsyncPgConnection`) or a SQLite pool
//! (`SyncConnectionWrapper<SqliteConnection>`), chosen by the scheme of
//! `ONSITE_DATABASE_URL`. Query functions take a [`DbConn`] and use [`db_run!`],
//! which expands the same diesel expression once per backend, so every query is
//! written once and type-checked against both. [`transaction`] runs several such
//! queries atomically.

pub mod addresses;
pub mod admin_audit;
pub mod audit;
pub mod availability;
pub mod bookings;
pub mod categories;
pub mod challenges;
pub mod chat;
pub mod complaints;
pub mod consents;
pub mod content;
pub mod devices;
pub mod direct;
pub mod discovery;
pub mod documents;
pub mod erasure;
pub mod events;
pub mod export;
pub mod favorites;
pub mod gallery;
pub mod holds;
pub mod invoices;
pub mod leases;
pub mod ledger;
pub mod links;
pub mod migrate;
pub mod notifications;
pub mod oidc;
pub mod outbox;
pub mod payments;
pub mod payouts;
pub mod performance;
pub mod providers;
pub mod reminders;
pub mod reviews;
pub mod schema;
pub mod services;
pub mod sessions;
pub mod sla;
pub mod slots;
pub mod stats;
pub mod totp;
pub mod trail;
pub mod users;

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use futures_util::FutureExt;

use crate::config::Config;

pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, SqliteRunner>;

thread_local! {
    static QUERIES_INLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Where a SQLite query runs. Usually on tokio's blocking pool, so a query
/// never blocks the thread serving sockets. On a thread given over to
/// database work ([`run_queries_inline`]: the journal writer's), it runs
/// inline: no thread hop per statement, which is most of a small query's cost.
pub struct SqliteRunner;

impl diesel_async::sync_connection_wrapper::SpawnBlocking for SqliteRunner {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> futures_util::future::BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync>>>
    where
        R: Send + 'static,
    {
        if QUERIES_INLINE.get() {
            return std::future::ready(Ok(task())).boxed();
        }
        tokio::task::spawn_blocking(task)
            .map(|joined| joined.map_err(Box::from))
            .boxed()
    }

    fn get_runtime() -> Self {
        Self
    }
}

/// Marks the current thread as one that runs SQLite queries inline. Only for
/// a thread that does nothing but database work.
pub fn run_queries_inline() {
    QUERIES_INLINE.set(true);
}
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// A pool of connections to whichever backend the configuration names.
#[derive(Clone)]
pub enum DbPool {
    Pg(Pool<AsyncPgConnection>),
    Sqlite(Pool<SqliteConn>),
}

/// A connection checked out of a [`DbPool`]. (Short-lived, on the stack: the
/// size difference between the variants costs less than boxing every checkout.)
#[allow(clippy::large_enum_variant)]
pub enum DbConn {
    Pg(Object<AsyncPgConnection>),
    Sqlite(Object<SqliteConn>),
}

/// Expands `$body` once per backend with `$conn` bound to the concrete connection.
///
/// ```ignore
/// let n = db_run!(conn, |c| users::table.count().get_result::<i64>(c).await)?;
/// ```
#[macro_export]
macro_rules! db_run {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(ref mut pooled) => {
                let $c: &mut ::diesel_async::AsyncPgConnection = &mut *pooled;
                $body
            }
            $crate::db::DbConn::Sqlite(ref mut pooled) => {
                let $c: &mut $crate::db::SqliteConn = &mut *pooled;
                $body
            }
        }
    };
}

impl DbPool {
    /// Connects to the configured database (creating the SQLite file and its directory).
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        if config.is_sqlite() {
            let path = sqlite_path(&config.db.url);
            if path != ":memory:" {
                if let Some(dir) = std::path::Path::new(&path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)?;
                    }
                }
            }
            let mut mgr_config = ManagerConfig::<SqliteConn>::default();
            mgr_config.custom_setup = Box::new(|url| {
                let url = url.to_owned();
                async move {
                    let mut conn = SqliteConn::establish(&url).await?;
                    conn.batch_execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    )
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                    Ok(conn)
                }
                .boxed()
            });
            mgr_config.recycling_method = RecyclingMethod::Fast;
            let mgr = AsyncDieselConnectionManager::new_with_config(path, mgr_config);
            // SQLite has one writer; a single connection serialises access in-process
            // instead of failing with SQLITE_BUSY on write-lock upgrades.
            let pool = Pool::builder(mgr)
                .max_size(1)
                .wait_timeout(Some(Duration::from_secs(10)))
                .runtime(deadpool::Runtime::Tokio1)
                .build()?;
            Ok(Self::Sqlite(pool))
        } else {
            let size = config.db.pool_size.max(1);
            Self::pg(&config.db.url, size - journal_connections(size))
        }
    }

    fn pg(url: &str, size: usize) -> anyhow::Result<Self> {
        // A checkout does not ping the server (a broken connection is still
        // noticed and replaced): one round trip less per request.
        let mut mgr_config = ManagerConfig::<AsyncPgConnection>::default();
        mgr_config.recycling_method = RecyclingMethod::Fast;
        let mgr =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, mgr_config);
        let pool = Pool::builder(mgr)
            .max_size(size.max(1))
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()?;
        Ok(Self::Pg(pool))
    }

    /// The pool the journal's writers use: on PostgreSQL connections of their
    /// own, [`journal_connections`] of the configured pool (opened by the
    /// writers' thread, so their I/O runs there); on SQLite, or with a pool
    /// too small to split, this pool.
    pub fn for_journal(&self, config: &Config) -> anyhow::Result<Self> {
        match self {
            Self::Pg(_) if journal_connections(config.db.pool_size) > 0 => {
                Self::pg(&config.db.url, journal_connections(config.db.pool_size))
            }
            _ => Ok(self.clone()),
        }
    }

    /// Runs `body` with a pooled connection and gives the connection back
    /// when `body` ends: the only way to get one. A connection therefore never
    /// outlives the queries it was taken for, so nothing can hold it across an
    /// actor call or a gateway request (on SQLite's single connection that
    /// would stall every other request).
    pub async fn run<T>(&self, body: impl AsyncFnOnce(&mut DbConn) -> T) -> Result<T, PoolError> {
        let asked = std::time::Instant::now();
        let mut conn = match self {
            Self::Pg(pool) => DbConn::Pg(pool.get().await?),
            Self::Sqlite(pool) => DbConn::Sqlite(pool.get().await?),
        };
        crate::metrics::pool_wait(asked.elapsed());
        Ok(body(&mut conn).await)
    }

    /// [`run`](Self::run) with the queries in one transaction.
    pub async fn transaction<T, E>(
        &self,
        body: impl AsyncFnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<PoolError>,
    {
        self.run(async |conn| transaction(conn, body).await).await?
    }

    /// The pool's size, idle connections and waiting callers (for metrics).
    pub fn status(&self) -> deadpool::Status {
        match self {
            Self::Pg(pool) => pool.status(),
            Self::Sqlite(pool) => pool.status(),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Pg(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// Connections of a PostgreSQL pool of `size` the journal's writers get: a
/// quarter (10 -> 2 for the writers, 8 for everything else); none below 4.
pub fn journal_connections(size: usize) -> usize {
    if size >= 4 {
        size / 4
    } else {
        0
    }
}

/// `sqlite://path`, `sqlite:path` or `sqlite::memory:` -> what SQLite opens.
pub fn sqlite_path(url: &str) -> String {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if rest == ":memory:" {
        ":memory:".to_owned()
    } else {
        rest.to_owned()
    }
}

/// The current time as stored: UTC, microsecond precision on both backends.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored timestamp as an API value.
pub fn utc(ts: NaiveDateTime) -> DateTime<Utc> {
    ts.and_utc()
}

/// A new time-ordered id (UUIDv7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A round trip to the database (readiness).
pub async fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    use diesel_async::RunQueryDsl;
    db_run!(conn, |c| diesel::sql_query("SELECT 1").execute(c).await)?;
    Ok(())
}

/// True when `err` is a unique-constraint violation (on either backend).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

async fn tm_begin<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::begin_transaction(c).await
}

async fn tm_commit<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::commit_transaction(c).await
}

async fn tm_rollback<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::rollback_transaction(c).await
}

impl DbConn {
    async fn begin(&mut self) -> diesel::QueryResult<()> {
        db_run!(self, |c| tm_begin(c).await)
    }

    async fn commit(&mut self) -> diesel::QueryResult<()> {
        db_run!(self, |c| tm_commit(c).await)
    }

    async fn rollback(&mut self) -> diesel::QueryResult<()> {
        db_run!(self, |c| tm_rollback(c).await)
    }
}

/// Runs `body` in a transaction: committed if it returns `Ok`, rolled back
/// otherwise. If the future is dropped half-way, the pool sees the open
/// transaction and discards the connection, so nothing half-done is committed.
pub async fn transaction<T, E, F>(conn: &mut DbConn, body: F) -> Result<T, E>
where
    F: AsyncFnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.begin().await?;
    match body(conn).await {
        Ok(value) => {
            conn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = conn.rollback().await {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
}
