//! Sign-in: the endpoint's address (this page's own origin by default) and a token from
//! `endpoint user add`. The token is checked with the endpoint, then kept in the cache.

use leptos::prelude::*;

use crate::i18n::*;
use crate::state::use_app;
use crate::storage::{Session, Write, meta};
use crate::sync::{Api, ApiError};

fn own_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let endpoint = RwSignal::new(own_origin());
    let token = RwSignal::new(String::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = endpoint.get_untracked().trim().trim_end_matches('/').to_string();
        let token_text = token.get_untracked().trim().to_string();
        if token_text.is_empty() {
            error.set(Some(t_string!(i18n, signin.token_missing).to_string()));
            return;
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            error.set(Some(t_string!(i18n, signin.bad_url).to_string()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let api = Api::new(&url, &token_text);
            match api.me().await {
                Ok(me) => {
                    let session = Session { endpoint: url, token: token_text, email: me.email };
                    let cache = state.cache();
                    match cache.write(vec![Write::meta(meta::SESSION, &session)]).await {
                        Ok(_) => state.session.set(Some(session)),
                        Err(e) => error
                            .set(Some(t_string!(i18n, errors.storage, reason = e.to_string()).to_string())),
                    }
                }
                Err(ApiError::Unauthorized) => error.set(Some(t_string!(i18n, signin.rejected).to_string())),
                Err(ApiError::Network(_)) => {
                    error.set(Some(t_string!(i18n, signin.unreachable, url = url.clone()).to_string()))
                }
                Err(other) => error.set(Some(other.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <main class="sign-in" id="main">
            <h1>"Command Center"</h1>
            <p>{t_string!(i18n, signin.intro).to_string()}</p>
            <form on:submit=submit novalidate>
                <div class="field">
                    <label for="signin-endpoint">{t_string!(i18n, signin.endpoint).to_string()}</label>
                    <input id="signin-endpoint" type="url" prop:value=move || endpoint.get() on:input=move |ev| endpoint.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="signin-token">{t_string!(i18n, signin.token).to_string()}</label>
                    <input
                        id="signin-token"
                        type="password"
                        autocomplete="off"
                        prop:value=move || token.get()
                        on:input=move |ev| token.set(event_target_value(&ev))
                    />
                    <p class="hint">{t_string!(i18n, signin.token_hint).to_string()}</p>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="button primary" disabled=move || busy.get()>{t_string!(i18n, signin.submit).to_string()}</button>
            </form>
        </main>
    }
}
