//! Settings: the language and time zone of the app on this device, desktop notifications (a switch per
//! kind), the rep's own mailbox ([`MailboxSettings`]), who is signed in, a new token when the endpoint stops taking this one (the changes waiting stay
//! and go with it), and sign-out (which clears this user's local cache, after saying what has not reached
//! the endpoint yet).

use leptos::prelude::*;

use crate::components::field::ZoneOptions;
use crate::i18n::*;
use crate::pages::mailbox_link::MailboxSettings;
use crate::pages::suppressions::SuppressionSettings;
use crate::state::use_app;
use crate::storage::{Session, Settings, Write, meta};
use crate::sync::{Api, ApiError};

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
        let waiting = state.status.with(|s| s.waiting.len());
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
    // Desktop notifications: a switch per kind; turning one on asks the browser's permission.
    let permission = RwSignal::new(crate::notify::supported().then(crate::notify::allowed));
    let switch = move |set: fn(&mut Settings, bool)| {
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            let mut s = state.settings.get_untracked();
            set(&mut s, on);
            save(s);
            if on && permission.get_untracked() == Some(false) {
                crate::notify::ask(move |given| permission.set(Some(given)));
            }
        }
    };
    let blocked = move || {
        let any = state.settings.with(|s| s.notify_replies || s.notify_clicks || s.notify_tasks);
        match permission.get() {
            None => Some(t_string!(i18n, settings.notify_unsupported).to_string()),
            Some(false) if any => Some(t_string!(i18n, settings.notify_blocked).to_string()),
            _ => None,
        }
    };
    let new_token = RwSignal::new(String::new());
    let token_error: RwSignal<Option<String>> = RwSignal::new(None);
    let use_token = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(session) = state.session.get_untracked() else { return };
        let token = new_token.get_untracked().trim().to_string();
        if token.is_empty() {
            token_error.set(Some(t_string!(i18n, signin.token_missing).to_string()));
            return;
        }
        token_error.set(None);
        leptos::task::spawn_local(async move {
            let problem = match Api::new(&session.endpoint, &token).me().await {
                Ok(me) if me.email.eq_ignore_ascii_case(&session.email) => {
                    let renewed = Session { token, ..session };
                    match state.cache().write(vec![Write::meta(meta::SESSION, &renewed)]).await {
                        Ok(_) => {
                            // Sync starts again with the new token; the outbox is as it was.
                            state.stop();
                            state.session.set(Some(renewed));
                            state.start();
                            new_token.set(String::new());
                            None
                        }
                        Err(e) => Some(t_string!(i18n, errors.storage, reason = e.to_string()).to_string()),
                    }
                }
                Ok(me) => Some(
                    t_string!(
                        i18n,
                        settings.token_other_user,
                        other = me.email,
                        email = session.email.clone()
                    )
                    .to_string(),
                ),
                Err(ApiError::Unauthorized) => Some(t_string!(i18n, signin.rejected).to_string()),
                Err(ApiError::Network(_)) => {
                    Some(t_string!(i18n, signin.unreachable, url = session.endpoint.clone()).to_string())
                }
                Err(other) => Some(other.to_string()),
            };
            token_error.set(problem);
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
            <fieldset class="notify-switches">
                <legend>{t_string!(i18n, settings.notifications).to_string()}</legend>
                <label><input type="checkbox" prop:checked=move || state.settings.with(|s| s.notify_replies)
                    on:change=switch(|s, on| s.notify_replies = on) />{t_string!(i18n, settings.notify_replies).to_string()}</label>
                <label><input type="checkbox" prop:checked=move || state.settings.with(|s| s.notify_clicks)
                    on:change=switch(|s, on| s.notify_clicks = on) />{t_string!(i18n, settings.notify_clicks).to_string()}</label>
                <label><input type="checkbox" prop:checked=move || state.settings.with(|s| s.notify_tasks)
                    on:change=switch(|s, on| s.notify_tasks = on) />{t_string!(i18n, settings.notify_tasks).to_string()}</label>
                {move || blocked().map(|words| view! { <p class="note" role="status">{words}</p> })}
            </fieldset>
            <MailboxSettings />
            <SuppressionSettings />
            <h2>{t_string!(i18n, settings.account).to_string()}</h2>
            <p>{move || state.session.with(|s| s.as_ref().map(|s| t_string!(i18n, settings.signed_in_as, email = s.email.clone(), endpoint = s.endpoint.clone()).to_string()))}</p>
            <Show when=move || state.status.with(|s| s.unauthorized)>
                <form class="renew-token" on:submit=use_token novalidate>
                    <p role="alert">{t_string!(i18n, settings.token_refused).to_string()}</p>
                    <div class="field">
                        <label for="settings-token">{t_string!(i18n, settings.new_token).to_string()}</label>
                        <input id="settings-token" type="password" autocomplete="off"
                            prop:value=move || new_token.get() on:input=move |ev| new_token.set(event_target_value(&ev)) />
                    </div>
                    {move || token_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <button type="submit" class="button primary">{t_string!(i18n, settings.use_token).to_string()}</button>
                </form>
            </Show>
            <button type="button" class="button danger" on:click=sign_out>{t_string!(i18n, settings.sign_out).to_string()}</button>
        </section>
    }
}
