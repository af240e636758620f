//! The local cache: the app's IndexedDB database, its schema versions and migrations, and typed access to
//! every record the app keeps (emails with their engagement, events, people, campaigns, tasks, saved
//! searches), the outbox of changes waiting to be pushed, and the sync cursor.
//!
//! This is the only module that touches IndexedDB. It stores and reads records; it never decides what a
//! record means (that is the domain's) and never talks to the network (that is `sync`'s).
//!
//! Every stored value is an object `{ j: "<the record as JSON>", ...index fields }`. The JSON is the
//! record's serde form, so the cache reads exactly what it wrote; the few plain fields beside it exist only
//! for indexes (an email's folder and the instant it is listed by, its recipient and subject for sorting,
//! its batch). A value that cannot be read back (a corrupted record) is reported and skipped; the rest of
//! the cache stays usable.
//!
//! Writes go through [`Cache::write`]: one IndexedDB transaction for a list of [`Write`]s, so a record and
//! the outbox entry that pushes it, or a page of the change feed and the cursor after it, land together or
//! not at all. The folder counts are kept in the same transaction ([`domain::FolderCounts::apply`]).

mod first_page;
pub use first_page::early_read_rules;
pub mod last_screen;
mod records;
mod schema;

use std::cell::RefCell;
use std::rc::Rc;

use domain::sync::{Cursor, Record, RecordKind};
use domain::{
    CountChange, EmailEngagement, EmailId, EngagementEvent, Folder, FolderCounts, Order, SortKey, Transition,
};
use indexed_db_futures::KeyRange;
use indexed_db_futures::cursor::CursorDirection;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

pub use records::{EmailRecord, OutboxEntry, OutboxState, SeenRecord, Session, Settings};
pub use schema::{SCHEMA_VERSION, Store};

use first_page::EarlyRead;
use schema::{envelope, read_json};

/// The database the app uses (one per browser profile; sign-out deletes it).
pub const DATABASE: &str = "command-center";

/// What can go wrong with the cache, as owned text so the UI can keep and show it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("the local cache cannot be opened: {0}")]
    Open(String),
    /// A newer release of the app (in another tab) has upgraded the cache past this one's schema.
    #[error("the local cache was upgraded by a newer version of Command Center")]
    Newer,
    #[error("the local cache could not be read or written: {0}")]
    Access(String),
    #[error("a record in the local cache could not be read ({store} {key}): {reason}")]
    Corrupt { store: String, key: String, reason: String },
}

impl From<indexed_db_futures::error::OpenDbError> for StorageError {
    fn from(err: indexed_db_futures::error::OpenDbError) -> Self {
        use indexed_db_futures::error::{DomException, Error, OpenDbError};
        if let OpenDbError::Base(Error::DomException(DomException::Other(e))) = &err
            && e.name() == "VersionError"
        {
            return StorageError::Newer;
        }
        StorageError::Open(err.to_string())
    }
}

impl From<indexed_db_futures::error::Error> for StorageError {
    fn from(err: indexed_db_futures::error::Error) -> Self {
        StorageError::Access(err.to_string())
    }
}

/// A record that could not be read back, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub store: &'static str,
    pub key: String,
    pub reason: String,
}

/// Records read from the cache, with those that could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    pub items: Vec<T>,
    pub skipped: Vec<Skipped>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded { items: Vec::new(), skipped: Vec::new() }
    }
}

/// The index that lists a folder in `key`'s order.
fn index_of(key: SortKey) -> &'static str {
    match key {
        SortKey::Date => schema::INDEX_FOLDER_AT,
        SortKey::Recipient => schema::INDEX_FOLDER_RECIPIENT,
        SortKey::Subject => schema::INDEX_FOLDER_SUBJECT,
    }
}

