//! The widget's page (`/embed/contact?email=…&name=…&company=…`), framed by a CRM page through
//! `embed.js`: the contact's compact page in a column 320–400 px wide — their emails with statuses and
//! engagement, their open tasks (done in a click), a new task, and an email written and sent from there.
//! A contact the rep does not have yet is offered to be created, with what the host knows of them.
//!
//! It talks to the element that frames it by messages only: it says when it is ready and how tall it is;
//! the element says which contact to show (a single-page CRM switching contact), and the page follows
//! without reloading. It runs from the app's own origin, session and cache: what is done here shows in the
//! app's tab through the same cache and change feed, and the other way round.

use domain::sync::Operation;
use domain::task::{Due, Origin, Task, TaskType, local_today};
use domain::{Email, EmailAddress, EmailId, EmailKind, Person, PersonId, TaskId};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::components::labels;
use crate::format::date;
use crate::i18n::*;
use crate::state::{actions, use_app};

/// Says `message` to the page that frames this one (nothing when it is not framed).
fn tell_host(message: &[(&str, wasm_bindgen::JsValue)]) {
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else { return };
    let object = js_sys::Object::new();
    for (key, value) in message {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), value);
    }
    // Only a size and a readiness go out: nothing the host could not see anyway.
    let _ = parent.post_message(&object, "*");
}

/// The height of the page's content, for the host to give the frame.
fn content_height() -> f64 {
    document().document_element().map(|e| e.scroll_height() as f64).unwrap_or(0.0)
}

#[component]
pub fn EmbedContact() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let query = use_query_map();
    let navigate = use_navigate();
    let field = move |name: &'static str| Memo::new(move |_| query.with(|q| q.get(name).unwrap_or_default()));
    let (email, name, company) = (field("email"), field("name"), field("company"));

    // The host switches contact: follow it here, without a reload.
    let follow = window_event_listener(leptos::ev::message, move |event| {
        let from_host = web_sys::window()
            .and_then(|w| w.parent().ok().flatten())
            .zip(event.source())
            .is_some_and(|(parent, source)| js_sys::Object::is(&parent, &source));
        let data = event.data();
        let text = |key: &str| js_sys::Reflect::get(&data, &key.into()).ok().and_then(|v| v.as_string());
        if !from_host || text("type").as_deref() != Some("cc-contact") {
            return;
        }
        let params: Vec<String> = ["email", "name", "company"]
            .iter()
            .map(|k| format!("{k}={}", crate::pages::search::encode(&text(k).unwrap_or_default())))
            .collect();
        navigate(
            &format!("/embed/contact?{}", params.join("&")),
            NavigateOptions { replace: true, ..Default::default() },
        );
    });
    // Its height, whenever it changes.
    let resized = Closure::<dyn FnMut()>::new(move || {
        tell_host(&[("type", "cc-height".into()), ("height", content_height().into())])
    });
    let observer = web_sys::ResizeObserver::new(resized.as_ref().unchecked_ref()).ok();
    if let (Some(observer), Some(body)) = (&observer, document().body()) {
        observer.observe(&body);
    }
    resized.forget();
    tell_host(&[("type", "cc-ready".into())]);
    on_cleanup(move || {
        follow.remove();
        if let Some(observer) = observer {
            observer.disconnect();
        }
    });

    let address = Memo::new(move |_| EmailAddress::parse(&email.get()).ok());
    let person = Memo::new(move |_| {
        state.directory.people.track();
        address.get().and_then(|a| state.directory.person_by_address(&a))
    });
    move || {
        let Some(address) = address.get() else {
            return view! { <p class="embed-note">{t_string!(i18n, embed.no_contact).to_string()}</p> }
                .into_any();
        };
        if !state.directory.loaded.get() {
            return view! { <p class="loading">{t_string!(i18n, common.loading).to_string()}</p> }.into_any();
        }
        match person.get() {
            Some(person) => view! { <ContactCard person=person /> }.into_any(),
            None => view! { <NewContact address=address name=name.get() company=company.get() /> }.into_any(),
        }
    }
}

