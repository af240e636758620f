//! Advanced search and saved searches.

use leptos::prelude::*;

#[component]
pub fn SearchPage() -> impl IntoView {
    view! {
        <section class="search">
            <h1>"Search"</h1>
            <p class="empty">"No saved searches yet."</p>
        </section>
    }
}