/// One change to the cache, applied with others in one transaction by [`Cache::write`].
#[derive(Clone, Debug)]
pub enum Write {
    /// Stores an email (its engagement kept from the stored copy unless the record carries newer totals).
    Email(Box<EmailRecord>),
    DeleteEmail(EmailId),
    Event(Box<EngagementEvent>),
    /// New engagement totals of an email.
    Engagement(EmailId, EmailEngagement),
    /// Any other record, by store and key, as JSON (people, campaigns, tasks, saved searches).
    Record {
        store: Store,
        key: String,
        json: String,
        email_address: Option<String>,
    },
    Delete {
        store: Store,
        key: String,
    },
    /// A new outbox entry, after every entry already queued.
    Enqueue(Box<OutboxEntry>),
    /// Replaces the outbox entry numbered `.0`.
    UpdateOutbox(u32, Box<OutboxEntry>),
    /// Removes the outbox entry numbered `.0`.
    Dequeue(u32),
    /// A value under a key of the meta store.
    Meta {
        key: &'static str,
        json: String,
    },
}

impl Write {
    /// A plain record (person, campaign, task, saved search) to store under `key`.
    pub fn record<T: Serialize>(store: Store, key: impl ToString, value: &T) -> Write {
        Write::Record {
            store,
            key: key.to_string(),
            json: serde_json::to_string(value).unwrap_or_default(),
            email_address: None,
        }
    }

    /// The cache writes that store `record` as it now is, or remove it when it is gone (an email keeps its
    /// stored engagement; a saved search gone takes its seen members with it). A deletion whose id cannot
    /// be read writes nothing.
    pub fn of(record: &Record) -> Vec<Write> {
        match record {
            Record::Email { email } => {
                vec![Write::Email(Box::new(EmailRecord {
                    email: (**email).clone(),
                    engagement: Default::default(),
                }))]
            }
            Record::Engagement { email, engagement } => vec![Write::Engagement(*email, engagement.clone())],
            Record::Event { event } => vec![Write::Event(Box::new(event.clone()))],
            Record::Person { person } => vec![Write::Record {
                store: Store::People,
                key: person.id.to_string(),
                json: serde_json::to_string(person).unwrap_or_default(),
                email_address: Some(person.email.as_str().to_string()),
            }],
            Record::Campaign { campaign } => vec![Write::record(Store::Campaigns, campaign.id, campaign)],
            Record::Task { task } => vec![Write::record(Store::Tasks, task.id, task)],
            Record::SavedSearch { search } => vec![Write::record(Store::SavedSearches, search.id, search)],
            Record::Deleted { kind, id } => {
                let key = id.clone();
                match kind {
                    RecordKind::Email => {
                        id.parse().map(|id| vec![Write::DeleteEmail(id)]).unwrap_or_default()
                    }
                    RecordKind::Person => vec![Write::Delete { store: Store::People, key }],
                    RecordKind::Campaign => vec![Write::Delete { store: Store::Campaigns, key }],
                    RecordKind::Task => vec![Write::Delete { store: Store::Tasks, key }],
                    RecordKind::SavedSearch => vec![
                        Write::Delete { store: Store::SavedSearches, key: key.clone() },
                        Write::Delete { store: Store::Seen, key },
                    ],
                    RecordKind::Event => vec![Write::Delete { store: Store::Events, key }],
                    // Totals go with their email.
                    RecordKind::Engagement => Vec::new(),
                }
            }
        }
    }

    /// A meta value.
    pub fn meta<T: Serialize>(key: &'static str, value: &T) -> Write {
        Write::Meta { key, json: serde_json::to_string(value).unwrap_or_default() }
    }

    /// Whether the write can change what the first screen shows (the outbox, events and the sync cursor
    /// cannot: a folder shows engagement totals, which are written with the email).
    fn shows(&self) -> bool {
        !matches!(
            self,
            Write::Event(_)
                | Write::Enqueue(_)
                | Write::UpdateOutbox(..)
                | Write::Dequeue(_)
                | Write::Meta { key: meta::CURSOR, .. }
        )
    }

