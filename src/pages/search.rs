//! Advanced search: the filter builder and the text form side by side, kept in step both ways and in the
//! URL (`/search?q=…&as=people`), results as emails (the folders' list) or as people, with their counts.
//! Saving a search makes a live list (`?saved=ID`): its members change by themselves as engagement
//! arrives, and the people who joined since the rep last looked are marked. From any result the rep can
//! select people and send them a bulk email or make a task for each (retargeting).

use std::collections::{BTreeSet, HashSet};

use domain::search::{Query, SavedSearch};
use domain::task::{Due, Origin, Task, TaskType};
use domain::{EmailId, Order, Person, PersonId, QuickAction, SavedSearchId, SortKey, TaskId};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::email_list::{EmailList, rows};
use crate::components::filter_builder::{FilterBuilder, Row, follow};
use crate::components::labels;
use crate::components::pager::Pager;
use crate::i18n::*;
use crate::pages::emails::{PAGE_SIZE, run_action};
use crate::pages::tasks::column_label;
use crate::state::{AppState, actions, use_app};
use crate::storage::{SeenRecord, Store, Write};

/// The most people one retargeting takes (a bulk send's limit).
pub const MAX_RETARGET: usize = crate::pages::bulk::MAX_RECIPIENTS;

pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// Remembers that the rep looked at a saved search now: its members are no longer new.
fn mark_seen(state: AppState, id: SavedSearchId, members: &BTreeSet<PersonId>) {
    let record = SeenRecord { search: id, members: members.iter().copied().collect() };
    state.seen.update(|s| {
        s.insert(id, members.clone());
    });
    let cache = state.cache();
    leptos::task::spawn_local(async move {
        let _ = cache.write(vec![Write::record(Store::Seen, id, &record)]).await;
    });
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let query_map = use_query_map();
    let navigate = use_navigate();
    let text = Memo::new(move |_| query_map.with(|q| q.get("q").unwrap_or_default()));
    let as_people = Memo::new(move |_| query_map.with(|q| q.get("as").as_deref() == Some("people")));
    let saved_id =
        Memo::new(move |_| query_map.with(|q| q.get("saved").and_then(|s| s.parse::<SavedSearchId>().ok())));
    let page = Memo::new(move |_| {
        query_map.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1))
    });
    let draft = RwSignal::new(String::new());
    let parsed = Memo::new(move |_| Query::parse(&text.get()));
    let builder_rows = RwSignal::new(Vec::<Row>::new());
    let selected_emails = RwSignal::new(HashSet::<EmailId>::new());
    let selected_people = RwSignal::new(BTreeSet::<PersonId>::new());
    let save_name = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let renaming = RwSignal::new(false);
    let task_type = RwSignal::new(TaskType::Call.name().to_string());
    // Who was new when the rep opened the saved search (marked for as long as they look).
    let opened_new = RwSignal::new(BTreeSet::<PersonId>::new());

    // No folder page to wait for here: the index may be built at once.
    state.settled.set(true);

    // The URL is the truth: the text field and the builder follow it (a row still being filled in, which
    // the text does not carry, stays).
    Effect::new(move |_| {
        let t = text.get();
        draft.set(t.clone());
        if let Ok(query) = Query::parse(&t)
            && let Some(rows) = follow(&builder_rows.get_untracked(), &query)
        {
            builder_rows.set(rows);
        }
        selected_emails.set(HashSet::new());
        selected_people.set(BTreeSet::new());
    });

    let go = {
        let navigate = navigate.clone();
        move |q: &str, people: bool, saved: Option<SavedSearchId>, page: u32| {
            let mut url = format!("/search?q={}", encode(q));
            if people {
                url.push_str("&as=people");
            }
            if let Some(id) = saved {
                url.push_str(&format!("&saved={id}"));
            }
            if page > 1 {
                url.push_str(&format!("&page={page}"));
            }
            navigate(&url, NavigateOptions { replace: true, ..NavigateOptions::default() });
        }
    };
    let go = StoredValue::new_local(go);
    let on_builder = Callback::new(move |query: Query| {
        let t = query.to_string();
        go.with_value(|g| g(&t, as_people.get_untracked(), None, 1));
    });

    // The answer, from the index.
    let answer = Memo::new(move |_| {
        state.search.revision.track();
        let ready = state.search.ready.get();
        match (ready, parsed.get()) {
            (true, Ok(query)) => Some((state.search.emails(&query), state.search.people(&query))),
            _ => None,
        }
    });
    let email_count = move || answer.with(|a| a.as_ref().map(|(e, _)| e.len()).unwrap_or(0));
    let people_count = move || answer.with(|a| a.as_ref().map(|(_, p)| p.len()).unwrap_or(0));

    // The emails of the current page, from the cache.
    let email_page = crate::state::load(move || {
        let ids: Vec<EmailId> = answer.with(|a| {
            let start = ((page.get() - 1) * PAGE_SIZE) as usize;
            a.as_ref()
                .map(|(e, _)| e.iter().skip(start).take(PAGE_SIZE as usize).copied().collect())
                .unwrap_or_default()
        });
        state.revision.track();
        let cache = state.cache();
        async move {
            let emails = cache.emails(&ids).await.unwrap_or_default();
            state.unreadable(&emails.skipped);
            emails.items
        }
    });
    let email_rows = Signal::derive(move || {
        let records = email_page.get().unwrap_or_default();
        state.directory.people.with(|people| {
            state
                .directory
                .by_address
                .with(|by| state.directory.campaigns.with(|campaigns| rows(records, people, by, campaigns)))
        })
    });
    let people_rows = move || -> Vec<Person> {
        let ids: Vec<PersonId> = answer.with(|a| {
            let start = ((page.get() - 1) * PAGE_SIZE) as usize;
            a.as_ref()
                .map(|(_, p)| p.iter().skip(start).take(PAGE_SIZE as usize).copied().collect())
                .unwrap_or_default()
        });
        state.directory.people.with(|all| ids.iter().filter_map(|id| all.get(id).cloned()).collect())
    };

    // Opening a saved search: who joined since last time is marked, and from now on seen.
    Effect::new(move |_| {
        let Some(id) = saved_id.get() else {
            opened_new.set(BTreeSet::new());
            return;
        };
        state.search.counts.track();
        let members = state.search.members(id);
        let seen = state.seen.with_untracked(|s| s.get(&id).cloned());
        if let Some(seen) = seen {
            let joined: BTreeSet<PersonId> = members.difference(&seen).copied().collect();
            opened_new.update(|n| n.extend(joined));
        }
        mark_seen(state, id, &members);
    });

    let navigate_to = use_navigate();
    let on_action = Callback::new(move |(action, ids): (QuickAction, Vec<EmailId>)| {
        run_action(state, i18n, &navigate_to, action, ids);
    });
    let navigate_bulk = use_navigate();
    let retarget_send = StoredValue::new_local(move || {
        let ids: Vec<PersonId> = selected_people.get_untracked().into_iter().take(MAX_RETARGET).collect();
        state.retarget.set(ids);
        navigate_bulk("/bulk?retarget=1", NavigateOptions::default());
    });
    let retarget_tasks = move |_| {
        let ids: Vec<PersonId> = selected_people.get_untracked().into_iter().collect();
        let ty = TaskType::from_name(&task_type.get_untracked()).unwrap_or(TaskType::Call);
        let now = state.now();
        let today = domain::task::local_today(now, state.tz());
        let tasks: Vec<Task> = state.directory.people.with_untracked(|all| {
            ids.iter()
                .filter_map(|id| all.get(id))
                .filter_map(|p| {
                    let title = t_string!(i18n, search.task_title, name = p.display_name()).to_string();
                    let mut task =
                        Task::new(TaskId(actions::new_id()), ty, &title, Due::on(today), Origin::Manual, now)
                            .ok()?;
                    task.person = Some(p.id);
                    Some(task)
                })
                .collect()
        });
        let n = tasks.len() as u32;
        selected_people.set(BTreeSet::new());
        leptos::task::spawn_local(async move {
            match actions::save_tasks(state, tasks).await {
                Ok(()) => state.notices.notify(
                    t_string!(
                        i18n,
                        search.tasks_made,
                        count = n,
                        column = column_label(i18n, domain::task::Column::Today)
                    )
                    .to_string(),
                    false,
                    None,
                ),
                Err(e) => state.notices.notify(e.to_string(), true, None),
            }
        });
    };

    let save_as = move |_| {
        let Ok(name) = domain::people::record_name("saved search", &save_name.get_untracked()) else {
            return;
        };
        let Ok(query) = parsed.get_untracked() else { return };
        let id = SavedSearchId(actions::new_id());
        let search = SavedSearch { id, name, query };
        saving.set(false);
        save_name.set(String::new());
        let t = text.get_untracked();
        let people = as_people.get_untracked();
        leptos::task::spawn_local(async move {
            match actions::save_saved_search(state, search).await {
                Ok(()) => {
                    mark_seen(state, id, &state.search.members(id));
                    go.with_value(|g| g(&t, people, Some(id), 1));
                    state.notices.notify(t_string!(i18n, search.saved_notice).to_string(), false, None);
                }
                Err(e) => state.notices.notify(e.to_string(), true, None),
            }
        });
    };
    let current_saved = move || {
        saved_id.get().and_then(|id| state.search.saved.with(|s| s.iter().find(|x| x.id == id).cloned()))
    };
    let rename = move |_| {
        let Ok(name) = domain::people::record_name("saved search", &save_name.get_untracked()) else {
            return;
        };
        let Some(mut search) = current_saved() else { return };
        search.name = name;
        renaming.set(false);
        leptos::task::spawn_local(async move {
            let _ = actions::save_saved_search(state, search).await;
        });
    };
    let delete_saved = move |_| {
        let Some(search) = current_saved() else { return };
        let t = text.get_untracked();
        let people = as_people.get_untracked();
        leptos::task::spawn_local(async move {
            if actions::delete_saved_search(state, search.id).await.is_ok() {
                go.with_value(|g| g(&t, people, None, 1));
                state.notices.notify(
                    t_string!(i18n, search.deleted_notice, name = search.name.clone()).to_string(),
                    false,
                    None,
                );
            }
        });
    };

    let error_text = move || {
        parsed.with(|p| {
            p.as_ref().err().map(|e| t_string!(i18n, search.error, reason = e.to_string()).to_string())
        })
    };
    let builder_fits = move || parsed.with(|p| p.as_ref().ok().is_none_or(|q| q.conditions().is_some()));
    let pages = move || {
        let n = if as_people.get() { people_count() } else { email_count() };
        n.div_ceil(PAGE_SIZE as usize).max(1) as u32
    };

    let on_first = move || page.get() <= 1;
    let on_last = move || page.get() >= pages();
    view! {
        <section class="search" aria-labelledby="search-title">
            <h1 id="search-title">
                {move || match current_saved() {
                    Some(s) => s.name,
                    None => t_string!(i18n, search.title).to_string(),
                }}
            </h1>
            <form class="search-text" role="search" on:submit=move |ev| {
                ev.prevent_default();
                let t = draft.get_untracked();
                go.with_value(|g| g(&t, as_people.get_untracked(), None, 1));
            }>
                <label for="search-query">{t_string!(i18n, search.text_label).to_string()}</label>
                <div class="search-row">
                    <input
                        id="search-query"
                        type="search"
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                        aria-invalid=move || error_text().is_some().to_string()
                        aria-describedby="search-query-help"
                        placeholder=t_string!(i18n, search.placeholder)
                    />
                    <button type="submit" class="button primary">{t_string!(i18n, search.run).to_string()}</button>
                </div>
                <p id="search-query-help" class="hint" class:error=move || error_text().is_some() aria-live="polite">
                    {move || error_text().unwrap_or_else(|| t_string!(i18n, search.text_hint).to_string())}
                </p>
            </form>
            <Show when=builder_fits fallback=move || view! { <p class="hint">{t_string!(i18n, search.builder_cannot).to_string()}</p> }>
                <FilterBuilder rows=builder_rows on_change=on_builder />
            </Show>
            <div class="search-tools">
                <div role="radiogroup" aria-label=t_string!(i18n, search.show_as) class="toggle">
                    <button type="button" role="radio" aria-checked=move || (!as_people.get()).to_string()
                        on:click=move |_| go.with_value(|g| g(&text.get_untracked(), false, saved_id.get_untracked(), 1))>
                        {move || t_string!(i18n, search.emails, count = email_count() as u32).to_string()}
                    </button>
                    <button type="button" role="radio" aria-checked=move || as_people.get().to_string()
                        on:click=move |_| go.with_value(|g| g(&text.get_untracked(), true, saved_id.get_untracked(), 1))>
                        {move || t_string!(i18n, search.people, count = people_count() as u32).to_string()}
                    </button>
                </div>
                <Show when=move || saved_id.get().is_none() && parsed.with(Result::is_ok)>
                    <Show when=move || saving.get() fallback=move || view! {
                        <button type="button" class="button" on:click=move |_| saving.set(true)>{t_string!(i18n, search.save_as).to_string()}</button>
                    }>
                        <label for="save-name" class="visually-hidden">{t_string!(i18n, search.save_name).to_string()}</label>
                        <input id="save-name" type="text" placeholder=t_string!(i18n, search.save_name)
                            prop:value=move || save_name.get() on:input=move |ev| save_name.set(event_target_value(&ev)) />
                        <button type="button" class="button primary" on:click=save_as>{t_string!(i18n, search.save).to_string()}</button>
                    </Show>
                </Show>
                <Show when=move || saved_id.get().is_some()>
                    <Show when=move || renaming.get() fallback=move || view! {
                        <button type="button" class="button" on:click=move |_| { save_name.set(current_saved().map(|s| s.name).unwrap_or_default()); renaming.set(true); }>{t_string!(i18n, search.rename).to_string()}</button>
                    }>
                        <label for="rename" class="visually-hidden">{t_string!(i18n, search.save_name).to_string()}</label>
                        <input id="rename" type="text" prop:value=move || save_name.get() on:input=move |ev| save_name.set(event_target_value(&ev)) />
                        <button type="button" class="button primary" on:click=rename>{t_string!(i18n, search.save).to_string()}</button>
                    </Show>
                    <button type="button" class="button danger" on:click=delete_saved>{t_string!(i18n, actions.delete).to_string()}</button>
                </Show>
            </div>
            <Show when=move || !state.search.ready.get()>
                <p class="loading" role="status">{t_string!(i18n, search.preparing).to_string()}</p>
            </Show>
            <Show when=move || !selected_people.with(BTreeSet::is_empty)>
                <div class="selection-bar" role="toolbar" aria-label=t_string!(i18n, search.retarget)>
                    <span>{move || t_string!(i18n, search.people_selected, count = selected_people.with(|s| s.len()) as u32).to_string()}</span>
                    <button type="button" class="button primary" on:click=move |_| retarget_send.with_value(|f| f())>{t_string!(i18n, search.send_to_selected).to_string()}</button>
                    <label for="retarget-type">{t_string!(i18n, tasks.type_label).to_string()}</label>
                    <select id="retarget-type" prop:value=move || task_type.get() on:change=move |ev| task_type.set(event_target_value(&ev))>
                        {TaskType::ALL.into_iter().map(|ty| view! { <option value=ty.name()>{move || labels::task_type(i18n, ty)}</option> }).collect_view()}
                    </select>
                    <button type="button" class="button" on:click=retarget_tasks>{t_string!(i18n, search.task_each).to_string()}</button>
                    <button type="button" class="button ghost" on:click=move |_| selected_people.set(BTreeSet::new())>{t_string!(i18n, list.clear_selection).to_string()}</button>
                </div>
            </Show>
            <div class="results" aria-live="polite">
                {move || if as_people.get() {
                    let people = people_rows();
                    if people.is_empty() {
                        return view! { <p class="empty">{t_string!(i18n, search.no_people).to_string()}</p> }.into_any();
                    }
                    let all_ids: Vec<PersonId> = answer.with(|a| a.as_ref().map(|(_, p)| p.clone()).unwrap_or_default());
                    view! {
                        <div class="table-scroll">
                        <table class="people-list">
                            <thead><tr>
                                <th scope="col" class="select">
                                    <input type="checkbox" aria-label=t_string!(i18n, search.select_all_people)
                                        prop:checked=move || { let n = all_ids.len(); n > 0 && selected_people.with(|s| s.len() >= n.min(MAX_RETARGET)) }
                                        on:change={
                                            let all_ids = answer.with(|a| a.as_ref().map(|(_, p)| p.clone()).unwrap_or_default());
                                            move |ev| if event_target_checked(&ev) {
                                                selected_people.set(all_ids.iter().take(MAX_RETARGET).copied().collect());
                                            } else {
                                                selected_people.set(BTreeSet::new());
                                            }
                                        } />
                                </th>
                                <th scope="col">{t_string!(i18n, search.person).to_string()}</th>
                                <th scope="col">{t_string!(i18n, filters.company).to_string()}</th>
                                <th scope="col">{t_string!(i18n, filters.tag).to_string()}</th>
                            </tr></thead>
                            <tbody>
                                {people.into_iter().map(|p| {
                                    let id = p.id;
                                    let name = p.display_name();
                                    let label = t_string!(i18n, list.select_row, who = name.clone()).to_string();
                                    view! {
                                        <tr class:new=move || opened_new.with(|n| n.contains(&id))>
                                            <td class="select"><input type="checkbox" aria-label=label
                                                prop:checked=move || selected_people.with(|s| s.contains(&id))
                                                on:change=move |_| selected_people.update(|s| if !s.remove(&id) && s.len() < MAX_RETARGET { s.insert(id); }) /></td>
                                            <td class="who">
                                                <a class="name" href=format!("/people/{id}")>{name}</a>
                                                <span class="address">{p.email.to_string()}</span>
                                                <Show when=move || opened_new.with(|n| n.contains(&id))>
                                                    <span class="badge">{t_string!(i18n, search.new_badge).to_string()}</span>
                                                </Show>
                                            </td>
                                            <td>{p.company.clone()}</td>
                                            <td>{p.tags.iter().cloned().collect::<Vec<_>>().join(", ")}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any()
                } else {
                    if email_count() == 0 {
                        return view! { <p class="empty">{t_string!(i18n, search.no_emails).to_string()}</p> }.into_any();
                    }
                    view! {
                        <div class="table-scroll">
                            <EmailList
                                rows=email_rows
                                folder=Signal::derive(|| None)
                                selected=selected_emails
                                sort=Signal::derive(|| Order { key: SortKey::Date, descending: true })
                                on_sort=Callback::new(|_| {})
                                on_action=on_action
                            />
                        </div>
                    }.into_any()
                }}
            </div>
            <Pager on_first=Signal::derive(on_first) on_last=Signal::derive(on_last) step=Callback::new(move |delta: i32| {
                let to = (page.get_untracked() as i64 + delta as i64).max(1) as u32;
                go.with_value(|g| g(&text.get_untracked(), as_people.get_untracked(), saved_id.get_untracked(), to));
            })>
                <span class="range">{move || t_string!(i18n, search.page, n = page.get(), total = pages()).to_string()}</span>
            </Pager>
        </section>
    }
}
