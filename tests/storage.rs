//! The local cache in a real IndexedDB, in headless Chromium: records read back after reopening, the
//! migration from the previous schema version with its data, the outbox surviving a reload, a corrupted
//! record reported and skipped without losing the rest, folder counts kept with every write; index.html's
//! early read of the first page, and the screen kept from the last visit dropped by every write that can
//! change it.

use chrono::{TimeZone, Utc};
use command_center::storage::{Cache, EmailRecord, OutboxEntry, OutboxState, SCHEMA_VERSION, Store, Write};
use domain::sync::{ErrorBody, ErrorCode, Mutation, Operation};
use domain::{
    Campaign, CampaignId, Email, EmailAddress, EmailId, EmailKind, Folder, FolderCounts, IdempotencyKey,
    Instant, Order, SortKey, Status,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test uses.
fn fresh_name() -> String {
    format!("cc-test-{}", js_sys::Math::random().to_bits())
}

fn at(minute: u32) -> Instant {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).single().unwrap()
}

fn email(n: u128, status: Status, minute: u32) -> Email {
    let mut e = Email::new(
        EmailId::from_u128(n),
        EmailAddress::parse("rep@seller.example.com").unwrap(),
        EmailAddress::parse(&format!("person{n}@acme.example.com")).unwrap(),
        EmailKind::Single,
        at(minute),
    );
    e.subject = format!("Subject {n}");
    e.walk_to(status, at(minute)).unwrap();
    e
}

fn record(e: Email) -> Write {
    Write::Email(Box::new(EmailRecord { email: e, engagement: Default::default() }))
}

/// A JavaScript object from JSON (how version 1 stored its serde objects).
fn js_object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
async fn an_email_written_is_read_back_after_reopening_in_its_folder_and_order() {
    let name = fresh_name();
    {
        let cache = Cache::open(&name).await.expect("open");
        assert_eq!(cache.version(), SCHEMA_VERSION);
        cache
            .write(vec![
                record(email(1, Status::Delivered, 1)),
                record(email(2, Status::Delivered, 3)),
                record(email(3, Status::Draft, 2)),
            ])
            .await
            .expect("write");
        cache.close();
    }
    let cache = Cache::open(&name).await.expect("reopen");
    let page = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .expect("page");
    let ids: Vec<u128> = page.items.iter().map(|r| r.email.id.0.as_u128()).collect();
    assert_eq!(ids, vec![2, 1], "newest delivered first, the draft elsewhere");
    let second = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 1, 50)
        .await
        .expect("page 2");
    assert_eq!(second.items.len(), 1);
    let drafts = cache
        .folder_page(Folder::Draft, Order { key: SortKey::Subject, descending: false }, 0, 50)
        .await
        .expect("drafts");
    assert_eq!(drafts.items[0].email.subject, "Subject 3");
    assert_eq!(cache.email(EmailId::from_u128(3)).await.unwrap().unwrap().email.status(), Status::Draft);
    cache.delete().await.expect("delete");
}

