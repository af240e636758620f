//! People: the list (`/people`: search by name, address or company, sorted, a page at a time, from the
//! people already in memory) and one person's page (`/people/{id}`): their details and local time, every
//! email to them with its folder, one engagement timeline across those emails (each view and click marked
//! human or machine), their tasks, the saved searches and campaigns they are in, and what to do next
//! (write to them, a new task, a follow-up from an event).

use std::collections::BTreeSet;

use domain::people_list::{ListedPerson, PeopleSort, list_people};
use domain::{EngagementEvent, Person, PersonId};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::components::follow_up::FollowUpButton;
use crate::components::labels;
use crate::components::pager::Pager;
use crate::components::reply::ReplyBody;
use crate::format::{date, date_time, folded};
use crate::i18n::*;
use crate::state::use_app;
use crate::storage::EmailRecord;

/// How many people one page of the list shows.
pub const PAGE: usize = 50;

/// A person's time zone as the rep reads it ("America/Sao Paulo"), or that it is not known.
fn zone_name(i18n: leptos_i18n::I18nContext<Locale>, zone: &str) -> String {
    if zone.is_empty() { t_string!(i18n, people.zone_unknown).to_string() } else { zone.replace('_', " ") }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let query = use_query_map();
    let navigate = use_navigate();
    let text = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let sort = Memo::new(move |_| {
        query.with(|q| q.get("sort").and_then(|s| PeopleSort::from_name(&s)).unwrap_or_default())
    });
    let descending = Memo::new(move |_| query.with(|q| q.get("desc").is_some()));
    let page = Memo::new(move |_| {
        query.with(|q| q.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1))
    });
    // Every person folded once, again only when people change.
    let listed = Memo::new(move |_| {
        state
            .directory
            .people
            .with(|all| all.values().map(|p| ListedPerson::new(p, folded)).collect::<Vec<_>>())
    });
    let found = Memo::new(move |_| {
        let search = folded(&text.get());
        listed.with(|all| {
            list_people(all, &search, sort.get(), descending.get())
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        })
    });
    let go = StoredValue::new_local(move |q: &str, sort: PeopleSort, descending: bool, page: usize| {
        let mut url = format!("/people?q={}", crate::pages::search::encode(q));
        if sort != PeopleSort::Name {
            url.push_str(&format!("&sort={}", sort.name()));
        }
        if descending {
            url.push_str("&desc=1");
        }
        if page > 1 {
            url.push_str(&format!("&page={page}"));
        }
        navigate(&url, NavigateOptions { replace: true, ..NavigateOptions::default() });
    });
    let total = move || found.with(Vec::len);
    let pages = move || total().div_ceil(PAGE).max(1);
    let shown = move || {
        let start = (page.get().min(pages()) - 1) * PAGE;
        let ids: Vec<PersonId> = found.with(|f| f.iter().skip(start).take(PAGE).copied().collect());
        state
            .directory
            .people
            .with(|all| ids.iter().filter_map(|id| all.get(id).cloned()).collect::<Vec<Person>>())
    };
    let on_first = move || page.get() <= 1;
    let on_last = move || page.get() >= pages();
    let locale = move || tag(i18n.get_locale());
    let range = move || {
        let n = total();
        let from = if n == 0 { 0 } else { (page.get().min(pages()) - 1) * PAGE + 1 };
        let to = (from + PAGE - 1).min(n);
        let number = |n: usize| crate::format::number(n as u64, locale());
        t_string!(i18n, people.shown, from = number(from), to = number(to), total = number(n)).to_string()
    };
    let heading = move |key: PeopleSort, label: String| {
        let aria_sort = move || match (sort.get() == key, descending.get()) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        };
        view! {
            <th scope="col" aria-sort=aria_sort>
                <button type="button" class="sort" on:click=move |_| {
                    let again = sort.get_untracked() == key;
                    go.with_value(|g| g(&text.get_untracked(), key, again && !descending.get_untracked(), 1));
                }>{label}</button>
            </th>
        }
    };

    view! {
        <section class="people" aria-labelledby="people-title">
            <h1 id="people-title">{t_string!(i18n, people.title).to_string()}</h1>
            <div class="people-search" role="search">
                <label for="people-q">{t_string!(i18n, people.search).to_string()}</label>
                <input id="people-q" type="search" autocomplete="off"
                    placeholder=t_string!(i18n, people.placeholder)
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let q = event_target_value(&ev);
                        go.with_value(|g| g(&q, sort.get_untracked(), descending.get_untracked(), 1));
                    } />
                <span class="range" role="status">{range}</span>
            </div>
            {move || {
                let people = shown();
                if people.is_empty() {
                    let words = if state.directory.people.with(|p| p.is_empty()) {
                        t_string!(i18n, people.empty).to_string()
                    } else {
                        t_string!(i18n, people.none).to_string()
                    };
                    return view! { <p class="empty">{words}</p> }.into_any();
                }
                view! {
                    <div class="table-scroll">
                        <table class="people-list">
                            <thead><tr>
                                {heading(PeopleSort::Name, t_string!(i18n, people.name).to_string())}
                                {heading(PeopleSort::Email, t_string!(i18n, people.email).to_string())}
                                {heading(PeopleSort::Company, t_string!(i18n, people.company).to_string())}
                                <th scope="col">{t_string!(i18n, people.job_title).to_string()}</th>
                                <th scope="col">{t_string!(i18n, people.time_zone).to_string()}</th>
                            </tr></thead>
                            <tbody>
                                {people.into_iter().map(|p| view! {
                                    <tr>
                                        <td class="who"><a class="name" href=format!("/people/{}", p.id)>{p.display_name()}</a></td>
                                        <td>{p.email.to_string()}</td>
                                        <td>{p.company.clone()}</td>
                                        <td>{p.title.clone()}</td>
                                        <td>{zone_name(i18n, &p.time_zone)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <Pager on_first=Signal::derive(on_first) on_last=Signal::derive(on_last) step=Callback::new(move |delta: i32| {
                let to = (page.get_untracked() as i64 + delta as i64).max(1) as usize;
                go.with_value(|g| g(&text.get_untracked(), sort.get_untracked(), descending.get_untracked(), to));
            }) />
        </section>
    }
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<PersonId>().ok())));
    let person = Memo::new(move |_| {
        let id = id.get()?;
        state.directory.people.with(|all| all.get(&id).cloned())
    });
    // Their emails (newest first) and every event of those emails (oldest first), from the cache.
    let loaded = crate::state::load(move || {
        state.revision.track();
        let address = person.with(|p| p.as_ref().map(|p| p.email.clone()));
        let cache = state.cache();
        async move {
            let address = address?;
            let emails = cache.emails_to(&address).await.unwrap_or_default();
            state.unreadable(&emails.skipped);
            let mut emails = emails.items;
            emails.sort_by_key(|r| std::cmp::Reverse(r.email.folder_instant()));
            let ids: Vec<_> = emails.iter().map(|r| r.email.id).collect();
            let events = cache.events_of_many(&ids).await.unwrap_or_default();
            state.unreadable(&events.skipped);
            Some((emails, events.items))
        }
    });
    let locale = move || tag(i18n.get_locale());

    move || {
        let Some(person) = person.get() else {
            return view! {
                <section class="person-page">
                    <h1>{t_string!(i18n, people.not_found).to_string()}</h1>
                    <p><a href="/people">{t_string!(i18n, people.title).to_string()}</a></p>
                </section>
            }
            .into_any();
        };
        let id = person.id;
        let zone = state.time_zone();
        let name = person.display_name();
        let local_time = if person.time_zone.is_empty() {
            t_string!(i18n, people.zone_unknown).to_string()
        } else {
            date_time(state.now(), locale(), &person.time_zone)
        };
        let tasks = state.tasks.with(|all| {
            let mut tasks: Vec<_> = all.values().filter(|t| t.person == Some(id)).cloned().collect();
            tasks.sort_by_key(|t| (!t.is_open(), t.due.date, t.due.time));
            tasks
        });
        let searches: Vec<(domain::SavedSearchId, String)> = state.search.saved.with(|all| {
            all.iter()
                .filter(|s| state.search.members(s.id).contains(&id))
                .map(|s| (s.id, s.name.clone()))
                .collect()
        });
        let compose = format!("/compose?to={}", crate::pages::search::encode(person.email.as_str()));
        view! {
            <article class="person-page" aria-labelledby="person-name">
                <p class="back"><a href="/people">{t_string!(i18n, people.title).to_string()}</a></p>
                <h1 id="person-name">{name.clone()}</h1>
                <dl class="headers">
                    <dt>{t_string!(i18n, people.email).to_string()}</dt><dd>{person.email.to_string()}</dd>
                    {(!person.company.is_empty()).then(|| view! { <dt>{t_string!(i18n, people.company).to_string()}</dt><dd>{person.company.clone()}</dd> })}
                    {(!person.title.is_empty()).then(|| view! { <dt>{t_string!(i18n, people.job_title).to_string()}</dt><dd>{person.title.clone()}</dd> })}
                    {(!person.phone.is_empty()).then(|| view! { <dt>{t_string!(i18n, people.phone).to_string()}</dt><dd>{person.phone.clone()}</dd> })}
                    <dt>{t_string!(i18n, people.time_zone).to_string()}</dt>
                    <dd>{zone_name(i18n, &person.time_zone)}</dd>
                    <dt>{t_string!(i18n, people.local_time).to_string()}</dt><dd>{local_time}</dd>
                </dl>
                <div class="actions-bar" role="toolbar" aria-label=t_string!(i18n, list.actions)>
                    <a class="button primary" href=compose>{t_string!(i18n, people.write).to_string()}</a>
                    <a class="button" href=format!("/tasks?new=1&person={id}")>{t_string!(i18n, people.new_task).to_string()}</a>
                </div>
                {move || loaded.get().flatten().map(|(emails, events)| {
                    let zone = zone.clone();
                    view! { <PersonEmails emails=emails events=events zone=zone /> }
                })}
                <section aria-labelledby="person-tasks">
                    <h2 id="person-tasks">{t_string!(i18n, people.tasks).to_string()}</h2>
                    {if tasks.is_empty() {
                        view! { <p class="empty">{t_string!(i18n, people.no_tasks).to_string()}</p> }.into_any()
                    } else {
                        view! { <ul class="person-tasks">{tasks.into_iter().map(|t| {
                            let state_word = if t.is_open() { t_string!(i18n, people.open).to_string() } else { t_string!(i18n, people.done).to_string() };
                            view! {
                                <li class:done=!t.is_open()>
                                    <span class="what">{t.title.clone()}</span>
                                    <span class="detail">{format!("{} · {} · {}", labels::task_type(i18n, t.task_type), date(t.due.date, locale()), state_word)}</span>
                                </li>
                            }
                        }).collect_view()}</ul> }.into_any()
                    }}
                </section>
                <section aria-labelledby="person-searches">
                    <h2 id="person-searches">{t_string!(i18n, people.searches).to_string()}</h2>
                    {if searches.is_empty() {
                        view! { <p class="empty">{t_string!(i18n, people.no_searches).to_string()}</p> }.into_any()
                    } else {
                        view! { <ul>{searches.into_iter().map(|(sid, name)| view! {
                            <li><a href=format!("/search?as=people&saved={sid}")>{name}</a></li>
                        }).collect_view()}</ul> }.into_any()
                    }}
                </section>
            </article>
        }
        .into_any()
    }
}

/// A person's emails, the campaigns they were sent in, and one timeline of every event of those emails.
#[component]
fn PersonEmails(emails: Vec<EmailRecord>, events: Vec<EngagementEvent>, zone: String) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let locale = move || tag(i18n.get_locale());
    let campaigns: BTreeSet<String> = state.directory.campaigns.with(|all| {
        emails
            .iter()
            .filter_map(|r| r.email.campaign.and_then(|c| all.get(&c)).map(|c| c.name.clone()))
            .collect()
    });
    let subject_of = |id| {
        emails
            .iter()
            .find(|r| r.email.id == id)
            .map(|r| r.email.subject.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| t_string!(i18n, list.no_subject).to_string())
    };
    let moments: Vec<(EngagementEvent, String)> = events
        .into_iter()
        .rev()
        .map(|e| {
            let s = subject_of(e.email);
            (e, s)
        })
        .collect();
    let when = {
        let zone = zone.clone();
        move |at| date_time(at, locale(), &zone)
    };
    let rows = emails.into_iter().map(|record| {
        let email = record.email;
        let subject = if email.subject.is_empty() { t_string!(i18n, list.no_subject).to_string() } else { email.subject.clone() };
        let folder = email.folder();
        view! {
            <tr>
                <td class="subject"><a href=format!("/email/{}", email.id)>{subject}</a></td>
                <td><span class=format!("status status-{}", folder.sub_slug())>{labels::folder(i18n, folder)}</span></td>
                <td>{labels::human_counts(i18n, &record.engagement).join(" · ")}</td>
                <td>{when(email.folder_instant())}</td>
            </tr>
        }
    }).collect_view();
    view! {
        <section aria-labelledby="person-campaigns">
            <h2 id="person-campaigns">{t_string!(i18n, people.campaigns).to_string()}</h2>
            {if campaigns.is_empty() {
                view! { <p class="empty">{t_string!(i18n, people.no_campaigns).to_string()}</p> }.into_any()
            } else {
                view! { <ul class="campaigns">{campaigns.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section aria-labelledby="person-emails">
            <h2 id="person-emails">{t_string!(i18n, people.emails).to_string()}</h2>
            <div class="table-scroll">
                <table class="email-list person-emails">
                    <thead><tr>
                        <th scope="col">{t_string!(i18n, list.subject).to_string()}</th>
                        <th scope="col">{t_string!(i18n, list.status).to_string()}</th>
                        <th scope="col">{t_string!(i18n, email.engagement).to_string()}</th>
                        <th scope="col">{t_string!(i18n, list.date).to_string()}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        <section class="timeline" aria-labelledby="person-timeline">
            <h2 id="person-timeline">{t_string!(i18n, people.timeline).to_string()}</h2>
            {if moments.is_empty() {
                view! { <p class="empty">{t_string!(i18n, people.no_events).to_string()}</p> }.into_any()
            } else {
                view! { <ol>{moments.into_iter().map(|(event, subject)| {
                    let at = event.at;
                    let mark = event.verdict.map(|v| (v.human, labels::verdict_mark(i18n, &v)));
                    let machine = mark.as_ref().is_some_and(|(human, _)| !human);
                    let email = event.email;
                    view! {
                        <li class:machine=machine>
                            <time datetime=at.to_rfc3339()>{when(at)}</time>
                            <span class="what">{crate::pages::email::as_heading(labels::event(i18n, &event.kind))}</span>
                            <a class="detail" href=format!("/email/{email}")>{t_string!(i18n, people.on_email, subject = subject).to_string()}</a>
                            {mark.map(|(human, text)| view! { <span class="mark" class:human=human>{text}</span> })}
                            <ReplyBody event=event.clone() />
                            <FollowUpButton event=event />
                        </li>
                    }
                }).collect_view()}</ol> }.into_any()
            }}
        </section>
    }
}
