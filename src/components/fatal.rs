//! What the app shows when it cannot open its cache at all (a browser that refuses IndexedDB).

use leptos::prelude::*;

#[component]
pub fn CacheUnavailable(error: String) -> impl IntoView {
    // No translations here: the screen must show even when nothing else can start.
    view! {
        <main class="fatal">
            <h1>"Command Center cannot start"</h1>
            <p>"The browser did not let the app open its local cache, so it cannot keep your work safe."</p>
            <p class="detail">{error}</p>
            <p>"Private windows and some browser settings block it. Open Command Center in a normal window."</p>
        </main>
    }
}
