//! What a path that names no screen shows.

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section>
            <h1>{t!(i18n, common.not_found)}</h1>
            <p>
                <a href="/emails">{t!(i18n, email.back)}</a>
            </p>
        </section>
    }
}
