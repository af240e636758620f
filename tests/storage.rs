//! The local cache in a real IndexedDB, in headless Chromium.

use command_center::storage::{Cache, SCHEMA_VERSION, Store};
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test uses.
fn fresh_name() -> String {
    format!("cc-test-{}", js_sys::Math::random().to_bits())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Draft {
    id: String,
    to: String,
    subject: String,
}

#[wasm_bindgen_test]
async fn a_record_written_is_read_back_after_reopening() {
    let name = fresh_name();
    let draft = Draft { id: "01J0".into(), to: "ana@example.com".into(), subject: "Pricing".into() };
    {
        let cache = Cache::open(&name).await.expect("open");
        cache.put(Store::Emails, &draft.id, &draft).await.expect("put");
    }
    let cache = Cache::open(&name).await.expect("reopen");
    let back: Option<Draft> = cache.get(Store::Emails, "01J0").await.expect("get");
    assert_eq!(back, Some(draft));
    let missing: Option<Draft> = cache.get(Store::Emails, "nope").await.expect("get missing");
    assert_eq!(missing, None);
    assert_eq!(SCHEMA_VERSION, 1);
    cache.delete().await.expect("delete");
}
