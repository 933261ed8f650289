//! Embedded migrations, one directory per backend with parallel names.

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::Config;

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies pending migrations and returns the versions applied.
///
/// Runs on a blocking thread: diesel's migration harness is synchronous, and
/// diesel-async's own harness would call `block_in_place`, which panics on
/// actix's current-thread runtime.
pub async fn run(config: &Config) -> anyhow::Result<Vec<String>> {
    let url = config.db.url.clone();
    let sqlite = config.is_sqlite();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let applied = if sqlite {
            let path = super::sqlite_path(&url);
            if let Some(dir) = std::path::Path::new(&path).parent() {
                if !dir.as_os_str().is_empty() && path != ":memory:" {
                    std::fs::create_dir_all(dir)?;
                }
            }
            let mut conn = SqliteConnection::establish(&path)?;
            conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
            conn.run_pending_migrations(SQLITE)
                .map_err(|e| anyhow::anyhow!("sqlite migration failed: {e}"))?
                .into_iter()
                .map(|v| v.to_string())
                .collect()
        } else {
            let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
            conn.run_pending_migrations(POSTGRES)
                .map_err(|e| anyhow::anyhow!("postgres migration failed: {e}"))?
                .into_iter()
                .map(|v| v.to_string())
                .collect()
        };
        Ok(applied)
    })
    .await?
}
