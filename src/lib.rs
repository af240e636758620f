//! Command Center, the app: a Leptos client-rendered command center for sales email.
//!
//! `app` wires contexts and the router; `pages/` are the screens; `components/` the pieces they share;
//! `state/` what the screens share and the rep's changes; `storage/` is the only code that touches
//! IndexedDB and `sync/` the only code that touches the network. Every product rule comes from the `domain`
//! crate.

pub mod app;
pub mod components;
pub mod format;
pub mod i18n;
pub mod notify;
pub mod pages;
pub mod sanitize;
pub mod state;
pub mod storage;
pub mod sync;
pub mod zone;

pub use app::App;

use app::Boot;
use state::AppState;
use storage::{Cache, DATABASE};

/// Opens the cache, reads the session and settings, then mounts the app: the first screen renders from the
/// cache before anything is fetched.
pub async fn boot() {
    mark("cc-boot");
    match Cache::open(DATABASE).await {
        Ok(cache) => {
            mark("cc-cache-open");
            let (session, settings) = cache.session_and_settings().await.unwrap_or_default();
            mark("cc-settings-read");
            let state = AppState::new(cache, session, settings);
            leptos::mount::mount_to_body(move || leptos::view! { <App boot=Boot { state } /> });
            mark("cc-mounted");
        }
        Err(err) => {
            leptos::mount::mount_to_body(move || {
                leptos::view! { <components::fatal::CacheUnavailable error=err /> }
            });
            storage::last_screen::replaced();
        }
    }
}

/// A named moment of the page's life in the browser's performance timeline (the benchmark reads them, and
/// so can a rep's DevTools).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
