//! The app's other tabs (and a CRM page's widget frame) share this cache and its change-feed cursor:
//! whichever of them pulls a change or makes one writes it once, for all. So that the others' screens,
//! and the people, tasks and search index they hold in memory, follow too, the tab that wrote the records
//! tells the others on a BroadcastChannel, and they take the records in as if they had written them.

use std::cell::RefCell;

use domain::sync::Record;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BroadcastChannel, MessageEvent};

use super::AppState;

const CHANNEL: &str = "command-center";

thread_local! {
    static OPEN: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
}

/// Starts hearing from the other tabs (for the signed-in session).
pub fn listen(state: AppState) {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else { return };
    let heard = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(json) = event.data().as_string() else { return };
        // A record this version cannot read is one a newer release wrote: that tab asks for a reload.
        let Ok(records) = serde_json::from_str::<Vec<Record>>(&json) else { return };
        state.search.apply(&records);
        state.took(&records);
    });
    channel.set_onmessage(Some(heard.as_ref().unchecked_ref()));
    heard.forget();
    OPEN.with(|open| {
        if let Some(old) = open.replace(Some(channel)) {
            old.close();
        }
    });
}

/// Stops hearing from them (sign-out).
pub fn close() {
    OPEN.with(|open| {
        if let Some(channel) = open.take() {
            channel.close();
        }
    });
}

/// Tells the other tabs that this one wrote `records` to the cache.
pub fn tell(records: &[Record]) {
    if records.is_empty() {
        return;
    }
    OPEN.with(|open| {
        if let (Some(channel), Ok(json)) = (open.borrow().as_ref(), serde_json::to_string(records)) {
            let _ = channel.post_message(&json.into());
        }
    });
}
