//! What the app shows when it cannot open its cache at all: a browser that refuses IndexedDB, or a newer
//! release of the app that has already upgraded it. Its words come from the browser's language (the rep's
//! own choice is kept in the cache that could not be opened).

use leptos::prelude::*;

use crate::i18n::*;
use crate::storage::StorageError;

#[component]
pub fn CacheUnavailable(error: StorageError) -> impl IntoView {
    view! {
        <I18nContextProvider enable_cookie=false>
            <Explained error />
        </I18nContextProvider>
    }
}

#[component]
fn Explained(error: StorageError) -> impl IntoView {
    let i18n = use_i18n();
    let body = match error {
        StorageError::Newer => view! {
            <p>{t_string!(i18n, fatal.newer).to_string()}</p>
            <p><ReloadButton /></p>
        }
        .into_any(),
        error => view! {
            <p>{t_string!(i18n, fatal.refused).to_string()}</p>
            <p class="detail">{error.to_string()}</p>
            <p>{t_string!(i18n, fatal.private).to_string()}</p>
        }
        .into_any(),
    };
    view! {
        <main class="fatal">
            <h1>{t_string!(i18n, fatal.title).to_string()}</h1>
            {body}
        </main>
    }
}

/// Reloads the tab: what a tab does once a newer release holds the cache.
#[component]
pub fn ReloadButton() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="button" class="button primary" on:click=|_| {
            let _ = window().location().reload();
        }>{t_string!(i18n, errors.reload).to_string()}</button>
    }
}
