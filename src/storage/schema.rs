//! The cache's schema: its object stores and indexes, each version's shape, the migrations between them,
//! and how a record becomes a stored value and back.
//!
//! Version 1 (the first release) had two stores, `emails` and `meta`, holding serde objects. Version 2 keeps
//! every record as JSON beside the plain fields its indexes read, adds the other records' stores, the
//! outbox and a quarantine for values a migration could not read. Version 3 lists a folder newest first
//! in one read (an index on the negated instant) and keeps which people each saved search showed when the
//! rep last looked. [`upgrade`] walks a database from any
//! earlier version to the one asked for, one step at a time, inside the upgrade transaction: a migration
//! either completes or leaves the database as it was.

use domain::{CountChange, Email, EngagementEvent, FolderCounts};
use indexed_db_futures::KeyPath;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use js_sys::{Array, Number, Object, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use super::records::EmailRecord;

/// The schema version this build of the app writes. Every bump gets a step in [`upgrade`].
pub const SCHEMA_VERSION: u32 = 3;

/// The object stores of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Store {
    Emails,
    Events,
    People,
    Campaigns,
    Tasks,
    SavedSearches,
    Outbox,
    Meta,
    /// Values a migration could not read, kept as they were rather than dropped.
    Quarantine,
    /// The members each saved search had when the rep last looked at it.
    Seen,
}

impl Store {
    pub const ALL: [Store; 10] = [
        Store::Emails,
        Store::Events,
        Store::People,
        Store::Campaigns,
        Store::Tasks,
        Store::SavedSearches,
        Store::Outbox,
        Store::Meta,
        Store::Quarantine,
        Store::Seen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Store::Emails => "emails",
            Store::Events => "events",
            Store::People => "people",
            Store::Campaigns => "campaigns",
            Store::Tasks => "tasks",
            Store::SavedSearches => "saved_searches",
            Store::Outbox => "outbox",
            Store::Meta => "meta",
            Store::Quarantine => "quarantine",
            Store::Seen => "seen",
        }
    }

    /// The store alone, as a slice (what a transaction over it names).
    pub fn as_slice(&self) -> &'static [Store] {
        match self {
            Store::Emails => &[Store::Emails],
            Store::Events => &[Store::Events],
            Store::People => &[Store::People],
            Store::Campaigns => &[Store::Campaigns],
            Store::Tasks => &[Store::Tasks],
            Store::SavedSearches => &[Store::SavedSearches],
            Store::Outbox => &[Store::Outbox],
            Store::Meta => &[Store::Meta],
            Store::Quarantine => &[Store::Quarantine],
            Store::Seen => &[Store::Seen],
        }
    }
}

/// The JSON of the record.
pub const FIELD_JSON: &str = "j";
/// An email's folder slug (`sent/delivered`).
const FIELD_FOLDER: &str = "f";
/// The instant an email is listed by, or an event happened, in milliseconds since the epoch.
const FIELD_AT: &str = "at";
/// The negated instant: an index on it lists a folder newest first, in one read.
const FIELD_NEWEST: &str = "n";
/// An email's recipient.
const FIELD_RECIPIENT: &str = "r";
/// An email's subject, lower-cased, for sorting.
const FIELD_SUBJECT: &str = "s";
/// An email's batch (bulk or group send).
const FIELD_BATCH: &str = "b";
/// The email an event belongs to.
const FIELD_EMAIL: &str = "e";
/// A person's email address.
pub const FIELD_ADDRESS: &str = "m";

pub const INDEX_FOLDER_AT: &str = "folder_at";
pub const INDEX_FOLDER_NEWEST: &str = "folder_newest";
pub const INDEX_FOLDER_RECIPIENT: &str = "folder_recipient";
pub const INDEX_FOLDER_SUBJECT: &str = "folder_subject";
pub const INDEX_BATCH: &str = "batch";
pub const INDEX_EVENT_EMAIL: &str = "email";
pub const INDEX_EVENT_AT: &str = "at";
pub const INDEX_EVENT_NEWEST: &str = "newest";
pub const INDEX_PERSON_ADDRESS: &str = "address";

/// The lowest key of a folder in the `[folder, …]` indexes.
pub fn folder_low(slug: &str) -> JsValue {
    Array::of1(&JsValue::from_str(slug)).into()
}

/// A key above every key of a folder in the `[folder, …]` indexes (an array sorts after every number and
/// string).
pub fn folder_high(slug: &str) -> JsValue {
    Array::of2(&JsValue::from_str(slug), &Array::new()).into()
}

