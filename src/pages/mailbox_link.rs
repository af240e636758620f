//! Settings › Your mailbox: link the rep's own mailbox (IMAP address, password, folder), see how reading
//! it goes (state, last check, messages read, the last error in words), or remove the link. It talks to
//! the endpoint directly: the password is sent once over the connection and never kept in this browser,
//! so linking waits for a connection instead of being queued.

use domain::sync::{LinkMailbox, MailboxLink};
use leptos::prelude::*;

use crate::i18n::*;
use crate::state::use_app;
use crate::sync::ApiError;

/// How often the link's state is asked for while Settings is open.
const REFRESH_MS: u64 = 4000;

fn state_words(i18n: leptos_i18n::I18nContext<Locale>, state: &str) -> String {
    match state {
        "connecting" => t_string!(i18n, mailbox.connecting),
        "reading" => t_string!(i18n, mailbox.reading),
        "watching" => t_string!(i18n, mailbox.watching),
        "polling" => t_string!(i18n, mailbox.polling),
        "wrong_password" => t_string!(i18n, mailbox.wrong_password),
        _ => t_string!(i18n, mailbox.failing),
    }
    .to_string()
}

#[component]
pub fn MailboxSettings() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let link: RwSignal<Option<MailboxLink>> = RwSignal::new(None);
    let address = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let folder = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let api = move || state.api();
    let words = move |err: ApiError| match err {
        ApiError::Refused { body, .. } => body.message,
        ApiError::Network(_) => t_string!(i18n, mailbox.offline).to_string(),
        other => other.to_string(),
    };
    let refresh = move |fill: bool| {
        let Some(api) = api() else { return };
        leptos::task::spawn_local(async move {
            if let Ok(found) = api.mailbox().await {
                if fill && let Some(found) = &found {
                    address.set(found.address.clone());
                    folder.set(found.folder.clone());
                }
                link.set(found);
            }
        });
    };
    refresh(true);
    let ticker =
        set_interval_with_handle(move || refresh(false), std::time::Duration::from_millis(REFRESH_MS));
    on_cleanup(move || {
        if let Ok(handle) = ticker {
            handle.clear();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(api) = api() else { return };
        let typed = password.get_untracked();
        let request = LinkMailbox {
            address: address.get_untracked().trim().to_string(),
            password: (!typed.is_empty()).then_some(typed),
            folder: Some(folder.get_untracked().trim().to_string()).filter(|f| !f.is_empty()),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api.link_mailbox(&request).await {
                Ok(linked) => {
                    password.set(String::new());
                    problem.set(None);
                    link.set(Some(linked));
                }
                // What was typed stays in the form, to correct.
                Err(err) => problem.set(Some(words(err))),
            }
            busy.set(false);
        });
    };
    let unlink = move |_| {
        let Some(api) = api() else { return };
        leptos::task::spawn_local(async move {
            match api.unlink_mailbox().await {
                Ok(()) => {
                    link.set(None);
                    problem.set(None);
                }
                Err(err) => problem.set(Some(words(err))),
            }
        });
    };
    let locale = move || tag(i18n.get_locale());
    let when = move |at: domain::Instant| crate::format::date_time(at, locale(), &state.time_zone());
    let linked = move || link.with(Option::is_some);
    view! {
        <section class="mailbox-link" aria-labelledby="mailbox-title">
            <h2 id="mailbox-title">{t_string!(i18n, mailbox.title).to_string()}</h2>
            <p class="note">{t_string!(i18n, mailbox.about).to_string()}</p>
            {move || link.get().map(|l| {
                let healthy = !matches!(l.state.as_str(), "wrong_password" | "failing");
                view! {
                    <dl class="mailbox-state">
                        <dt>{t_string!(i18n, mailbox.state).to_string()}</dt>
                        <dd class:warning=!healthy role="status">{state_words(i18n, &l.state)}</dd>
                        <dt>{t_string!(i18n, mailbox.checked).to_string()}</dt>
                        <dd>{l.checked_at.map(when).unwrap_or_else(|| t_string!(i18n, mailbox.never).to_string())}</dd>
                        <dt>{t_string!(i18n, mailbox.messages).to_string()}</dt>
                        <dd>{t_string!(i18n, mailbox.counts, read = l.messages_read, found = l.messages_found).to_string()}</dd>
                        {l.last_error.map(|e| view! {
                            <dt>{t_string!(i18n, mailbox.last_error).to_string()}</dt>
                            <dd>{l.error_at.map(|at| format!("{} · ", when(at))).unwrap_or_default()}{e}</dd>
                        })}
                    </dl>
                }
            })}
            <form class="mailbox-form" on:submit=submit novalidate>
                <div class="field">
                    <label for="mailbox-address">{t_string!(i18n, mailbox.address).to_string()}</label>
                    <input id="mailbox-address" type="text" inputmode="url" autocomplete="off" spellcheck="false"
                        aria-describedby="mailbox-address-hint" placeholder="imaps://you@example.com@imap.example.com"
                        prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev)) />
                    <p class="hint" id="mailbox-address-hint">{t_string!(i18n, mailbox.address_hint).to_string()}</p>
                </div>
                <div class="field">
                    <label for="mailbox-password">{t_string!(i18n, mailbox.password).to_string()}</label>
                    <input id="mailbox-password" type="password" autocomplete="new-password"
                        placeholder=move || linked().then(|| t_string!(i18n, mailbox.password_kept).to_string())
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="mailbox-folder">{t_string!(i18n, mailbox.folder).to_string()}</label>
                    <input id="mailbox-folder" type="text" autocomplete="off" placeholder="INBOX"
                        prop:value=move || folder.get() on:input=move |ev| folder.set(event_target_value(&ev)) />
                </div>
                {move || problem.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="actions-bar">
                    <button type="submit" class="button primary" prop:disabled=move || busy.get()>
                        {move || if linked() { t_string!(i18n, mailbox.save).to_string() } else { t_string!(i18n, mailbox.link).to_string() }}
                    </button>
                    <Show when=linked>
                        <button type="button" class="button" on:click=unlink>{t_string!(i18n, mailbox.unlink).to_string()}</button>
                    </Show>
                </div>
            </form>
        </section>
    }
}