    fn stores(&self) -> &'static [Store] {
        match self {
            Write::Email(_) | Write::DeleteEmail(_) | Write::Engagement(..) => &[Store::Emails, Store::Meta],
            Write::Event(_) => &[Store::Events],
            Write::Record { store, .. } | Write::Delete { store, .. } => store.as_slice(),
            Write::Enqueue(_) | Write::UpdateOutbox(..) | Write::Dequeue(_) => &[Store::Outbox],
            Write::Meta { .. } => &[Store::Meta],
        }
    }
}

/// The event the page gets when another tab opens a newer schema of the cache: this tab has let go of
/// the database (that tab would wait for it otherwise) and can write no more until it is reloaded.
pub const NEWER_VERSION_EVENT: &str = "cc-newer-version";

/// Closes the connection as soon as another tab asks for a newer version, and says so to the page.
fn let_go_for_newer(db: &Database) {
    use indexed_db_futures::internals::SystemRepr;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let sys: web_sys::IdbDatabase = (**db.as_sys()).clone();
    let connection = sys.clone();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        connection.close();
        if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new(NEWER_VERSION_EVENT)) {
            let _ = window.dispatch_event(&event);
        }
    });
    sys.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
}

/// Keys of the meta store.
pub mod meta {
    pub const SESSION: &str = "session";
    pub const CURSOR: &str = "cursor";
    pub const COUNTS: &str = "counts";
    pub const SETTINGS: &str = "settings";
    pub const SUPPRESSIONS: &str = "suppressions";
}

/// An open cache database. Cheap to clone (a handle on the same connection).
#[derive(Clone, Debug)]
pub struct Cache {
    db: Database,
    /// The read of the first screen's page index.html started before the app, until the first folder
    /// read or the first write.
    first_page: Rc<RefCell<Option<EarlyRead>>>,
}

impl Cache {
    /// Opens (creating or upgrading as needed) the cache database called `name`.
    pub async fn open(name: &str) -> Result<Cache, StorageError> {
        Cache::open_at(name, SCHEMA_VERSION).await
    }

    /// Opens the database at an older schema `version` (how tests make a cache as an earlier release
    /// left it, to check the migrations from it).
    pub async fn open_at(name: &str, version: u32) -> Result<Cache, StorageError> {
        let db = Database::open(name)
            .with_version(version)
            .with_on_upgrade_needed_fut(move |event, db| async move {
                schema::upgrade(event.old_version() as u32, version, &db).await
            })
            .await?;
        let_go_for_newer(&db);
        Ok(Cache { db, first_page: Rc::new(RefCell::new(EarlyRead::take())) })
    }

    /// The database's name.
    pub fn name(&self) -> String {
        self.db.name()
    }