/// A stored value: `{ j: json, ...fields }`.
pub fn envelope(json: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    let _ = Reflect::set(&object, &JsValue::from_str(FIELD_JSON), &JsValue::from_str(json));
    for (name, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// The stored value of an email with its engagement.
pub fn email_envelope(record: &EmailRecord) -> JsValue {
    let email = &record.email;
    let json = serde_json::to_string(record).unwrap_or_default();
    let at = email.folder_instant().timestamp_millis() as f64;
    let mut fields = vec![
        (FIELD_FOLDER, JsValue::from_str(&email.folder().to_string())),
        (FIELD_AT, JsValue::from_f64(at)),
        (FIELD_NEWEST, JsValue::from_f64(-at)),
        (FIELD_RECIPIENT, JsValue::from_str(email.recipient.as_str())),
        (FIELD_SUBJECT, JsValue::from_str(&email.subject.to_lowercase())),
    ];
    if let Some(batch) = email.batch {
        fields.push((FIELD_BATCH, JsValue::from_str(&batch.to_string())));
    }
    envelope(&json, &fields)
}

/// The stored value of an event.
pub fn event_envelope(event: &EngagementEvent) -> JsValue {
    let json = serde_json::to_string(event).unwrap_or_default();
    envelope(
        &json,
        &[
            (FIELD_EMAIL, JsValue::from_str(&event.email.to_string())),
            (FIELD_AT, JsValue::from_f64(event.at.timestamp_millis() as f64)),
            (FIELD_NEWEST, JsValue::from_f64(-(event.at.timestamp_millis() as f64))),
        ],
    )
}

/// Reads a stored value back into its record, or says why it cannot be read.
pub fn read_json<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    if !value.is_object() {
        return Err("the stored value is not an object".into());
    }
    let json = Reflect::get(value, &JsValue::from_str(FIELD_JSON))
        .ok()
        .and_then(|j| j.as_string())
        .ok_or_else(|| "the stored value has no record in it".to_string())?;
    serde_json::from_str(&json).map_err(|e| e.to_string())
}

/// The JSON text of any JavaScript value (how version 1's serde objects are read).
fn to_json_text(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string())
}

/// Brings a database from `old_version` up to `target`, one step at a time.
pub async fn upgrade(old_version: u32, target: u32, db: &Database) -> indexed_db_futures::Result<()> {
    if old_version < 1 && target >= 1 {
        db.create_object_store(Store::Emails.name()).build()?;
        db.create_object_store(Store::Meta.name()).build()?;
    }
    if old_version < 2 && target >= 2 {
        to_version_2(old_version, db).await?;
    }
    if old_version < 3 && target >= 3 {
        to_version_3(old_version, db).await?;
    }
    Ok(())
}

/// Version 2: the other stores and the indexes; version 1's values rewritten as JSON envelopes (an
/// email that cannot be read goes to the quarantine), and the folder counts computed.
async fn to_version_2(old_version: u32, db: &Database) -> indexed_db_futures::Result<()> {
    let events = db.create_object_store(Store::Events.name()).build()?;
    events.create_index(INDEX_EVENT_EMAIL, KeyPath::One(FIELD_EMAIL)).build()?;
    events.create_index(INDEX_EVENT_AT, KeyPath::One(FIELD_AT)).build()?;
    let people = db.create_object_store(Store::People.name()).build()?;
    people.create_index(INDEX_PERSON_ADDRESS, KeyPath::One(FIELD_ADDRESS)).build()?;
    db.create_object_store(Store::Campaigns.name()).build()?;
    db.create_object_store(Store::Tasks.name()).build()?;
    db.create_object_store(Store::SavedSearches.name()).build()?;
    db.create_object_store(Store::Outbox.name()).with_auto_increment(true).build()?;
    let quarantine = db.create_object_store(Store::Quarantine.name()).build()?;

    let tx = quarantine.transaction();
    let emails = tx.object_store(Store::Emails.name())?;
    emails.create_index(INDEX_FOLDER_AT, KeyPath::from([FIELD_FOLDER, FIELD_AT])).build()?;
    emails.create_index(INDEX_FOLDER_RECIPIENT, KeyPath::from([FIELD_FOLDER, FIELD_RECIPIENT])).build()?;
    emails.create_index(INDEX_FOLDER_SUBJECT, KeyPath::from([FIELD_FOLDER, FIELD_SUBJECT])).build()?;
    emails.create_index(INDEX_BATCH, KeyPath::One(FIELD_BATCH)).build()?;

    let mut counts = FolderCounts::default();
    if old_version >= 1 {
        // Version 1 kept each email as a serde object: rewrite it as a record with its index fields.
        if let Some(mut cursor) = emails.open_cursor().primitive()?.await? {
            loop {
                let value: Option<JsValue> = cursor.next_record().await?;
                let key: Option<JsValue> = cursor.primary_key()?;
                let (Some(key), Some(value)) = (key, value) else { break };
                let email = to_json_text(&value).and_then(|text| serde_json::from_str::<Email>(&text).ok());
                match email {
                    Some(email) => {
                        counts.apply(CountChange::Added(email.status()));
                        let record = EmailRecord { email, engagement: Default::default() };
                        emails
                            .put(email_envelope(&record))
                            .with_key(key)
                            .without_key_type()
                            .primitive()?
                            .await?;
                    }
                    None => {
                        let kept = Object::new();
                        let _ = Reflect::set(&kept, &"store".into(), &Store::Emails.name().into());
                        let _ = Reflect::set(&kept, &"value".into(), &value);
                        quarantine
                            .put(JsValue::from(kept))
                            .with_key(quarantine_key(&key))
                            .without_key_type()
                            .primitive()?
                            .await?;
                        emails.delete(key).primitive()?.await?;
                    }
                }
            }
        }
        // And each meta value as JSON.
        let meta = tx.object_store(Store::Meta.name())?;
        if let Some(mut cursor) = meta.open_cursor().primitive()?.await? {
            loop {
                let value: Option<JsValue> = cursor.next_record().await?;
                let key: Option<JsValue> = cursor.primary_key()?;
                let (Some(key), Some(value)) = (key, value) else { break };
                if let Some(text) = to_json_text(&value) {
                    meta.put(envelope(&text, &[])).with_key(key).without_key_type().primitive()?.await?;
                }
            }
        }
    }
    let meta = tx.object_store(Store::Meta.name())?;
    let json = serde_json::to_string(&counts).unwrap_or_default();
    meta.put(envelope(&json, &[])).with_key(super::meta::COUNTS).without_key_type().primitive()?.await?;
    Ok(())
}

