//! The live feed: engagement as it arrives — who viewed, clicked, replied, a moment ago — newest first,
//! from the cache, which the change stream keeps filling. Events judged a machine's are shown as such.

use std::collections::HashMap;

use chrono::Utc;
use domain::{EmailId, EngagementEvent, EventKind};
use leptos::prelude::*;

use crate::components::follow_up::FollowUpButton;
use crate::components::labels;
use crate::i18n::*;
use crate::state::use_app;

/// How many events the feed shows.
pub const FEED_LENGTH: u32 = 40;

/// One line of the feed.
#[derive(Clone, Debug, PartialEq)]
struct Item {
    event: EngagementEvent,
    who: String,
    person: Option<domain::PersonId>,
    subject: String,
}

#[component]
pub fn LiveFeed() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let now = RwSignal::new(Utc::now());
    let ticker = leptos::prelude::set_interval_with_handle(
        move || now.set(Utc::now()),
        std::time::Duration::from_secs(20),
    );
    on_cleanup(move || {
        if let Ok(handle) = ticker {
            handle.clear();
        }
    });
    let items = crate::state::load(move || {
        state.revision.track();
        // The folder the rep opened comes first; the feed loads once it is on screen.
        let settled = state.settled.get();
        let cache = state.cache();
        async move {
            if !settled {
                return Vec::new();
            }
            let events = cache.latest_events(FEED_LENGTH).await.unwrap_or_default();
            state.unreadable(&events.skipped);
            let events = events.items;
            let mut ids: Vec<EmailId> = events.iter().map(|e| e.email).collect();
            ids.sort();
            ids.dedup();
            let emails = cache.emails(&ids).await.unwrap_or_default();
            state.unreadable(&emails.skipped);
            let subjects: HashMap<EmailId, String> =
                emails.items.into_iter().map(|r| (r.email.id, r.email.subject)).collect();
            let mut items = Vec::with_capacity(events.len());
            for event in events {
                let subject = subjects.get(&event.email).cloned().unwrap_or_default();
                let person = state.directory.person_by_address(&event.recipient);
                let who =
                    person.as_ref().map(|p| p.display_name()).unwrap_or_else(|| event.recipient.to_string());
                items.push(Item { event, who, person: person.map(|p| p.id), subject });
            }
            items
        }
    });
    let locale = move || tag(i18n.get_locale());
    view! {
        <aside class="live-feed" id="live-feed" aria-labelledby="live-feed-title">
            <h2 id="live-feed-title">{t_string!(i18n, feed.title).to_string()}</h2>
            <ol aria-live="polite" aria-relevant="additions">
                {move || {
                    let list = items.get().unwrap_or_default();
                    if list.is_empty() {
                        return view! { <li class="empty">{t_string!(i18n, feed.empty).to_string()}</li> }.into_any();
                    }
                    list.into_iter().map(|item| {
                        let at = item.event.at;
                        let fresh = state.arrived.with(|a| a.contains(&item.event.id));
                        let machine = item.event.verdict.as_ref().is_some_and(|v| !v.human);
                        let kind_class = format!("feed-item kind-{}", item.event.kind.name());
                        let what = labels::event(i18n, &item.event.kind);
                        let verdict = item.event.verdict;
                        let link = format!("/email/{}", item.event.email);
                        let reply = matches!(item.event.kind, EventKind::Replied { .. });
                        view! {
                            <li class=kind_class class:fresh=fresh class:machine=machine class:reply=reply>
                                {match item.person {
                                    Some(person) => view! { <a class="who" href=format!("/people/{person}")>{item.who}</a> }.into_any(),
                                    None => view! { <span class="who">{item.who}</span> }.into_any(),
                                }}
                                " "
                                <a href=link>
                                    <span class="what">{what}</span>
                                    <span class="subject">{item.subject}</span>
                                </a>
                                {verdict.map(|v| view! { <span class="mark" class:human=v.human>{move || labels::verdict(i18n, &v)}</span> })}
                                <time datetime=at.to_rfc3339()>{move || crate::format::relative(at, now.get(), locale())}</time>
                                <FollowUpButton event=item.event.clone() />
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ol>
        </aside>
    }
}
