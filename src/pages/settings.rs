//! Settings: the language and time zone of the app on this device, who is signed in, and sign-out (which
//! clears this user's local cache, after saying what has not reached the endpoint yet).

use leptos::prelude::*;

use crate::components::field::ZoneOptions;
use crate::i18n::*;
use crate::state::use_app;
use crate::storage::{Settings, Write, meta};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let save = move |settings: Settings| {
        state.settings.set(settings.clone());
        let cache = state.cache();
        leptos::task::spawn_local(async move {
            let _ = cache.write(vec![Write::meta(meta::SETTINGS, &settings)]).await;
        });
    };
    let language = move || state.settings.with(|s| s.language.clone()).unwrap_or_default();
    let zone = move || state.settings.with(|s| s.time_zone.clone()).unwrap_or_default();
    let sign_out = move |_| {
        let waiting = state.status.with(|s| s.waiting);
        if waiting > 0 {
            let question = t_string!(i18n, settings.unsynced_warning, count = waiting as u32).to_string();
            let confirmed =
                web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
            if !confirmed {
                return;
            }
        }
        state.stop();
        let cache = state.cache();
        leptos::task::spawn_local(async move {
            let _ = cache.clear().await;
            state.session.set(None);
            state.changed();
        });
    };
    view! {
        <section class="settings" aria-labelledby="settings-title">
            <h1 id="settings-title">{t_string!(i18n, settings.title).to_string()}</h1>
            <div class="field">
                <label for="settings-language">{t_string!(i18n, settings.language).to_string()}</label>
                <select
                    id="settings-language"
                    prop:value=language
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let mut s = state.settings.get_untracked();
                        s.language = (!value.is_empty()).then_some(value);
                        save(s);
                    }
                >
                    <option value="">{t_string!(i18n, settings.browser_language).to_string()}</option>
                    <option value="en" lang="en">"English"</option>
                    <option value="pt-BR" lang="pt-BR">"Português (Brasil)"</option>
                    <option value="it" lang="it">"Italiano"</option>
                </select>
            </div>
            <div class="field">
                <label for="settings-zone">{t_string!(i18n, settings.time_zone).to_string()}</label>
                <select
                    id="settings-zone"
                    prop:value=zone
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let mut s = state.settings.get_untracked();
                        s.time_zone = (!value.is_empty()).then_some(value);
                        save(s);
                    }
                >
                    <option value="">{move || t_string!(i18n, settings.browser_zone, zone = crate::format::browser_time_zone()).to_string()}</option>
                    <ZoneOptions />
                </select>
            </div>
            <h2>{t_string!(i18n, settings.account).to_string()}</h2>
            <p>{move || state.session.with(|s| s.as_ref().map(|s| t_string!(i18n, settings.signed_in_as, email = s.email.clone(), endpoint = s.endpoint.clone()).to_string()))}</p>
            <button type="button" class="button danger" on:click=sign_out>{t_string!(i18n, settings.sign_out).to_string()}</button>
        </section>
    }
}
