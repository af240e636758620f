//! What a path that names no screen shows.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section>
            <h1>"Page not found"</h1>
            <p>
                <a href="/emails">"Back to emails"</a>
            </p>
        </section>
    }
}
