//! Storage: the SQLite database in the data folder, opened in WAL mode with its migrations applied.
//!
//! Handlers and the scheduler reach the database only through [`Store`], so a second backend (PostgreSQL)
//! can be put behind the same methods without touching them. Every write that changes a user's records
//! takes the next number of the change sequence in the same transaction, so the change feed never misses
//! or reorders a change.
//!
//! This file opens the database and holds its transactions; the records table and each kind of stored
//! fact have a file of their own, each with an `impl Store` of its own.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use domain::Instant;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

mod changes;
mod emails;
mod events;
mod idempotency;
mod kept_inbound;
mod mailboxes;
mod message_ids;
mod records;
mod suppressions;
mod users;

pub use kept_inbound::KeptInbound;
pub use mailboxes::{Cursor, MailboxRow};
pub use records::{WRITE_CHUNK, Write};
pub use suppressions::SuppressionRow;
pub use users::UserRow;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder: {0}")]
    DataDir(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("a stored record cannot be read: {0}")]
    Corrupt(String),
}

/// Milliseconds since the Unix epoch, the way instants are kept in index columns.
pub fn millis(at: Instant) -> i64 {
    at.timestamp_millis()
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    writer: Arc<Mutex<()>>,
}

/// One write transaction. Opaque outside this module: handlers and actions pass it to `Store`'s
/// functions and end it with [`Tx::commit`] or [`Tx::rollback`], and never see the database driver, so a
/// second backend (PostgreSQL) changes this module and nothing above it.
///
/// Write transactions also take the store's writer lock, so writers of this process queue in order
/// instead of polling SQLite's busy handler (which sleeps). The transaction field comes first so it ends
/// before the lock is released.
pub struct Tx(Transaction<'static, Sqlite>, Option<OwnedMutexGuard<()>>);

impl Tx {
    /// Makes every write in the transaction durable at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        let Tx(transaction, _writer) = self;
        Ok(transaction.commit().await?)
    }

    /// Drops every write in the transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        let Tx(transaction, _writer) = self;
        Ok(transaction.rollback().await?)
    }
}

impl Store {
    /// Opens (creating if needed) `commandcenter.sqlite3` in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join("commandcenter.sqlite3");
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, writer: Arc::new(Mutex::new(())) })
    }

    /// Answers when the database can be reached.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The journal mode in force (`wal` once opened).
    pub async fn journal_mode(&self) -> Result<String, StoreError> {
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&self.pool).await?;
        Ok(mode.0)
    }

    /// Starts a write transaction that holds the write lock from its first statement, so a read-then-write
    /// never fails half-way because another writer came in between.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let writer = self.writer.clone().lock_owned().await;
        Ok(Tx(self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(writer)))
    }
}
