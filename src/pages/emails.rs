//! The email command center: the three main tabs, their sub-tabs, and the folder's list with its quick
//! actions, selection and paging.
//!
//! The folder comes from the URL (`/emails/pending/scheduled`) and the order and page from its query
//! (`?sort=recipient&dir=asc&page=3`), so links, back and reload all work. Rows are read from the cache
//! one page at a time through the folder's index, whatever the folder's size.

use std::collections::HashSet;

use domain::sync::Operation;
use domain::{EmailId, Folder, MainTab, Order, QuickAction, SortKey};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::components::email_list::{EmailList, rows};
use crate::components::folder_tabs::FolderTabs;
use crate::components::labels;
use crate::i18n::*;
use crate::state::actions::{self, Outcome};
use crate::state::{AppState, use_app};
use crate::storage::last_screen;

/// Rows per page.
pub const PAGE_SIZE: u32 = 50;

/// Reads the folder from the URL; `/emails` opens Sent › Delivered and `/emails/pending` its first sub-tab.
fn folder_from_params(tab: Option<String>, sub: Option<String>) -> Option<Folder> {
    match (tab.as_deref(), sub.as_deref()) {
        (None, _) => Some(Folder::HOME),
        (Some(tab), None) => MainTab::ALL.into_iter().find(|t| t.slug() == tab).map(MainTab::default_folder),
        (Some(tab), Some(sub)) => Folder::from_slugs(tab, sub).ok(),
    }
}

/// Runs a quick action on `ids` and tells the rep what came of it.
pub fn run_action(
    state: AppState,
    i18n: leptos_i18n::I18nContext<Locale>,
    navigate: &dyn Fn(&str, NavigateOptions),
    action: QuickAction,
    ids: Vec<EmailId>,
) {
    match action {
        QuickAction::Edit => {
            if let Some(id) = ids.first() {
                navigate(&format!("/compose/{id}"), NavigateOptions::default());
            }
            return;
        }
        QuickAction::FollowUp => {
            if let Some(id) = ids.first() {
                navigate(&format!("/compose?followup={id}"), NavigateOptions::default());
            }
            return;
        }
        QuickAction::CreateTask => {
            if let Some(id) = ids.first() {
                navigate(&format!("/tasks?new=1&email={id}"), NavigateOptions::default());
            }
            return;
        }
        _ => {}
    }
    leptos::task::spawn_local(async move {
        let result = actions::email_action(state, &ids, |email| operation(action, email.id)).await;
        report(state, i18n, action, result);
    });
}

/// The operation a quick action queues.
fn operation(action: QuickAction, email: EmailId) -> Operation {
    match action {
        QuickAction::Archive => Operation::Archive { email },
        QuickAction::MarkSuccess => Operation::MarkSuccess { email },
        QuickAction::Unarchive => Operation::Unarchive { email },
        QuickAction::Delete => Operation::DeleteEmail { email },
        QuickAction::SendNow => Operation::SendNow { email },
        QuickAction::Unschedule | QuickAction::StopSending => Operation::Unschedule { email },
        QuickAction::Retry => Operation::Retry { email },
        QuickAction::Edit | QuickAction::FollowUp | QuickAction::CreateTask => {
            Operation::MarkSuccess { email }
        }
    }
}

fn report(
    state: AppState,
    i18n: leptos_i18n::I18nContext<Locale>,
    action: QuickAction,
    result: Result<Outcome, actions::ActionError>,
) {
    match result {
        Ok(outcome) => {
            if outcome.applied > 0 {
                state.notices.notify(labels::action_done(i18n, action, outcome.applied), false, outcome.undo);
            }
            if let Some((_, error)) = outcome.refused.first() {
                let text = t_string!(i18n, done.refused, count = outcome.refused.len() as u32).to_string();
                state.notices.notify(format!("{text} {}", labels::refusal(i18n, error)), true, None);
            }
        }
        Err(err) => state.notices.notify(
            t_string!(i18n, errors.storage, reason = err.to_string()).to_string(),
            true,
            None,
        ),
    }
}

