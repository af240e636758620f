//! Settings › Addresses you no longer send to: each suppressed address with why (a hard bounce's reason, a
//! complaint, an unsubscribe), since when and from which email, and Lift to write to it again. Lifting
//! needs a connection (the endpoint keeps the list and logs each lift); the list shown offline is the last
//! one read, the same compose refuses from.

use leptos::prelude::*;

use crate::components::labels;
use crate::i18n::*;
use crate::state::{suppressions, use_app};
use crate::sync::ApiError;

#[component]
pub fn SuppressionSettings() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let words = move |err: ApiError| match err {
        ApiError::Refused { body, .. } => body.message,
        ApiError::Network(_) => t_string!(i18n, suppressions.offline).to_string(),
        other => other.to_string(),
    };
    leptos::task::spawn_local(async move {
        let _ = suppressions::refresh(state).await;
    });
    let locale = move || tag(i18n.get_locale());
    let lift = move |address: String| {
        leptos::task::spawn_local(async move {
            match suppressions::lift(state, address.clone()).await {
                Ok(()) => {
                    problem.set(None);
                    state.notices.notify(
                        t_string!(i18n, suppressions.lifted, address = address).to_string(),
                        false,
                        None,
                    );
                }
                Err(err) => problem.set(Some(words(err))),
            }
        });
    };
    view! {
        <section class="suppressions" aria-labelledby="suppressions-title">
            <h2 id="suppressions-title">{t_string!(i18n, suppressions.title).to_string()}</h2>
            <p class="note">{t_string!(i18n, suppressions.about).to_string()}</p>
            {move || problem.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                let list = state.suppressions.get();
                if list.is_empty() {
                    return view! { <p class="empty">{t_string!(i18n, suppressions.empty).to_string()}</p> }.into_any();
                }
                let rows = list.into_iter().map(|s| {
                    let since = crate::format::date_time(s.since, locale(), &state.time_zone());
                    let why = labels::suppression_reason(i18n, &s);
                    let address = s.address.clone();
                    view! {
                        <li>
                            <span class="address">{s.address.clone()}</span>
                            <span class="why">{why}</span>
                            <span class="since">{t_string!(i18n, suppressions.since, when = since).to_string()}</span>
                            {s.email.map(|id| view! {
                                <a href=format!("/email/{id}")>{t_string!(i18n, suppressions.from_email).to_string()}</a>
                            })}
                            <button type="button" class="button" on:click=move |_| lift(address.clone())>
                                {t_string!(i18n, suppressions.lift).to_string()}
                            </button>
                        </li>
                    }
                }).collect_view();
                view! { <ul class="suppression-list">{rows}</ul> }.into_any()
            }}
        </section>
    }
}
