//! The local cache: the app's IndexedDB database, its schema versions and typed access to its stores.
//!
//! This is the only module that touches IndexedDB. It stores and reads records; it never decides what a
//! record means (that is the domain's) and never talks to the network (that is `sync`'s).

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The schema version this build of the app writes. Every bump gets a step in [`upgrade`].
pub const SCHEMA_VERSION: u32 = 1;

/// The object stores of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Emails,
    Meta,
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Store::Emails => "emails",
            Store::Meta => "meta",
        }
    }
}

/// What can go wrong with the cache, as owned text so the UI can keep and show it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("the local cache cannot be opened: {0}")]
    Open(String),
    #[error("the local cache could not be read or written: {0}")]
    Access(String),
}

impl From<indexed_db_futures::error::OpenDbError> for StorageError {
    fn from(err: indexed_db_futures::error::OpenDbError) -> Self {
        StorageError::Open(err.to_string())
    }
}

impl From<indexed_db_futures::error::Error> for StorageError {
    fn from(err: indexed_db_futures::error::Error) -> Self {
        StorageError::Access(err.to_string())
    }
}

/// An open cache database.
pub struct Cache {
    db: Database,
}

impl Cache {
    /// Opens (creating or upgrading as needed) the cache database called `name`.
    pub async fn open(name: &str) -> Result<Cache, StorageError> {
        let db = Database::open(name)
            .with_version(SCHEMA_VERSION)
            .with_on_upgrade_needed(|event, db| {
                upgrade(event.old_version() as u32, &db)?;
                Ok(())
            })
            .await?;
        Ok(Cache { db })
    }

    /// The database's name.
    pub fn name(&self) -> String {
        self.db.name()
    }

    /// Writes `value` under `key` in `store`, and returns once the transaction has committed.
    pub async fn put<T: Serialize>(&self, store: Store, key: &str, value: &T) -> Result<(), StorageError> {
        let tx = self.db.transaction(store.name()).with_mode(TransactionMode::Readwrite).build()?;
        let object_store = tx.object_store(store.name())?;
        object_store.put(value).with_key(key.to_string()).serde()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads the record under `key` in `store`, if any.
    pub async fn get<T: DeserializeOwned>(&self, store: Store, key: &str) -> Result<Option<T>, StorageError> {
        let tx = self.db.transaction(store.name()).build()?;
        let object_store = tx.object_store(store.name())?;
        let value: Option<T> = object_store.get(key.to_string()).serde()?.await?;
        Ok(value)
    }

    /// Closes the connection and deletes the database (sign-out, tests).
    pub async fn delete(self) -> Result<(), StorageError> {
        let name = self.db.name();
        drop(self);
        Database::delete_by_name(&name)?.await?;
        Ok(())
    }
}

impl Drop for Cache {
    /// Closes the connection, so a later upgrade or deletion of the database is not blocked by it.
    fn drop(&mut self) {
        self.db.clone().close();
    }
}

/// Brings a database from `old_version` up to [`SCHEMA_VERSION`], one step at a time.
fn upgrade(old_version: u32, db: &Database) -> Result<(), indexed_db_futures::error::Error> {
    if old_version < 1 {
        db.create_object_store(Store::Emails.name()).build()?;
        db.create_object_store(Store::Meta.name()).build()?;
    }
    Ok(())
}
