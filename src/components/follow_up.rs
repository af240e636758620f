//! One click from an engagement event to the follow-up task it suggests ("Call Ana: clicked the pricing
//! link"): the domain says which task, the button phrases it in the rep's language and creates it.

use domain::task::{FollowUpReason, FollowUpSuggestion, TaskType};
use domain::{EngagementEvent, TaskId};
use leptos::prelude::*;

use crate::i18n::*;
use crate::state::{actions, use_app};

/// A link's host and path, without the scheme or the query (what a title has room for).
fn short_url(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    rest.trim_end_matches('/').chars().take(60).collect()
}

/// The title of the follow-up task, in the rep's language.
pub fn title(i18n: leptos_i18n::I18nContext<Locale>, suggestion: &FollowUpSuggestion, name: &str) -> String {
    let reason = match (suggestion.reason, &suggestion.url) {
        (FollowUpReason::Clicked, Some(url)) => {
            t_string!(i18n, followup.clicked, url = short_url(url)).to_string()
        }
        (FollowUpReason::Clicked, None) => t_string!(i18n, followup.clicked_a_link).to_string(),
        (FollowUpReason::Replied, _) => t_string!(i18n, followup.replied).to_string(),
        (FollowUpReason::Viewed, _) => t_string!(i18n, followup.viewed).to_string(),
    };
    let name = name.to_string();
    match suggestion.task_type {
        TaskType::Call => t_string!(i18n, followup.call, name = name, reason = reason),
        TaskType::Email => t_string!(i18n, followup.email, name = name, reason = reason),
        TaskType::LinkedIn => t_string!(i18n, followup.linkedin, name = name, reason = reason),
        TaskType::Custom => t_string!(i18n, followup.custom, name = name, reason = reason),
    }
    .to_string()
}

#[component]
pub fn FollowUpButton(event: EngagementEvent) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let person = state.directory.person_by_address(&event.recipient);
    let suggestion = FollowUpSuggestion::from_event(&event, person.as_ref().map(|p| p.id));
    let name = person.map(|p| p.display_name()).unwrap_or_else(|| event.recipient.to_string());
    suggestion.map(|suggestion| {
        let label = title(i18n, &suggestion, &name);
        let aria = t_string!(i18n, followup.create, title = label.clone()).to_string();
        let suggestion = StoredValue::new(suggestion);
        view! {
            <button
                type="button"
                class="quick follow-up"
                aria-label=aria
                title=label.clone()
                on:click=move |_| {
                    let suggestion = suggestion.get_value();
                    let name = name.clone();
                    let title = title(i18n, &suggestion, &name);
                    match suggestion.into_task(TaskId(actions::new_id()), &title, state.now(), state.tz()) {
                        Ok(task) => leptos::task::spawn_local(async move {
                            match actions::save_tasks(state, vec![task]).await {
                                Ok(()) => state.notices.notify(t_string!(i18n, followup.created, title = title).to_string(), false, None),
                                Err(e) => state.notices.notify(e.to_string(), true, None),
                            }
                        }),
                        Err(e) => state.notices.notify(crate::components::labels::task_error(i18n, &e), true, None),
                    }
                }
            >
                {t_string!(i18n, followup.button).to_string()}
            </button>
        }
    })
}