#[wasm_bindgen_test]
async fn folder_counts_follow_every_write_and_equal_a_recount() {
    let name = fresh_name();
    let cache = Cache::open(&name).await.unwrap();
    cache
        .write(vec![
            record(email(1, Status::Draft, 1)),
            record(email(2, Status::Draft, 2)),
            record(email(3, Status::Scheduled, 3)),
        ])
        .await
        .unwrap();
    let mut sent = email(1, Status::Delivered, 4);
    sent.delivered_at = Some(at(4));
    cache.write(vec![record(sent), Write::DeleteEmail(EmailId::from_u128(2))]).await.unwrap();
    let kept = cache.folder_counts().await.unwrap();
    assert_eq!(kept.folder(Folder::Delivered), 1);
    assert_eq!(kept.folder(Folder::Draft), 0);
    assert_eq!(kept.folder(Folder::Scheduled), 1);
    assert_eq!(kept, cache.recount_folders().await.unwrap());
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_1_cache_is_migrated_with_its_emails_and_an_unreadable_one_is_set_aside() {
    let name = fresh_name();
    {
        let old = Cache::open_at(&name, 1).await.expect("open at version 1");
        assert_eq!(old.version(), 1);
        let delivered = email(7, Status::Delivered, 5);
        old.put_raw(
            Store::Emails,
            &delivered.id.to_string(),
            &js_object(&serde_json::to_string(&delivered).unwrap()),
        )
        .await
        .unwrap();
        let draft = email(8, Status::Draft, 6);
        old.put_raw(
            Store::Emails,
            &draft.id.to_string(),
            &js_object(&serde_json::to_string(&draft).unwrap()),
        )
        .await
        .unwrap();
        old.put_raw(Store::Emails, "garbled", &js_object(r#"{"subject": 42}"#)).await.unwrap();
        old.put_raw(Store::Meta, "note", &js_object(r#"{"seen": true}"#)).await.unwrap();
        old.close();
    }
    let cache = Cache::open(&name).await.expect("upgrade");
    assert_eq!(cache.version(), SCHEMA_VERSION);
    let delivered = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(delivered.items.len(), 1);
    assert_eq!(delivered.items[0].email.id, EmailId::from_u128(7));
    assert!(delivered.skipped.is_empty());
    let counts = cache.folder_counts().await.unwrap();
    assert_eq!((counts.folder(Folder::Delivered), counts.folder(Folder::Draft)), (1, 1));
    assert_eq!(
        cache.count(Store::Quarantine).await.unwrap(),
        1,
        "the unreadable email is kept aside, not lost"
    );
    assert_eq!(cache.count(Store::Emails).await.unwrap(), 2);
    let note: Option<serde_json::Value> = cache.get(Store::Meta, "note").await.unwrap();
    assert_eq!(note, Some(serde_json::json!({"seen": true})));
    cache.delete().await.unwrap();
}

fn entry(n: u128, op: Operation) -> OutboxEntry {
    OutboxEntry::new(Mutation { key: IdempotencyKey::from_u128(n), made_at: at(1), op })
}

#[wasm_bindgen_test]
async fn the_outbox_survives_a_reload_in_order_with_its_idempotency_keys() {
    let name = fresh_name();
    let id = EmailId::from_u128(1);
    let refusal = ErrorBody::new(ErrorCode::TransitionRefused, "Already sent").with_field("email");
    let mut refused = entry(13, Operation::Archive { email: id });
    refused.state = OutboxState::Rejected { error: refusal.clone() };
    refused.attempts = 2;
    {
        let cache = Cache::open(&name).await.unwrap();
        let numbers = cache
            .write(vec![
                record(email(1, Status::Draft, 1)),
                Write::Enqueue(Box::new(entry(
                    11,
                    Operation::PutEmail { email: Box::new(email(1, Status::Draft, 1)) },
                ))),
                Write::Enqueue(Box::new(entry(12, Operation::SendNow { email: id }))),
                Write::Enqueue(Box::new(refused)),
            ])
            .await
            .unwrap();
        assert_eq!(numbers.len(), 3);
        cache.close();
    }
    let cache = Cache::open(&name).await.unwrap();
    let outbox = cache.outbox().await.unwrap();
    let keys: Vec<IdempotencyKey> = outbox.items.iter().map(|(_, e)| e.mutation.key).collect();
    let eleven_twelve_thirteen = [11, 12, 13].map(IdempotencyKey::from_u128).to_vec();
    assert_eq!(keys, eleven_twelve_thirteen);
    assert!(outbox.items[..2].iter().all(|(_, e)| e.is_waiting()));
    let (_, kept) = &outbox.items[2];
    assert_eq!(kept.state, OutboxState::Rejected { error: refusal }, "a refusal keeps its reason");
    assert_eq!((kept.attempts, &kept.mutation.op), (2, &Operation::Archive { email: id }));
    let first = outbox.items[0].0;
    cache.write(vec![Write::Dequeue(first)]).await.unwrap();
    let left = cache.outbox().await.unwrap();
    assert_eq!(left.items.len(), 2);
    assert_eq!(left.items[0].1.mutation.op, Operation::SendNow { email: id });
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_corrupted_record_is_reported_and_skipped_and_the_rest_still_reads() {
    let name = fresh_name();
    let cache = Cache::open(&name).await.unwrap();
    cache
        .write(vec![
            record(email(1, Status::Delivered, 1)),
            record(email(2, Status::Delivered, 2)),
            record(email(3, Status::Delivered, 3)),
        ])
        .await
        .unwrap();
    // A value in the delivered folder's index whose record is not JSON any more.
    let broken = js_object(
        r#"{"f": "sent/delivered", "at": 1.0, "n": -1.0, "r": "x@y.example.com", "s": "x", "j": "{not json"}"#,
    );
    cache.put_raw(Store::Emails, "broken", &broken).await.unwrap();
    let page = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3, "every readable email is still listed");
    assert_eq!(page.skipped.len(), 1);
    assert_eq!(page.skipped[0].key, "broken");
    assert!(!page.skipped[0].reason.is_empty());
    let all = cache.all::<EmailRecord>(Store::Emails).await.unwrap();
    assert_eq!((all.items.len(), all.skipped.len()), (3, 1));
    let err = cache.get::<EmailRecord>(Store::Emails, "broken").await.unwrap_err();
    assert!(err.to_string().contains("broken"), "{err}");
    // Writing over it repairs it, and the counts stay right.
    let mut fixed = email(9, Status::Delivered, 9);
    fixed.id = EmailId::from_u128(9);
    cache.write(vec![record(fixed)]).await.unwrap();
    assert_eq!(cache.folder_counts().await.unwrap().folder(Folder::Delivered), 4);
    let _: FolderCounts = cache.recount_folders().await.unwrap();
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_2_cache_gains_the_newest_first_order_with_its_emails() {
    let name = fresh_name();
    {
        let old = Cache::open_at(&name, 2).await.expect("open at version 2");
        // Version 2's envelope: the record and its folder, instant, recipient and subject.
        for (n, minute) in [(1u128, 1u32), (2, 5), (3, 3)] {
            let e = email(n, Status::Delivered, minute);
            let record = EmailRecord { email: e.clone(), engagement: Default::default() };
            let value = serde_json::json!({
                "j": serde_json::to_string(&record).unwrap(),
                "f": "sent/delivered",
                "at": at(minute).timestamp_millis() as f64,
                "r": e.recipient.as_str(),
                "s": e.subject.to_lowercase(),
            });
            old.put_raw(Store::Emails, &e.id.to_string(), &js_object(&value.to_string())).await.unwrap();
        }
        old.close();
    }
    let cache = Cache::open(&name).await.expect("upgrade to the current version");
    assert_eq!(cache.version(), SCHEMA_VERSION);
    let newest = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 2)
        .await
        .unwrap();
    let ids: Vec<u128> = newest.items.iter().map(|r| r.email.id.0.as_u128()).collect();
    assert_eq!(ids, vec![2, 3], "the first page, newest first, from the new index");
    let oldest = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: false }, 0, 1)
        .await
        .unwrap();
    assert_eq!(oldest.items[0].email.id, EmailId::from_u128(1));
    let later = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 2, 10)
        .await
        .unwrap();
    assert_eq!(later.items[0].email.id, EmailId::from_u128(1), "later pages read on from the offset");
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn emails_asked_by_id_come_in_order_and_a_broken_one_is_reported_by_its_id() {
    let name = fresh_name();
    let cache = Cache::open(&name).await.unwrap();
    let ids = [1, 2, 3].map(EmailId::from_u128);
    cache.write((1..=3).map(|n| record(email(n, Status::Delivered, n as u32))).collect()).await.unwrap();
    let broken = js_object(r#"{"f": "sent/delivered", "j": "{\"id\": \"cut"}"#);
    cache.put_raw(Store::Emails, &ids[1].to_string(), &broken).await.unwrap();
    let asked = [ids[2], ids[1], EmailId::from_u128(404), ids[0]];
    let got = cache.emails(&asked).await.unwrap();
    let order: Vec<EmailId> = got.items.iter().map(|r| r.email.id).collect();
    assert_eq!(
        order,
        vec![ids[2], ids[0]],
        "the readable ones, in the order asked; the unknown one left out"
    );
    assert_eq!(got.skipped.len(), 1);
    assert_eq!(got.skipped[0].key, ids[1].to_string());
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_whole_store_read_in_slices_has_every_record_once_and_reports_the_unreadable() {
    let name = fresh_name();
    let cache = Cache::open(&name).await.unwrap();
    let campaigns: Vec<Write> = (0..1_203u128)
        .map(|n| {
            let campaign = Campaign { id: CampaignId::from_u128(n + 1), name: format!("Campaign {n}") };
            Write::Record {
                store: Store::Campaigns,
                key: campaign.id.to_string(),
                json: serde_json::to_string(&campaign).unwrap(),
                email_address: None,
            }
        })
        .collect();
    cache.write(campaigns).await.unwrap();
    cache.put_raw(Store::Campaigns, "broken", &js_object(r#"{"j": "{not json"}"#)).await.unwrap();
    let read = command_center::state::read_all::<Campaign>(&cache, Store::Campaigns).await.unwrap();
    let ids: std::collections::BTreeSet<CampaignId> = read.items.iter().map(|c| c.id).collect();
    assert_eq!((read.items.len(), ids.len()), (1_203, 1_203), "every campaign, each once");
    assert_eq!(read.skipped.len(), 1);
    assert_eq!(read.skipped[0].key, "broken");
    assert_eq!(read, cache.all::<Campaign>(Store::Campaigns).await.unwrap(), "the same as one read of all");
    cache.delete().await.unwrap();
}

// ----- the first page read by index.html while the app loads (src/storage/first_page.js) --------------

/// Runs index.html's early read for the address `path` against the database `name`, as the page does
/// before the app starts; whether it read a page.
async fn read_before_the_app(name: &str, path: &str) -> bool {
    let read = start_reading_before_the_app(name, path);
    wasm_bindgen_futures::JsFuture::from(read).await.expect("it settles").as_bool().expect("a boolean")
}

/// Starts index.html's early read and leaves it going, as the page does when the app starts before it ends.
fn start_reading_before_the_app(name: &str, path: &str) -> js_sys::Promise {
    let script = format!(
        "{}\nccReadFirstPage({name:?}, {path:?}, \"\")",
        include_str!("../src/storage/first_page.js")
    );
    js_sys::eval(&script).expect("first_page.js runs").into()
}

#[wasm_bindgen_test]
fn the_early_read_goes_by_the_domains_home_folder_page_size_and_order() {
    let rules = command_center::storage::early_read_rules();
    let script = include_str!("../src/storage/first_page.js");
    assert!(
        script.contains(&rules),
        "src/storage/first_page.js must open with the domain's rules; replace its CC_ constants with:\n{rules}"
    );
    assert!(rules.contains("const CC_HOME_FOLDER = \"sent/delivered\";"), "{rules}");
    assert!(rules.contains("const CC_SOONEST_FIRST = [\"pending/scheduled\"];"), "{rules}");
}

/// How many folder reads were answered by the page read before the app (the performance mark they set).
fn early_answers() -> u32 {
    let performance = web_sys::window().unwrap().performance().unwrap();
    js_sys::Array::from(&performance.get_entries_by_name("cc-first-page-early")).length()
}

fn page_ids(page: &command_center::storage::Loaded<EmailRecord>) -> Vec<u128> {
    page.items.iter().map(|r| r.email.id.0.as_u128()).collect()
}

async fn cache_with_delivered(name: &str, minutes: &[u32]) {
    let cache = Cache::open(name).await.unwrap();
    let mut writes: Vec<Write> = minutes
        .iter()
        .enumerate()
        .map(|(i, m)| record(email(i as u128 + 1, Status::Delivered, *m)))
        .collect();
    writes.push(record(email(100, Status::Archived, 30)));
    cache.write(writes).await.unwrap();
    cache.close();
}

#[wasm_bindgen_test]
async fn the_first_page_read_while_the_app_loads_answers_the_first_folder_read() {
    let name = fresh_name();
    cache_with_delivered(&name, &[1, 5, 3]).await;
    assert!(read_before_the_app(&name, "/emails/sent/delivered").await);
    let before = early_answers();
    let cache = Cache::open(&name).await.unwrap();
    let first = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page_ids(&first), vec![2, 3, 1], "newest first, as the cache itself reads it");
    assert_eq!(early_answers(), before + 1, "answered by the page read before the app");
    let again = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page_ids(&again), vec![2, 3, 1]);
    assert_eq!(early_answers(), before + 1, "used once: later reads read the cache");
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_first_page_still_being_read_when_the_app_asks_is_waited_for_not_read_again() {
    let name = fresh_name();
    cache_with_delivered(&name, &[4, 2, 8]).await;
    let before = early_answers();
    let _still_going = start_reading_before_the_app(&name, "/emails/sent/delivered");
    let cache = Cache::open(&name).await.unwrap();
    let first = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page_ids(&first), vec![3, 1, 2]);
    assert_eq!(early_answers(), before + 1);
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_page_read_before_a_write_is_not_shown_after_it() {
    let name = fresh_name();
    cache_with_delivered(&name, &[1, 5]).await;
    assert!(read_before_the_app(&name, "/emails").await, "/emails is Sent › Delivered");
    let before = early_answers();
    let cache = Cache::open(&name).await.unwrap();
    cache.write(vec![record(email(7, Status::Delivered, 9))]).await.unwrap();
    let first = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page_ids(&first), vec![7, 2, 1], "the email written since is on the page");
    assert_eq!(early_answers(), before);
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_page_of_another_folder_or_order_is_not_used_for_the_one_asked() {
    let name = fresh_name();
    cache_with_delivered(&name, &[1, 5]).await;
    let before = early_answers();
    assert!(read_before_the_app(&name, "/emails/sent/delivered").await);
    let cache = Cache::open(&name).await.unwrap();
    let archived = cache
        .folder_page(Folder::Archived, Order { key: SortKey::Date, descending: true }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page_ids(&archived), vec![100]);
    cache.close();
    assert!(read_before_the_app(&name, "/emails/sent/delivered").await);
    let cache = Cache::open(&name).await.unwrap();
    let by_subject = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Subject, descending: false }, 0, 50)
        .await
        .unwrap();
    assert_eq!(page_ids(&by_subject), vec![1, 2], "by subject, not newest first");
    cache.close();
    assert!(read_before_the_app(&name, "/emails/sent/delivered").await);
    let cache = Cache::open(&name).await.unwrap();
    let small = cache
        .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 1)
        .await
        .unwrap();
    assert_eq!(page_ids(&small), vec![2], "a smaller page is the start of the one read");
    assert_eq!(early_answers(), before + 1);
    assert!(!read_before_the_app(&name, "/tasks").await, "only email folders are read early");
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn the_early_read_never_creates_nor_holds_back_an_upgrade_of_the_cache() {
    let name = fresh_name();
    assert!(!read_before_the_app(&name, "/emails/sent/delivered").await, "no cache yet, nothing read");
    let names = js_sys::eval("indexedDB.databases()").unwrap();
    let names = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(names)).await.unwrap();
    let listed = js_sys::Array::from(&names).iter().any(|db| {
        js_sys::Reflect::get(&db, &"name".into()).unwrap().as_string().as_deref() == Some(name.as_str())
    });
    assert!(!listed, "the early read did not create the cache");
    // A cache of the previous version: read early (it has not the newest-first order yet), then upgraded.
    let old = Cache::open_at(&name, SCHEMA_VERSION - 1).await.unwrap();
    old.close();
    let before = early_answers();
    read_before_the_app(&name, "/emails/sent/delivered").await;
    let cache = Cache::open(&name).await.expect("the upgrade is not blocked");
    assert_eq!(cache.version(), SCHEMA_VERSION);
    assert!(
        cache
            .folder_page(Folder::Delivered, Order { key: SortKey::Date, descending: true }, 0, 50)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(early_answers(), before, "a page of another schema version is not used");
    cache.delete().await.unwrap();
}

// ----- the screen kept from the last visit (src/storage/last_screen.js) ---------------------------------

/// Loads index.html's scripts of the kept screen into this page, their functions global as index.html's
/// are (so the cache's writes reach them, as in the app).
fn load_kept_screen_scripts() {
    let script = format!(
        "{}\n{}\nObject.assign(globalThis, {{ ccFolderOf, ccCacheGeneration, ccCacheWritten, ccScreenSavable, \
         ccShowLastScreen, ccDropLastScreen }});",
        include_str!("../src/storage/first_page.js"),
        include_str!("../src/storage/last_screen.js")
    );
    js_sys::eval(&script).expect("last_screen.js runs");
}

/// Keeps a screen of Sent › Delivered at the cache's current generation, as leaving the page does.
fn keep_a_screen() {
    js_sys::eval(
        "localStorage.setItem('cc-last-screen', JSON.stringify({ v: 1, folder: 'sent/delivered', \
         generation: ccCacheGeneration(), html: '<p>Kept</p>' }))",
    )
    .unwrap();
}

/// Whether index.html would show the kept screen for `path` and `search` (and takes it down again).
fn shown_at_start(path: &str, search: &str) -> bool {
    let shown = js_sys::eval(&format!("ccShowLastScreen({path:?}, {search:?})")).unwrap().as_bool().unwrap();
    js_sys::eval("ccDropLastScreen()").unwrap();
    shown
}

#[wasm_bindgen_test]
async fn a_write_to_what_a_folder_shows_drops_the_kept_screen_and_the_outbox_or_the_cursor_do_not() {
    load_kept_screen_scripts();
    let cache = Cache::open(&fresh_name()).await.unwrap();
    keep_a_screen();
    assert!(shown_at_start("/emails/sent/delivered", ""), "shown for its folder");
    assert!(shown_at_start("/", ""), "and for the address that opens it");
    assert!(!shown_at_start("/emails/sent/archived", ""), "never for another folder");
    assert!(!shown_at_start("/emails/sent/delivered", "?sort=subject"), "nor for another order");

    // Queueing a change and moving the sync cursor change nothing a folder shows.
    cache
        .write(vec![
            Write::Enqueue(Box::new(entry(21, Operation::SendNow { email: EmailId::from_u128(1) }))),
            Write::meta(command_center::storage::meta::CURSOR, &42u64),
        ])
        .await
        .unwrap();
    assert!(shown_at_start("/emails/sent/delivered", ""), "still the truth after the outbox and cursor");

    // An email written (a pull, an action, another tab): the kept screen is no longer what the cache holds.
    cache.write(vec![record(email(1, Status::Delivered, 1))]).await.unwrap();
    assert!(!shown_at_start("/emails/sent/delivered", ""), "dropped by a write to an email");
    keep_a_screen();
    cache.clear().await.unwrap();
    assert!(!shown_at_start("/emails/sent/delivered", ""), "dropped when the cache is emptied");
    keep_a_screen();
    cache.delete().await.unwrap();
    assert!(!shown_at_start("/emails/sent/delivered", ""), "dropped at sign-out (the cache deleted)");
}