/// A contact the rep does not have: create them, with what the host knows.
#[component]
fn NewContact(address: EmailAddress, name: String, company: String) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let (first, last) = name
        .trim()
        .split_once(' ')
        .map(|(f, l)| (f.to_string(), l.to_string()))
        .unwrap_or((name.trim().to_string(), String::new()));
    let first = RwSignal::new(first);
    let last = RwSignal::new(last);
    let company = RwSignal::new(company);
    let shown = address.to_string();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut person = Person::new(PersonId(actions::new_id()), address.clone());
        person.first_name = first.get_untracked().trim().to_string();
        person.last_name = last.get_untracked().trim().to_string();
        person.company = company.get_untracked().trim().to_string();
        leptos::task::spawn_local(async move {
            if let Err(e) = actions::save_people(state, vec![person]).await {
                state.notices.notify(e.to_string(), true, None);
            }
        });
    };
    let input = |id: &'static str, label: String, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </div>
        }
    };
    view! {
        <section class="embed-card" aria-labelledby="embed-new">
            <h1 id="embed-new">{shown}</h1>
            <p>{t_string!(i18n, embed.unknown).to_string()}</p>
            <form on:submit=create>
                {input("embed-first", t_string!(i18n, embed.first_name).to_string(), first)}
                {input("embed-last", t_string!(i18n, embed.last_name).to_string(), last)}
                {input("embed-company", t_string!(i18n, people.company).to_string(), company)}
                <button type="submit" class="button primary">{t_string!(i18n, embed.create).to_string()}</button>
            </form>
        </section>
    }
}

