//! What a path that names no screen shows.

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section>
            <h1>{t_string!(i18n, common.not_found).to_string()}</h1>
            <p>
                <a href="/emails">{t_string!(i18n, email.back).to_string()}</a>
            </p>
        </section>
    }
}