/// Version 3: the newest-first indexes (every stored email and event gets its negated instant) and the
/// `seen` store.
async fn to_version_3(old_version: u32, db: &Database) -> indexed_db_futures::Result<()> {
    let seen = db.create_object_store(Store::Seen.name()).build()?;
    let tx = seen.transaction();
    let emails = tx.object_store(Store::Emails.name())?;
    emails.create_index(INDEX_FOLDER_NEWEST, KeyPath::from([FIELD_FOLDER, FIELD_NEWEST])).build()?;
    let events = tx.object_store(Store::Events.name())?;
    events.create_index(INDEX_EVENT_NEWEST, KeyPath::One(FIELD_NEWEST)).build()?;
    if old_version < 2 {
        // Version 2's step wrote nothing yet, or wrote envelopes with every field: nothing to add.
        return Ok(());
    }
    add_newest(&emails).await?;
    add_newest(&events).await
}

/// Gives every value of `store` its negated instant.
async fn add_newest(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
) -> indexed_db_futures::Result<()> {
    let Some(mut cursor) = store.open_cursor().primitive()?.await? else { return Ok(()) };
    loop {
        let value: Option<JsValue> = cursor.next_record().await?;
        let key: Option<JsValue> = cursor.primary_key()?;
        let (Some(key), Some(value)) = (key, value) else { break };
        let at = Reflect::get(&value, &JsValue::from_str(FIELD_AT)).ok().and_then(|v| v.as_f64());
        if let Some(at) = at {
            let _ = Reflect::set(&value, &JsValue::from_str(FIELD_NEWEST), &JsValue::from_f64(-at));
            store.put(value).with_key(key).without_key_type().primitive()?.await?;
        }
    }
    Ok(())
}

fn quarantine_key(key: &JsValue) -> String {
    format!("emails/{}", key_text(key))
}

/// An IndexedDB key as text: a string as it is, a number as JavaScript writes it (`Number`), else empty.
pub fn key_text(key: &JsValue) -> String {
    if let Some(text) = key.as_string() {
        return text;
    }
    if key.as_f64().is_none() {
        return String::new();
    }
    key.unchecked_ref::<Number>().to_string_with_radix(10).map(String::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::key_text;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn a_skipped_record_is_named_by_its_key_as_the_rep_would_read_it() {
        assert_eq!(key_text(&JsValue::from_str("0190b3c4-email")), "0190b3c4-email");
        // The outbox's keys are numbers: 7, never "7.0" or "7e0".
        assert_eq!(key_text(&JsValue::from_f64(7.0)), "7");
        assert_eq!(key_text(&JsValue::from_f64(1_765_000_000_123.0)), "1765000000123");
        assert_eq!(key_text(&JsValue::NULL), "");
    }
}