/// A contact the rep has: their emails, open tasks, a new task and an email to them.
#[component]
fn ContactCard(person: Person) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let locale = move || tag(i18n.get_locale());
    let id = person.id;
    let address = person.email.clone();
    let emails = crate::state::load({
        let address = address.clone();
        move || {
            state.revision.track();
            let cache = state.cache();
            let address = address.clone();
            async move {
                let mut emails = cache.emails_to(&address).await.unwrap_or_default().items;
                emails.sort_by_key(|r| std::cmp::Reverse(r.email.folder_instant()));
                emails
            }
        }
    });
    let tasks = move || {
        state.tasks.with(|all| {
            let mut open: Vec<Task> =
                all.values().filter(|t| t.person == Some(id) && t.is_open()).cloned().collect();
            open.sort_by_key(|t| (t.due.date, t.due.time));
            open
        })
    };
    let complete = move |task: Task| {
        let mut task = task;
        if task.complete(state.now()) {
            leptos::task::spawn_local(async move {
                if let Err(e) = actions::save_tasks(state, vec![task]).await {
                    state.notices.notify(e.to_string(), true, None);
                }
            });
        }
    };
    let new_task = RwSignal::new(String::new());
    let add_task = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let title = new_task.get_untracked();
        let now = state.now();
        let due = Due::on(local_today(now, state.tz()));
        match Task::new(TaskId(actions::new_id()), TaskType::Call, &title, due, Origin::Manual, now) {
            Ok(mut task) => {
                task.person = Some(id);
                new_task.set(String::new());
                leptos::task::spawn_local(async move {
                    if let Err(e) = actions::save_tasks(state, vec![task]).await {
                        state.notices.notify(e.to_string(), true, None);
                    }
                });
            }
            Err(e) => state.notices.notify(labels::task_error(i18n, &e), true, None),
        }
    };
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let sent: RwSignal<Option<String>> = RwSignal::new(None);
    let send = {
        let address = address.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(sender) =
                state.session.with_untracked(|s| s.as_ref().and_then(|s| EmailAddress::parse(&s.email).ok()))
            else {
                return;
            };
            let now = chrono::Utc::now();
            let email_id = EmailId(actions::new_id());
            let mut email = Email::new(email_id, sender, address.clone(), EmailKind::Single, now);
            email.person = Some(id);
            email.subject = subject.get_untracked().trim().to_string();
            email.text_body = body.get_untracked();
            email.html_body = email
                .text_body
                .split("\n\n")
                .map(|p| format!("<p>{}</p>", crate::sanitize::escape(p).replace('\n', "<br>")))
                .collect();
            if let Err(e) = email.validate() {
                sent.set(Some(labels::email_error(i18n, &e)));
                return;
            }
            leptos::task::spawn_local(async move {
                match actions::save_email(state, email, vec![Operation::SendNow { email: email_id }]).await {
                    Ok(_) => {
                        subject.set(String::new());
                        body.set(String::new());
                        sent.set(Some(t_string!(i18n, compose.sent_notice).to_string()));
                    }
                    Err(e) => sent.set(Some(e.to_string())),
                }
            });
        }
    };
    let link = move |path: String| {
        format!("{}{path}", web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default())
    };

    view! {
        <section class="embed-card" aria-labelledby="embed-name">
            <h1 id="embed-name"><a href=link(format!("/people/{id}")) target="_blank" rel="noopener">{person.display_name()}</a></h1>
            <p class="embed-sub">{[person.title.clone(), person.company.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
            <h2>{t_string!(i18n, people.emails).to_string()}</h2>
            {move || {
                let list = emails.get().unwrap_or_default();
                if list.is_empty() {
                    return view! { <p class="empty">{t_string!(i18n, people.no_emails).to_string()}</p> }.into_any();
                }
                view! { <ul class="embed-emails">{list.into_iter().map(|r| {
                    let folder = r.email.folder();
                    let subject = if r.email.subject.is_empty() { t_string!(i18n, list.no_subject).to_string() } else { r.email.subject.clone() };
                    view! {
                        <li>
                            <a href=link(format!("/email/{}", r.email.id)) target="_blank" rel="noopener">{subject}</a>
                            <span class=format!("status status-{}", folder.sub_slug())>{labels::folder(i18n, folder)}</span>
                            <span class="counts">{labels::human_counts(i18n, &r.engagement).join(" · ")}</span>
                        </li>
                    }
                }).collect_view()}</ul> }.into_any()
            }}
            <h2>{t_string!(i18n, people.tasks).to_string()}</h2>
            {move || {
                let open = tasks();
                if open.is_empty() {
                    return view! { <p class="empty">{t_string!(i18n, people.no_tasks).to_string()}</p> }.into_any();
                }
                view! { <ul class="embed-tasks">{open.into_iter().map(|t| {
                    let title = t.title.clone();
                    let label = t_string!(i18n, embed.complete, title = title.clone()).to_string();
                    let when = date(t.due.date, locale());
                    view! {
                        <li>
                            <span class="what">{title}</span>
                            <span class="detail">{when}</span>
                            <button type="button" class="button" aria-label=label on:click=move |_| complete(t.clone())>{t_string!(i18n, tasks.complete).to_string()}</button>
                        </li>
                    }
                }).collect_view()}</ul> }.into_any()
            }}
            <form class="embed-new-task" on:submit=add_task>
                <label for="embed-task">{t_string!(i18n, people.new_task).to_string()}</label>
                <input id="embed-task" type="text" prop:value=move || new_task.get() on:input=move |ev| new_task.set(event_target_value(&ev)) />
                <button type="submit" class="button">{t_string!(i18n, embed.add).to_string()}</button>
            </form>
            <form class="embed-compose" on:submit=send>
                <h2>{t_string!(i18n, people.write).to_string()}</h2>
                <div class="field">
                    <label for="embed-subject">{t_string!(i18n, list.subject).to_string()}</label>
                    <input id="embed-subject" type="text" prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="embed-body">{t_string!(i18n, embed.message).to_string()}</label>
                    <textarea id="embed-body" rows="4" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="button primary">{t_string!(i18n, embed.send).to_string()}</button>
                {move || sent.get().map(|words| view! { <p role="status">{words}</p> })}
            </form>
        </section>
    }
}
