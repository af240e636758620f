//! The sync status in the header: synced, N waiting (offline or not), failed with the reason and a Retry,
//! refused changes with their reasons, and a sign-in prompt when the token stopped working.

use leptos::prelude::*;

use crate::components::labels;
use crate::i18n::*;
use crate::state::{actions, use_app};
use crate::storage::OutboxState;

#[component]
pub fn SyncBadge() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let open = RwSignal::new(false);
    let status = state.status;
    let summary = move || {
        status.with(|s| {
            if s.unauthorized {
                t_string!(i18n, sync.unauthorized).to_string()
            } else if !s.rejected.is_empty() {
                t_string!(i18n, sync.refused, count = s.rejected.len() as u32).to_string()
            } else if !s.online {
                t_string!(i18n, sync.offline, count = s.waiting as u32).to_string()
            } else if s.error.is_some() {
                t_string!(i18n, sync.failed, count = s.waiting as u32).to_string()
            } else if s.waiting > 0 {
                t_string!(i18n, sync.waiting, count = s.waiting as u32).to_string()
            } else if s.busy {
                t_string!(i18n, sync.syncing).to_string()
            } else {
                t_string!(i18n, sync.synced).to_string()
            }
        })
    };
    let kind = move || {
        status.with(|s| {
            if s.unauthorized || !s.rejected.is_empty() || s.error.is_some() {
                "sync-badge bad"
            } else if !s.online || s.waiting > 0 {
                "sync-badge waiting"
            } else {
                "sync-badge ok"
            }
        })
    };
    view! {
        <div class="sync">
            <button
                type="button"
                class=kind
                aria-expanded=move || open.get().to_string()
                aria-controls="sync-details"
                data-testid="sync-status"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {summary}
            </button>
            <Show when=move || open.get()>
                <div class="sync-details" id="sync-details">
                    {move || status.with(|s| s.error.clone()).map(|e| view! {
                        <p class="error">{t_string!(i18n, sync.reason, reason = e).to_string()}</p>
                    })}
                    {move || status.with(|s| s.skipped > 0).then(|| view! {
                        <p class="error">{move || t_string!(i18n, sync.skipped, count = status.with(|s| s.skipped) as u32).to_string()}</p>
                    })}
                    <ul class="rejected">
                        {move || status.with(|s| s.rejected.clone()).into_iter().map(|(number, entry)| {
                            let reason = match &entry.state {
                                OutboxState::Rejected { error } => labels::refusal(i18n, error),
                                OutboxState::Waiting => String::new(),
                            };
                            view! {
                                <li>
                                    <span>{reason}</span>
                                    <button type="button" class="button ghost" on:click=move |_| {
                                        leptos::task::spawn_local(async move {
                                            let _ = actions::dismiss_rejected(state, number).await;
                                        });
                                    }>{t_string!(i18n, sync.dismiss).to_string()}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Show when=move || status.with(|s| s.unauthorized)>
                        <p><a href="/settings">{t_string!(i18n, sync.sign_in_again).to_string()}</a></p>
                    </Show>
                    <button type="button" class="button" on:click=move |_| state.poke()>{t_string!(i18n, sync.retry).to_string()}</button>
                </div>
            </Show>
        </div>
    }
}
