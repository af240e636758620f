//! The sync status in the header: synced, N waiting (offline or not), failed with the reason and a Retry,
//! refused changes with their reasons, and a sign-in prompt when the token stopped working. N counts what
//! the rep made (three emails sent and a task done are 4 changes, whatever operations each took); the
//! details, a click away, say how many of each kind.

use domain::sync::Changed;
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
            let waiting = s.waiting.len() as u32;
            if s.unauthorized {
                t_string!(i18n, sync.unauthorized).to_string()
            } else if !s.rejected.is_empty() {
                t_string!(i18n, sync.refused, count = s.rejected.len() as u32).to_string()
            } else if !s.online {
                t_string!(i18n, sync.offline, count = waiting).to_string()
            } else if s.error.is_some() {
                t_string!(i18n, sync.failed, count = waiting).to_string()
            } else if waiting > 0 {
                t_string!(i18n, sync.waiting, count = waiting).to_string()
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
            } else if !s.online || !s.waiting.is_empty() {
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
                    {move || status.with(|s| waiting_details(i18n, &s.waiting)).map(|text| view! { <p>{text}</p> })}
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

/// The kinds of record a change can be to, in the order the details list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Email,
    Person,
    Campaign,
    Task,
    SavedSearch,
}

/// What the changes waiting are, by kind ("Waiting to reach the endpoint: Emails: 3 · Tasks: 1"); none
/// when nothing waits.
fn waiting_details(i18n: leptos_i18n::I18nContext<Locale>, waiting: &[Changed]) -> Option<String> {
    let kind = |c: &Changed| match c {
        Changed::Email(_) => Kind::Email,
        Changed::Person(_) => Kind::Person,
        Changed::Campaign(_) => Kind::Campaign,
        Changed::Task(_) => Kind::Task,
        Changed::SavedSearch(_) => Kind::SavedSearch,
    };
    let counts: Vec<String> = [Kind::Email, Kind::Person, Kind::Campaign, Kind::Task, Kind::SavedSearch]
        .into_iter()
        .map(|k| (k, waiting.iter().filter(|c| kind(c) == k).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| {
            let kind = match k {
                Kind::Email => t_string!(i18n, nav.emails),
                Kind::Person => t_string!(i18n, sync.people),
                Kind::Campaign => t_string!(i18n, sync.campaigns),
                Kind::Task => t_string!(i18n, nav.tasks),
                Kind::SavedSearch => t_string!(i18n, search.saved_title),
            };
            t_string!(i18n, sync.kind_count, kind, n).to_string()
        })
        .collect();
    (!counts.is_empty()).then(|| t_string!(i18n, sync.waiting_list, list = counts.join(" · ")).to_string())
}