    /// The schema version of the open database.
    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }

    /// Closes the connection and deletes the database (sign-out, tests).
    pub async fn delete(self) -> Result<(), StorageError> {
        let name = self.db.name();
        last_screen::written();
        self.db.close();
        Database::delete_by_name(&name)?.await?;
        Ok(())
    }

    /// Closes the connection (so a later upgrade or deletion elsewhere is not blocked by it).
    pub fn close(self) {
        self.db.close();
    }

    fn read_tx(&self, stores: &[Store]) -> Result<Transaction<'_>, StorageError> {
        let names: Vec<&str> = stores.iter().map(|s| s.name()).collect();
        Ok(self.db.transaction(names.as_slice()).build()?)
    }

    // ----- plain reads -----------------------------------------------------------------------------

    /// Reads the record under `key` in `store`, if any. A record that cannot be read is an error that
    /// names it.
    pub async fn get<T: DeserializeOwned>(&self, store: Store, key: &str) -> Result<Option<T>, StorageError> {
        let tx = self.read_tx(&[store])?;
        let object_store = tx.object_store(store.name())?;
        let value: Option<JsValue> = object_store.get(key.to_string()).primitive()?.await?;
        match value {
            None => Ok(None),
            Some(value) => read_json(&value).map(Some).map_err(|reason| StorageError::Corrupt {
                store: store.name().into(),
                key: key.into(),
                reason,
            }),
        }
    }

    /// Every record of `store`, in key order, skipping (and reporting) those that cannot be read.
    pub async fn all<T: DeserializeOwned>(&self, store: Store) -> Result<Loaded<T>, StorageError> {
        let tx = self.read_tx(&[store])?;
        let object_store = tx.object_store(store.name())?;
        let keys = object_store.get_all_keys::<JsValue>().primitive()?;
        let values = object_store.get_all::<JsValue>().primitive()?;
        let keys: Vec<JsValue> = keys.await?.collect::<Result<_, _>>()?;
        let values: Vec<JsValue> = values.await?.collect::<Result<_, _>>()?;
        let mut loaded = Loaded::default();
        for (i, value) in values.iter().enumerate() {
            read_into(&mut loaded, store, keys.get(i).cloned(), value);
        }
        Ok(loaded)
    }

    /// Up to `limit` records of `store` after the key `after` (from the first when `None`), in key order,
    /// with the key of the last one read (to go on from). Reads a large store a slice at a time.
    pub async fn slice<T: DeserializeOwned>(
        &self,
        store: Store,
        after: Option<String>,
        limit: u32,
    ) -> Result<(Loaded<T>, Option<String>), StorageError> {
        let tx = self.read_tx(&[store])?;
        let object_store = tx.object_store(store.name())?;
        let range = match after {
            Some(key) => KeyRange::LowerBound(JsValue::from_str(&key), true),
            None => KeyRange::LowerBound(JsValue::from_str(""), false),
        };
        let keys = object_store
            .get_all_keys::<JsValue>()
            .with_query::<JsValue, _>(range.clone())
            .with_limit(limit)
            .primitive()?;
        let values = object_store
            .get_all::<JsValue>()
            .with_query::<JsValue, _>(range)
            .with_limit(limit)
            .primitive()?;
        let keys: Vec<JsValue> = keys.await?.collect::<Result<_, _>>()?;
        let values: Vec<JsValue> = values.await?.collect::<Result<_, _>>()?;
        let mut loaded = Loaded::default();
        for (i, value) in values.iter().enumerate() {
            read_into(&mut loaded, store, keys.get(i).cloned(), value);
        }
        Ok((loaded, keys.last().and_then(JsValue::as_string)))
    }

    /// How many records
    pub async fn count(&self, store: Store) -> Result<u32, StorageError> {
        let tx = self.read_tx(&[store])?;
        Ok(tx.object_store(store.name())?.count().primitive()?.await?)
    }

    // ----- emails ----------------------------------------------------------------------------------

    /// One email with its engagement.
    pub async fn email(&self, id: EmailId) -> Result<Option<EmailRecord>, StorageError> {
        self.get(Store::Emails, &id.to_string()).await
    }

    /// One page of a folder: `limit` emails from `offset`, in `order`.
    pub async fn folder_page(
        &self,
        folder: Folder,
        order: Order,
        offset: u32,
        limit: u32,
    ) -> Result<Loaded<EmailRecord>, StorageError> {
        let slug = folder.to_string();
        let mut loaded = Loaded::default();
        // The first page in index order is one read (and newest first has an index of its own).
        let fast_index = match (order.key, order.descending) {
            (SortKey::Date, true) => Some(schema::INDEX_FOLDER_NEWEST),
            (key, false) => Some(index_of(key)),
            _ => None,
        };
        // The first read of all may have been done already, while the app was loading.
        let early = self.first_page.borrow_mut().take();
        if offset == 0
            && let Some(name) = fast_index
            && let Some(read) = early
            && let Some(page) = read.page().await
            && page.answers(&self.db.name(), self.version(), &slug, name, limit)
        {
            for (value, key) in page.values.iter().zip(page.keys).take(limit as usize) {
                read_into(&mut loaded, Store::Emails, Some(key), value);
            }
            crate::mark("cc-first-page-early");
            return Ok(loaded);
        }
        let tx = self.read_tx(&[Store::Emails])?;
        let object_store = tx.object_store(Store::Emails.name())?;
        let range = || KeyRange::Bound(schema::folder_low(&slug), false, schema::folder_high(&slug), false);
        if offset == 0
            && let Some(name) = fast_index
        {
            let index = object_store.index(name)?;
            let keys = index
                .get_all_keys::<JsValue>()
                .with_query::<JsValue, _>(range())
                .with_limit(limit)
                .primitive()?;
            let values =
                index.get_all::<JsValue>().with_query::<JsValue, _>(range()).with_limit(limit).primitive()?;
            let keys: Vec<JsValue> = keys.await?.collect::<Result<_, _>>()?;
            let values: Vec<JsValue> = values.await?.collect::<Result<_, _>>()?;
            for (i, value) in values.iter().enumerate() {
                read_into(&mut loaded, Store::Emails, keys.get(i).cloned(), value);
            }
            return Ok(loaded);
        }
        let index = object_store.index(index_of(order.key))?;
        let direction = if order.descending { CursorDirection::Prev } else { CursorDirection::Next };
        let Some(mut cursor) = index
            .open_cursor()
            .with_query::<JsValue, _>(range())
            .with_direction(direction)
            .primitive()?
            .await?
        else {
            return Ok(loaded);
        };
        if offset > 0 {
            cursor.advance_by(offset).await?;
        }
        while (loaded.items.len() + loaded.skipped.len()) < limit as usize {
            let value: Option<JsValue> = cursor.next_record().await?;
            let key: Option<JsValue> = cursor.primary_key()?;
            let Some(value) = value else { break };
            read_into(&mut loaded, Store::Emails, key, &value);
        }
        Ok(loaded)
    }

    /// The number of emails in each folder, as kept with every write.
    pub async fn folder_counts(&self) -> Result<FolderCounts, StorageError> {
        Ok(self.get(Store::Meta, meta::COUNTS).await?.unwrap_or_default())
    }

    /// Counts every folder from the emails themselves (a check of the kept counts, and their repair).
    pub async fn recount_folders(&self) -> Result<FolderCounts, StorageError> {
        let tx = self.read_tx(&[Store::Emails])?;
        let object_store = tx.object_store(Store::Emails.name())?;
        let index = object_store.index(schema::INDEX_FOLDER_AT)?;
        let mut counts = FolderCounts::default();
        for folder in Folder::ALL {
            let slug = folder.to_string();
            let range = KeyRange::Bound(schema::folder_low(&slug), false, schema::folder_high(&slug), false);
            let n: u32 = index.count().with_query::<JsValue, _>(range).primitive()?.await?;
            for _ in 0..n {
                counts.apply(CountChange::Added(folder.status()));
            }
        }
        Ok(counts)
    }

    /// The emails of one bulk or group send.
    pub async fn batch(&self, batch: domain::BatchId) -> Result<Loaded<EmailRecord>, StorageError> {
        let tx = self.read_tx(&[Store::Emails])?;
        let object_store = tx.object_store(Store::Emails.name())?;
        let index = object_store.index(schema::INDEX_BATCH)?;
        let values: Vec<JsValue> =
            index.get_all().with_query(batch.to_string()).primitive()?.await?.collect::<Result<_, _>>()?;
        let mut loaded = Loaded::default();
        for value in values {
            read_into(&mut loaded, Store::Emails, None, &value);
        }
        Ok(loaded)
    }

    /// Every email to `address`, whatever its folder (a person's page).
    pub async fn emails_to(
        &self,
        address: &domain::EmailAddress,
    ) -> Result<Loaded<EmailRecord>, StorageError> {
        let tx = self.read_tx(&[Store::Emails])?;
        let object_store = tx.object_store(Store::Emails.name())?;
        let index = object_store.index(schema::INDEX_FOLDER_RECIPIENT)?;
        let mut requests = Vec::with_capacity(Folder::ALL.len());
        for folder in Folder::ALL {
            let key: JsValue = js_sys::Array::of2(
                &JsValue::from_str(&folder.to_string()),
                &JsValue::from_str(address.as_str()),
            )
            .into();
            requests.push(index.get_all::<JsValue>().with_query::<JsValue, _>(key).primitive()?);
        }
        let mut loaded = Loaded::default();
        for request in requests {
            for value in request.await? {
                read_into(&mut loaded, Store::Emails, None, &value?);
            }
        }
        Ok(loaded)
    }

    // ----- events ----------------------------------------------------------------------------------

    /// The recorded events of each of `emails`, all together, oldest first.
    pub async fn events_of_many(&self, emails: &[EmailId]) -> Result<Loaded<EngagementEvent>, StorageError> {
        let tx = self.read_tx(&[Store::Events])?;
        let object_store = tx.object_store(Store::Events.name())?;
        let index = object_store.index(schema::INDEX_EVENT_EMAIL)?;
        let requests = emails
            .iter()
            .map(|id| index.get_all::<JsValue>().with_query(id.to_string()).primitive())
            .collect::<Result<Vec<_>, _>>()?;
        let mut loaded = Loaded::default();
        for request in requests {
            for value in request.await? {
                read_into(&mut loaded, Store::Events, None, &value?);
            }
        }
        loaded.items.sort_by_key(|e: &EngagementEvent| e.at);
        Ok(loaded)
    }

    /// The recorded events of one email, oldest first.
    pub async fn events_of(&self, email: EmailId) -> Result<Loaded<EngagementEvent>, StorageError> {
        self.events_of_many(&[email]).await
    }

    /// The newest `limit` events, newest first (the live feed).
    pub async fn latest_events(&self, limit: u32) -> Result<Loaded<EngagementEvent>, StorageError> {
        let tx = self.read_tx(&[Store::Events])?;
        let object_store = tx.object_store(Store::Events.name())?;
        let index = object_store.index(schema::INDEX_EVENT_NEWEST)?;
        let values = index.get_all::<JsValue>().with_limit(limit).primitive()?;
        let values: Vec<JsValue> = values.await?.collect::<Result<_, _>>()?;
        let mut loaded = Loaded::default();
        for value in &values {
            read_into(&mut loaded, Store::Events, None, value);
        }
        Ok(loaded)
    }

    /// Several emails at once (those the cache has), in the order asked, with those that could not be read.
    pub async fn emails(&self, ids: &[EmailId]) -> Result<Loaded<EmailRecord>, StorageError> {
        let tx = self.read_tx(&[Store::Emails])?;
        let object_store = tx.object_store(Store::Emails.name())?;
        let requests = ids
            .iter()
            .map(|id| object_store.get::<JsValue, _, _>(id.to_string()).primitive())
            .collect::<Result<Vec<_>, _>>()?;
        let mut loaded = Loaded { items: Vec::with_capacity(ids.len()), skipped: Vec::new() };
        for (id, request) in ids.iter().zip(requests) {
            if let Some(value) = request.await? {
                read_into(&mut loaded, Store::Emails, Some(JsValue::from_str(&id.to_string())), &value);
            }
        }
        Ok(loaded)
    }

    // ----- outbox and meta -------------------------------------------------------------------------

    /// Every outbox entry with its number, oldest first.
    pub async fn outbox(&self) -> Result<Loaded<(u32, OutboxEntry)>, StorageError> {
        let tx = self.read_tx(&[Store::Outbox])?;
        let object_store = tx.object_store(Store::Outbox.name())?;
        let mut loaded = Loaded::default();
        let Some(mut cursor) = object_store.open_cursor().primitive()?.await? else { return Ok(loaded) };
        loop {
            let value: Option<JsValue> = cursor.next_record().await?;
            let key: Option<u32> = cursor.primary_key()?;
            let Some(value) = value else { break };
            let number = key.unwrap_or_default();
            match read_json::<OutboxEntry>(&value) {
                Ok(entry) => loaded.items.push((number, entry)),
                Err(reason) => loaded.skipped.push(Skipped {
                    store: Store::Outbox.name(),
                    key: number.to_string(),
                    reason,
                }),
            }
        }
        Ok(loaded)
    }

    /// The change-feed cursor: everything up to it is in the cache.
    pub async fn cursor(&self) -> Result<Cursor, StorageError> {
        Ok(self.get(Store::Meta, meta::CURSOR).await?.unwrap_or_default())
    }

    /// The signed-in session, if any.
    pub async fn session(&self) -> Result<Option<Session>, StorageError> {
        self.get(Store::Meta, meta::SESSION).await
    }

    /// The session and the settings, read together (what the app starts with).
    pub async fn session_and_settings(&self) -> Result<(Option<Session>, Settings), StorageError> {
        let tx = self.read_tx(&[Store::Meta])?;
        let meta_store = tx.object_store(Store::Meta.name())?;
        let session = meta_store.get::<JsValue, _, _>(meta::SESSION).primitive()?;
        let settings = meta_store.get::<JsValue, _, _>(meta::SETTINGS).primitive()?;
        let session = session.await?.and_then(|v| read_json(&v).ok());
        let settings = settings.await?.and_then(|v| read_json(&v).ok()).unwrap_or_default();
        Ok((session, settings))
    }

    /// The rep's settings (language, time zone), if they chose any.
    pub async fn settings(&self) -> Result<Option<Settings>, StorageError> {
        self.get(Store::Meta, meta::SETTINGS).await
    }

    // ----- writes ----------------------------------------------------------------------------------

    /// Applies `writes` in one transaction, in order, and returns once it has committed. Email writes
    /// keep the folder counts in step. Returns the numbers given to new outbox entries.
    pub async fn write(&self, writes: Vec<Write>) -> Result<Vec<u32>, StorageError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        // A page read before this write may no longer be what the cache holds.
        self.first_page.borrow_mut().take();
        if writes.iter().any(Write::shows) {
            last_screen::written();
        }
        let mut stores: Vec<Store> = Vec::new();
        for write in &writes {
            for store in write.stores() {
                if !stores.contains(store) {
                    stores.push(*store);
                }
            }
        }
        let names: Vec<&str> = stores.iter().map(|s| s.name()).collect();
        let tx = self.db.transaction(names.as_slice()).with_mode(TransactionMode::Readwrite).build()?;
        let touches_emails = stores.contains(&Store::Emails);
        let mut counts: Option<FolderCounts> = None;
        if touches_emails {
            let meta_store = tx.object_store(Store::Meta.name())?;
            let stored: Option<JsValue> = meta_store.get(meta::COUNTS).primitive()?.await?;
            counts = Some(stored.and_then(|v| read_json(&v).ok()).unwrap_or_default());
        }
        let mut enqueued = Vec::new();
        for write in writes {
            match write {
                Write::Email(record) => {
                    let emails = tx.object_store(Store::Emails.name())?;
                    let key = record.email.id.to_string();
                    let old: Option<EmailRecord> = read_stored(&emails, &key).await?;
                    let mut record = *record;
                    if let Some(old) = &old
                        && record.engagement == EmailEngagement::default()
                    {
                        record.engagement = old.engagement.clone();
                    }
                    if let Some(counts) = counts.as_mut() {
                        counts.apply(match &old {
                            None => CountChange::Added(record.email.status()),
                            Some(old) => CountChange::Moved(Transition {
                                from: old.email.status(),
                                to: record.email.status(),
                            }),
                        });
                    }
                    put_at(&emails, key, schema::email_envelope(&record)).await?;
                }
                Write::DeleteEmail(id) => {
                    let emails = tx.object_store(Store::Emails.name())?;
                    let key = id.to_string();
                    let old: Option<EmailRecord> = read_stored(&emails, &key).await?;
                    if let (Some(old), Some(counts)) = (&old, counts.as_mut()) {
                        counts.apply(CountChange::Removed(old.email.status()));
                    }
                    emails.delete(key).primitive()?.await?;
                }
                Write::Engagement(id, engagement) => {
                    let emails = tx.object_store(Store::Emails.name())?;
                    let key = id.to_string();
                    if let Some(mut record) = read_stored::<EmailRecord>(&emails, &key).await? {
                        record.engagement = engagement;
                        put_at(&emails, key, schema::email_envelope(&record)).await?;
                    }
                }
                Write::Event(event) => {
                    let events = tx.object_store(Store::Events.name())?;
                    put_at(&events, event.id.to_string(), schema::event_envelope(&event)).await?;
                }
                Write::Record { store, key, json, email_address } => {
                    let object_store = tx.object_store(store.name())?;
                    let mut fields: Vec<(&str, JsValue)> = Vec::new();
                    if let Some(address) = &email_address {
                        fields.push((schema::FIELD_ADDRESS, JsValue::from_str(address)));
                    }
                    put_at(&object_store, key, envelope(&json, &fields)).await?;
                }
                Write::Delete { store, key } => {
                    tx.object_store(store.name())?.delete(key).primitive()?.await?;
                }
                Write::Enqueue(entry) => {
                    let outbox = tx.object_store(Store::Outbox.name())?;
                    let json = serde_json::to_string(&entry).unwrap_or_default();
                    let number: u32 =
                        outbox.add(envelope(&json, &[])).with_key_type::<u32>().primitive()?.await?;
                    enqueued.push(number);
                }
                Write::UpdateOutbox(number, entry) => {
                    let outbox = tx.object_store(Store::Outbox.name())?;
                    let json = serde_json::to_string(&entry).unwrap_or_default();
                    put_at(&outbox, number, envelope(&json, &[])).await?;
                }
                Write::Dequeue(number) => {
                    tx.object_store(Store::Outbox.name())?.delete(number).primitive()?.await?;
                }
                Write::Meta { key, json } => {
                    put_at(&tx.object_store(Store::Meta.name())?, key, envelope(&json, &[])).await?;
                }
            }
        }
        if let Some(counts) = counts {
            let json = serde_json::to_string(&counts).unwrap_or_default();
            put_at(&tx.object_store(Store::Meta.name())?, meta::COUNTS, envelope(&json, &[])).await?;
        }
        tx.commit().await?;
        Ok(enqueued)
    }

    /// Empties every store of records (keeps the database and its schema).
    pub async fn clear(&self) -> Result<(), StorageError> {
        last_screen::written();
        let names: Vec<&str> = Store::ALL.iter().map(|s| s.name()).collect();
        let tx = self.db.transaction(names.as_slice()).with_mode(TransactionMode::Readwrite).build()?;
        for store in Store::ALL {
            tx.object_store(store.name())?.clear()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes a raw JavaScript value under `key` in `store`, as it is (how tests make a corrupted record).
    pub async fn put_raw(&self, store: Store, key: &str, value: &JsValue) -> Result<(), StorageError> {
        last_screen::written();
        let tx = self.db.transaction(store.name()).with_mode(TransactionMode::Readwrite).build()?;
        put_at(&tx.object_store(store.name())?, key.to_string(), value.clone()).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Puts `value` under `key` in `store`, inside the store's transaction.
async fn put_at<K: indexed_db_futures::primitive::TryToJs>(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    key: K,
    value: JsValue,
) -> Result<(), StorageError> {
    store.put(value).with_key(key).without_key_type().primitive()?.await?;
    Ok(())
}

/// Reads a stored record inside a transaction; a corrupted one reads as absent (it is being replaced).
async fn read_stored<T: DeserializeOwned>(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    key: &str,
) -> Result<Option<T>, StorageError> {
    let value: Option<JsValue> = store.get(key.to_string()).primitive()?.await?;
    Ok(value.and_then(|v| read_json(&v).ok()))
}

fn read_into<T: DeserializeOwned>(
    loaded: &mut Loaded<T>,
    store: Store,
    key: Option<JsValue>,
    value: &JsValue,
) {
    match read_json(value) {
        Ok(item) => loaded.items.push(item),
        Err(reason) => {
            let key = key.as_ref().map(schema::key_text).unwrap_or_default();
            loaded.skipped.push(Skipped { store: store.name(), key, reason });
        }
    }
}
