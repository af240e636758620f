//! The saved searches in the sidebar: each with its live count, and how many people joined since the rep
//! last looked at it.

use leptos::prelude::*;

use crate::i18n::*;
use crate::state::use_app;

#[component]
pub fn SavedSearchList() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let items = move || {
        state.search.counts.track();
        let searches = state.search.saved.get();
        searches
            .into_iter()
            .map(|search| {
                let count = state.search.counts.with(|c| c.get(&search.id).copied().unwrap_or(0));
                let fresh = state.seen.with(|seen| match seen.get(&search.id) {
                    Some(seen) => state.search.joined_since(search.id, seen),
                    None => 0,
                });
                (search, count, fresh)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <nav class="saved-searches" aria-labelledby="saved-searches-title">
            <h2 id="saved-searches-title">{t_string!(i18n, search.saved_title).to_string()}</h2>
            <Show when=move || !state.search.saved.with(Vec::is_empty) fallback=move || view! { <p class="empty">{t_string!(i18n, search.saved_empty).to_string()}</p> }>
                <ul>
                    {move || items().into_iter().map(|(search, count, fresh)| {
                        let href = format!(
                            "/search?q={}&as=people&saved={}",
                            String::from(js_sys::encode_uri_component(&search.query.to_string())),
                            search.id
                        );
                        view! {
                            <li>
                                <a href=href data-saved=search.id.to_string()>
                                    <span class="name">{search.name.clone()}</span>
                                    " "
                                    <span class="count">{count}</span>
                                    {(fresh > 0).then(|| view! {
                                        " " <span class="badge">{t_string!(i18n, search.new_count, count = fresh as u32).to_string()}</span>
                                    })}
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </nav>
    }
}
