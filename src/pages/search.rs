//! Advanced search and saved searches.

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn SearchPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="search">
            <h1>{t!(i18n, nav.search)}</h1>
            <p class="empty">{t!(i18n, search.empty)}</p>
        </section>
    }
}