#[component]
pub fn EmailsPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let params = use_params_map();
    let query = use_query_map();
    let folder = Memo::new(move |_| params.with(|p| folder_from_params(p.get("tab"), p.get("sub"))));
    let sort = Memo::new(move |_| {
        let f = folder.get().unwrap_or(Folder::HOME);
        query.with(|q| Order::from_query(q.get("sort").as_deref(), q.get("dir").as_deref(), f))
    });
    let page = Memo::new(move |_| {
        query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1))
    });
    let selected = RwSignal::new(HashSet::<EmailId>::new());
    Effect::new(move |_| {
        folder.track();
        selected.set(HashSet::new());
    });

    let list = crate::state::load(move || {
        let folder = folder.get();
        let order = sort.get();
        let page = page.get();
        state.revision.track();
        let cache = state.cache();
        async move {
            last_screen::not_showing();
            let Some(folder) = folder else { return Default::default() };
            let generation = last_screen::generation();
            let read = cache.folder_page(folder, order, (page - 1) * PAGE_SIZE, PAGE_SIZE).await;
            crate::mark("cc-folder-read");
            // The screen the next visit may start with: a first page in the folder's default order.
            if read.is_ok() && page == 1 && order == folder.default_order() {
                last_screen::showing(folder, generation);
            }
            read.unwrap_or_default()
        }
    });
    on_cleanup(last_screen::not_showing);
    let shown = Signal::derive(move || {
        let records = list.get().map(|l| l.items).unwrap_or_default();
        state.directory.people.with(|people| {
            state.directory.by_address.with(|by_address| {
                state.directory.campaigns.with(|campaigns| rows(records, people, by_address, campaigns))
            })
        })
    });
    Effect::new(move |_| {
        if let Some(loaded) = list.get() {
            state.unreadable(&loaded.skipped);
            if !state.settled.get_untracked() {
                state.settled.set(true);
            }
        }
    });

    let navigate = use_navigate();
    let go = move |order: Order, page: u32| {
        let Some(f) = folder.get_untracked() else { return };
        let (sort, dir) = (order.key.slug(), order.dir_slug());
        navigate(&format!("/emails/{f}?sort={sort}&dir={dir}&page={page}"), NavigateOptions::default());
    };
    let go_sort = go.clone();
    let on_sort = Callback::new(move |key: SortKey| {
        go_sort(sort.get_untracked().toggled(key), 1);
    });
    let navigate_to = use_navigate();
    let on_action = Callback::new(move |(action, ids): (QuickAction, Vec<EmailId>)| {
        run_action(state, i18n, &navigate_to, action, ids);
    });

    let total = move || folder.get().map(|f| state.counts.with(|c| c.folder(f))).unwrap_or(0);
    let pages = move || total().div_ceil(u64::from(PAGE_SIZE)).max(1) as u32;
    let locale = move || tag(i18n.get_locale());
    let range = move || {
        let first = u64::from((page.get() - 1) * PAGE_SIZE) + 1;
        let last = (first + u64::from(PAGE_SIZE) - 1).min(total());
        t_string!(
            i18n,
            list.range,
            first = crate::format::number(first, locale()),
            last = crate::format::number(last, locale()),
            total = crate::format::number(total(), locale())
        )
        .to_string()
    };
    let on_first = move || page.get() <= 1;
    let on_last = move || page.get() >= pages();
    let has_rows = move || total() > 0 || !shown.with(Vec::is_empty);
    let go_prev = go.clone();
    let go_next = go.clone();
    let previous = move |_: leptos::ev::MouseEvent| {
        go_prev(sort.get_untracked(), page.get_untracked().saturating_sub(1).max(1))
    };
    let next = move |_: leptos::ev::MouseEvent| go_next(sort.get_untracked(), page.get_untracked() + 1);

    // Quick actions that apply to the whole selection: those every email of the folder's status offers.
    let bulk_actions = move || {
        let Some(f) = folder.get() else { return Vec::new() };
        shown.with(|rows| {
            let mut offered: Option<Vec<QuickAction>> = None;
            for row in rows.iter().filter(|r| selected.with(|s| s.contains(&r.record.email.id))) {
                let mine = row.record.email.quick_actions(state.now());
                offered = Some(match offered {
                    None => mine,
                    Some(o) => o.into_iter().filter(|a| mine.contains(a)).collect(),
                });
            }
            let _ = f;
            offered
                .unwrap_or_default()
                .into_iter()
                .filter(|a| !matches!(a, QuickAction::Edit | QuickAction::FollowUp | QuickAction::CreateTask))
                .collect::<Vec<_>>()
        })
    };

    let valid = Memo::new(move |_| folder.with(Option::is_some));
    let current = move || folder.get().unwrap_or(Folder::HOME);
    move || match valid.get() {
        true => {
            let (previous, next) = (previous.clone(), next.clone());
            view! {
            <section class="emails" aria-labelledby="emails-title">
                <h1 id="emails-title" class="visually-hidden">{t_string!(i18n, nav.emails).to_string()}</h1>
                <FolderTabs folder=Signal::derive(current) counts=state.counts />
                <div
                    class="folder-panel"
                    role="tabpanel"
                    id="folder-panel"
                    aria-labelledby=move || format!("tab-{}", current().sub_slug())
                >
                    <Show when=move || !selected.with(HashSet::is_empty)>
                        <div class="selection-bar" role="toolbar" aria-label=t_string!(i18n, list.selection)>
                            <span>{move || t_string!(i18n, list.selected, count = selected.with(|s| s.len()) as u32).to_string()}</span>
                            {move || bulk_actions().into_iter().map(|action| view! {
                                <button
                                    type="button"
                                    class="button"
                                    class:danger={action == QuickAction::Delete}
                                    on:click=move |_| {
                                        let ids: Vec<EmailId> = selected.get_untracked().into_iter().collect();
                                        selected.set(HashSet::new());
                                        on_action.run((action, ids));
                                    }
                                >
                                    {move || labels::action(i18n, action)}
                                </button>
                            }).collect_view()}
                            <button type="button" class="button ghost" on:click=move |_| selected.set(HashSet::new())>
                                {t_string!(i18n, list.clear_selection).to_string()}
                            </button>
                        </div>
                    </Show>
                    <Show
                        when=has_rows
                        fallback=move || view! {
                            <p class="empty">{move || t_string!(i18n, list.empty, folder = labels::folder(i18n, current())).to_string()}</p>
                        }
                    >
                        <div class="table-scroll">
                        <EmailList
                            rows=shown
                            folder=Signal::derive(move || folder.get())
                            selected=selected
                            sort=sort
                            on_sort=on_sort
                            on_action=on_action
                        />
                        </div>
                        <nav class="pager" aria-label=t_string!(i18n, list.pages)>
                            <span class="range">{range}</span>
                            <button
                                type="button"
                                class="button"
                                disabled=on_first
                                on:click=previous.clone()
                            >
                                {t_string!(i18n, list.previous).to_string()}
                            </button>
                            <button
                                type="button"
                                class="button"
                                disabled=on_last
                                on:click=next.clone()
                            >
                                {t_string!(i18n, list.next).to_string()}
                            </button>
                        </nav>
                    </Show>
                    {move || (current() == Folder::InProgress && total() > 0).then(|| view! {
                        <p class="notice-inline">{t_string!(i18n, list.in_progress_note).to_string()}</p>
                    })}
                </div>
            </section>
        }
        .into_any()
        }
        false => view! {
            <section class="emails">
                <h1>{t_string!(i18n, list.no_such_folder).to_string()}</h1>
                <p>
                    {t_string!(i18n, list.no_such_folder_text).to_string()} " "
                    <a href="/emails/sent/delivered">{t_string!(i18n, list.open_delivered).to_string()}</a>
                </p>
            </section>
        }
        .into_any(),
    }
}
