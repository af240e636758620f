//! The stack alone (see Cargo.toml): every piece the app's screens stand on, used once.

// The generated module: one method per message, named after its key.
#![allow(clippy::module_inception, clippy::new_ret_no_self, dead_code, unused_imports)]

mod i18n {
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
    pub use i18n::*;
}

use chrono::{DateTime, Utc};
use i18n::*;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    id: String,
    subject: String,
    at: DateTime<Utc>,
    views: u32,
}

/// Every item kept in IndexedDB, each stored as its JSON text (as the app's cache stores records).
async fn cached() -> Result<Vec<Item>, String> {
    let db = Database::open("size-floor")
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store("items").build()?;
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
    let tx = db.transaction("items").build().map_err(|e| e.to_string())?;
    let store = tx.object_store("items").map_err(|e| e.to_string())?;
    let values = store.get_all::<JsValue>().primitive().map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for value in values.await.map_err(|e| e.to_string())? {
        if let Some(text) = value.map_err(|e| e.to_string())?.as_string() {
            items.push(serde_json::from_str(&text).map_err(|e| e.to_string())?);
        }
    }
    Ok(items)
}

async fn fetched() -> Result<Vec<Item>, String> {
    let response = gloo_net::http::Request::get("/api/items").send().await.map_err(|e| e.to_string())?;
    response.json().await.map_err(|e| e.to_string())
}

#[component]
fn List() -> impl IntoView {
    let i18n = use_i18n();
    let items = RwSignal::new(Vec::<Item>::new());
    let error = RwSignal::new(None::<String>);
    let show = move |result: Result<Vec<Item>, String>| match result {
        Ok(list) => items.set(list),
        Err(reason) => error.set(Some(reason)),
    };
    leptos::task::spawn_local(async move { show(cached().await) });
    let load = move |_| leptos::task::spawn_local(async move { show(fetched().await) });
    view! {
        <h1>{t_string!(i18n, title).to_string()}</h1>
        <button on:click=load>{t_string!(i18n, load).to_string()}</button>
        <p role="alert">{move || error.get()}</p>
        <ul>
            <For each=move || items.get() key=|item| item.id.clone() let:item>
                <li>
                    {item.subject.clone()} " " {item.at.to_rfc3339()} " "
                    {t_string!(i18n, views, count = item.views).to_string()}
                </li>
            </For>
        </ul>
    }
}

#[component]
fn App() -> impl IntoView {
    view! {
        <I18nContextProvider enable_cookie=false>
            <Router>
                <nav>
                    <A href="/">"/"</A>
                    <A href="/other">"/other"</A>
                </nav>
                <Routes fallback=|| "404">
                    <Route path=path!("/") view=List />
                    <Route path=path!("/other") view=|| view! { <p>{t_string!(use_i18n(), other).to_string()}</p> } />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
