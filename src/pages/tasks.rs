//! The task board: Overdue · Today · Upcoming · Completed in the rep's time zone, each with its count;
//! cards with type, title, person, due and priority; create and edit, complete, skip, snooze or
//! reschedule, delete; many at once; drag a card to another column to reschedule it; filters by type and
//! priority. `/tasks?new=1&email=ID` opens the editor for a task linked to that email and its person.
//!
//! Every rule (columns, order, snooze choices, moves between columns) is the domain's.

use std::collections::{BTreeSet, HashSet};

use domain::task::{
    Column, Due, Origin, Priority, Snooze, Task, TaskBoard, TaskChanges, TaskFilter, TaskType,
};
use domain::{EmailId, PersonId, TaskId};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::labels;
use crate::format::{by_name, input_date, input_time, parse_input_date, parse_input_time};
use crate::i18n::*;
use crate::state::actions::{self, new_id};
use crate::state::{AppState, use_app};

/// What the editor holds, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
struct Draft {
    id: Option<TaskId>,
    task_type: String,
    title: String,
    notes: String,
    date: String,
    time: String,
    priority: String,
    person: String,
    email: Option<EmailId>,
}

impl Draft {
    fn of(task: &Task) -> Draft {
        Draft {
            id: Some(task.id),
            task_type: task.task_type.name().to_string(),
            title: task.title.clone(),
            notes: task.notes.clone(),
            date: input_date(task.due.date),
            time: task.due.time.map(input_time).unwrap_or_default(),
            priority: task.priority.name().to_string(),
            person: task.person.map(|p| p.to_string()).unwrap_or_default(),
            email: task.email,
        }
    }
}

/// Saves tasks and tells the rep what came of it.
fn save(state: AppState, i18n: leptos_i18n::I18nContext<Locale>, tasks: Vec<Task>, done: String) {
    leptos::task::spawn_local(async move {
        match actions::save_tasks(state, tasks).await {
            Ok(()) => state.notices.notify(done, false, None),
            Err(e) => state.notices.notify(
                t_string!(i18n, errors.storage, reason = e.to_string()).to_string(),
                true,
                None,
            ),
        }
    });
}

/// Applies `change` to each task of `ids` (those it changes are saved).
fn change_tasks(
    state: AppState,
    i18n: leptos_i18n::I18nContext<Locale>,
    ids: &[TaskId],
    change: impl Fn(&mut Task) -> bool,
) {
    let changed: Vec<Task> = state.tasks.with_untracked(|all| {
        ids.iter()
            .filter_map(|id| all.get(id).cloned())
            .filter_map(|mut t| change(&mut t).then_some(t))
            .collect()
    });
    if changed.is_empty() {
        return;
    }
    let n = changed.len() as u32;
    save(state, i18n, changed, t_string!(i18n, tasks.updated, count = n).to_string());
}

/// Deletes tasks, with an undo.
fn delete(state: AppState, i18n: leptos_i18n::I18nContext<Locale>, ids: Vec<TaskId>) {
    leptos::task::spawn_local(async move {
        match actions::delete_tasks(state, &ids).await {
            Ok((entries, removed)) => {
                let n = removed.len() as u32;
                state.notices.notify(
                    t_string!(i18n, tasks.deleted, count = n).to_string(),
                    false,
                    Some(actions::Undo::Tasks { entries, tasks: removed }),
                );
            }
            Err(e) => state.notices.notify(
                t_string!(i18n, errors.storage, reason = e.to_string()).to_string(),
                true,
                None,
            ),
        }
    });
}

/// The label of a column.
pub fn column_label(i18n: leptos_i18n::I18nContext<Locale>, column: Column) -> String {
    match column {
        Column::Overdue => t_string!(i18n, tasks.overdue),
        Column::Today => t_string!(i18n, tasks.today),
        Column::Upcoming => t_string!(i18n, tasks.upcoming),
        Column::Completed => t_string!(i18n, tasks.completed),
    }
    .to_string()
}

/// A task's due date (and time) in the rep's language.
pub fn due_text(due: &Due, locale: &str) -> String {
    let date = crate::format::date(due.date, locale);
    match due.time {
        Some(time) => format!("{date} {}", input_time(time)),
        None => date,
    }
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let query = use_query_map();
    let navigate = use_navigate();
    let now = RwSignal::new(state.now());
    let ticker = set_interval_with_handle(move || now.set(state.now()), std::time::Duration::from_secs(60));
    on_cleanup(move || {
        if let Ok(handle) = ticker {
            handle.clear();
        }
    });
    let types = RwSignal::new(BTreeSet::<TaskType>::new());
    let priorities = RwSignal::new(BTreeSet::<Priority>::new());
    let selected = RwSignal::new(HashSet::<TaskId>::new());
    let editing: RwSignal<Option<Draft>> = RwSignal::new(None);
    let editor_error: RwSignal<Option<String>> = RwSignal::new(None);
    let reschedule_date = RwSignal::new(String::new());
    let dragging: RwSignal<Option<TaskId>> = RwSignal::new(None);

    // `/tasks?new=1&email=ID`: a new task for that email and its person (`&person=ID`: for that person).
    Effect::new(move |_| {
        let wants_new = query.with(|q| q.get("new").is_some());
        if !wants_new {
            return;
        }
        let email_id = query.with(|q| q.get("email").and_then(|s| s.parse::<EmailId>().ok()));
        let today = domain::task::local_today(state.now(), state.tz());
        let mut draft = Draft {
            task_type: TaskType::Email.name().into(),
            priority: Priority::Normal.name().into(),
            date: input_date(today),
            ..Draft::default()
        };
        let Some(email_id) = email_id else {
            // `&person=ID`: a new task for that person.
            let person = query.with(|q| q.get("person").and_then(|s| s.parse::<PersonId>().ok()));
            if let Some(id) = person {
                // The person's name, when their record is read already (right after a reload it may not be).
                draft.person = id.to_string();
                let name = state.directory.people.with_untracked(|p| p.get(&id).map(|p| p.display_name()));
                if let Some(name) = name {
                    draft.title = t_string!(i18n, tasks.follow_up_person, who = name).to_string();
                }
            }
            editing.set(Some(draft));
            return;
        };
        let cache = state.cache();
        leptos::task::spawn_local(async move {
            if let Ok(Some(record)) = cache.email(email_id).await {
                let email = record.email;
                let person = email
                    .person
                    .or_else(|| state.directory.person_by_address(&email.recipient).map(|p| p.id));
                let name = person
                    .and_then(|id| {
                        state.directory.people.with_untracked(|p| p.get(&id).map(|p| p.display_name()))
                    })
                    .unwrap_or_else(|| email.recipient.to_string());
                draft.title =
                    t_string!(i18n, tasks.follow_up_email, who = name, subject = email.subject.clone())
                        .to_string();
                draft.person = person.map(|p| p.to_string()).unwrap_or_default();
                draft.email = Some(email.id);
            }
            editing.set(Some(draft));
        });
    });

    let filter = move || TaskFilter { types: types.get(), priorities: priorities.get() };
    let columns = move || {
        let zone = state.tz();
        let f = filter();
        let at = now.get();
        state.tasks.with(|all| {
            let shown: Vec<&Task> = all.values().filter(|t| f.matches(t)).collect();
            let board = TaskBoard::new(shown, at, zone);
            Column::ALL.map(|c| (c, board.column(c).iter().map(|t| (*t).clone()).collect::<Vec<Task>>()))
        })
    };
    let due_now = move || {
        let zone = state.tz();
        let at = now.get();
        state.tasks.with(|all| TaskBoard::new(all.values(), at, zone).counts().due_now())
    };

    let save_editor = move |_| {
        editor_error.set(None);
        let Some(draft) = editing.get_untracked() else { return };
        let Some(date) = parse_input_date(&draft.date) else {
            editor_error.set(Some(t_string!(i18n, tasks.date_missing).to_string()));
            return;
        };
        let time = if draft.time.is_empty() { None } else { parse_input_time(&draft.time) };
        let due = Due { date, time };
        let task_type = TaskType::from_name(&draft.task_type).unwrap_or(TaskType::Custom);
        let priority = Priority::from_name(&draft.priority).unwrap_or_default();
        let person = draft.person.parse::<PersonId>().ok();
        let now = state.now();
        let existing = draft.id.and_then(|id| state.tasks.with_untracked(|all| all.get(&id).cloned()));
        let result = match existing {
            Some(mut task) => task
                .edit(
                    TaskChanges {
                        task_type: Some(task_type),
                        title: Some(draft.title.clone()),
                        notes: Some(draft.notes.clone()),
                        due: Some(due),
                        priority: Some(priority),
                        person: Some(person),
                        email: Some(draft.email),
                    },
                    now,
                )
                .map(|()| task),
            None => {
                let origin = draft.email.map(Origin::FromEmail).unwrap_or_default();
                Task::new(TaskId(new_id()), task_type, &draft.title, due, origin, now).map(|mut task| {
                    task.notes = draft.notes.clone();
                    task.priority = priority;
                    task.person = person;
                    task.email = draft.email;
                    task
                })
            }
        };
        match result.and_then(|t| t.validate().map(|()| t)) {
            Ok(task) => {
                editing.set(None);
                save(state, i18n, vec![task], t_string!(i18n, tasks.saved).to_string());
            }
            Err(e) => editor_error.set(Some(labels::task_error(i18n, &e))),
        }
    };

    let drop_on = move |column: Column| {
        let Some(id) = dragging.get_untracked() else { return };
        dragging.set(None);
        let zone = state.tz();
        let at = state.now();
        let moved = state.tasks.with_untracked(|all| all.get(&id).cloned()).and_then(|mut t| {
            match t.move_to(column, at, zone) {
                Ok(true) => Some(Ok(t)),
                Ok(false) => None,
                Err(e) => Some(Err(e)),
            }
        });
        match moved {
            Some(Ok(task)) => save(
                state,
                i18n,
                vec![task],
                t_string!(i18n, tasks.moved, column = column_label(i18n, column)).to_string(),
            ),
            Some(Err(e)) => state.notices.notify(labels::task_error(i18n, &e), true, None),
            None => {}
        }
    };

    let locale = move || tag(i18n.get_locale());
    let people = move || {
        let list: Vec<(String, String)> = state
            .directory
            .people
            .with(|p| p.values().map(|p| (p.id.to_string(), p.display_name())).collect());
        by_name(list, |(_, name)| name.clone())
    };

    view! {
        <section class="tasks" aria-labelledby="tasks-title">
            <div class="page-head">
                <h1 id="tasks-title">{t_string!(i18n, nav.tasks).to_string()}</h1>
                <button type="button" class="button primary" on:click=move |_| {
                    let today = domain::task::local_today(state.now(), state.tz());
                    editing.set(Some(Draft { task_type: TaskType::Call.name().into(), priority: Priority::Normal.name().into(), date: input_date(today), ..Draft::default() }));
                }>{t_string!(i18n, tasks.create).to_string()}</button>
                <button type="button" class="button" disabled=move || due_now() == 0 on:click={
                    let navigate = navigate.clone();
                    move |_| navigate("/tasks/queue", NavigateOptions::default())
                }>
                    {move || t_string!(i18n, tasks.start, count = due_now() as u32).to_string()}
                </button>
            </div>
            <fieldset class="filters">
                <legend>{t_string!(i18n, tasks.filters).to_string()}</legend>
                {TaskType::ALL.into_iter().map(|ty| view! {
                    <label class="chip">
                        <input type="checkbox" prop:checked=move || types.with(|t| t.contains(&ty))
                            on:change=move |ev| types.update(|t| { if event_target_checked(&ev) { t.insert(ty); } else { t.remove(&ty); } }) />
                        {move || labels::task_type(i18n, ty)}
                    </label>
                }).collect_view()}
                <span class="divider"></span>
                {Priority::ALL.into_iter().map(|p| view! {
                    <label class="chip">
                        <input type="checkbox" prop:checked=move || priorities.with(|s| s.contains(&p))
                            on:change=move |ev| priorities.update(|s| { if event_target_checked(&ev) { s.insert(p); } else { s.remove(&p); } }) />
                        {move || labels::priority(i18n, p)}
                    </label>
                }).collect_view()}
            </fieldset>
            <Show when=move || !selected.with(HashSet::is_empty)>
                <div class="selection-bar" role="toolbar" aria-label=t_string!(i18n, tasks.selection)>
                    <span>{move || t_string!(i18n, tasks.selected, count = selected.with(|s| s.len()) as u32).to_string()}</span>
                    <button type="button" class="button" on:click=move |_| {
                        let ids: Vec<TaskId> = selected.get_untracked().into_iter().collect();
                        selected.set(HashSet::new());
                        change_tasks(state, i18n, &ids, |t| t.complete(state.now()));
                    }>{t_string!(i18n, tasks.complete).to_string()}</button>
                    <label for="bulk-reschedule">{t_string!(i18n, tasks.reschedule_to).to_string()}</label>
                    <input id="bulk-reschedule" type="date" prop:value=move || reschedule_date.get() on:input=move |ev| reschedule_date.set(event_target_value(&ev)) />
                    <button type="button" class="button" on:click=move |_| {
                        let Some(date) = parse_input_date(&reschedule_date.get_untracked()) else { return };
                        let ids: Vec<TaskId> = selected.get_untracked().into_iter().collect();
                        selected.set(HashSet::new());
                        change_tasks(state, i18n, &ids, |t| t.reschedule(Due::on(date), state.now()));
                    }>{t_string!(i18n, tasks.reschedule).to_string()}</button>
                    <button type="button" class="button danger" on:click=move |_| {
                        let ids: Vec<TaskId> = selected.get_untracked().into_iter().collect();
                        selected.set(HashSet::new());
                        delete(state, i18n, ids);
                    }>{t_string!(i18n, actions.delete).to_string()}</button>
                    <button type="button" class="button ghost" on:click=move |_| selected.set(HashSet::new())>{t_string!(i18n, list.clear_selection).to_string()}</button>
                </div>
            </Show>
            {move || editing.get().map(|draft| {
                let set = move |f: fn(&mut Draft, String)| move |ev: leptos::ev::Event| { let v = event_target_value(&ev); editing.update(|d| if let Some(d) = d { f(d, v) }); };
                view! {
                    <form class="task-editor" on:submit=move |ev| { ev.prevent_default(); save_editor(()); } aria-labelledby="task-editor-title">
                        <h2 id="task-editor-title">{if draft.id.is_some() { t_string!(i18n, tasks.edit_title) } else { t_string!(i18n, tasks.new_title) }}</h2>
                        <div class="field">
                            <label for="task-type">{t_string!(i18n, tasks.type_label).to_string()}</label>
                            <select id="task-type" prop:value=draft.task_type.clone() on:change=set(|d, v| d.task_type = v)>
                                {TaskType::ALL.into_iter().map(|ty| view! { <option value=ty.name()>{move || labels::task_type(i18n, ty)}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="task-title">{t_string!(i18n, tasks.title_label).to_string()}</label>
                            <input id="task-title" type="text" prop:value=draft.title.clone() on:input=set(|d, v| d.title = v) />
                        </div>
                        <div class="field">
                            <label for="task-notes">{t_string!(i18n, tasks.notes).to_string()}</label>
                            <textarea id="task-notes" rows="4" prop:value=draft.notes.clone() on:input=set(|d, v| d.notes = v)></textarea>
                        </div>
                        <div class="field-row">
                            <div class="field">
                                <label for="task-date">{t_string!(i18n, tasks.due_date).to_string()}</label>
                                <input id="task-date" type="date" prop:value=draft.date.clone() on:input=set(|d, v| d.date = v) />
                            </div>
                            <div class="field">
                                <label for="task-time">{t_string!(i18n, tasks.due_time).to_string()}</label>
                                <input id="task-time" type="time" prop:value=draft.time.clone() on:input=set(|d, v| d.time = v) />
                            </div>
                            <div class="field">
                                <label for="task-priority">{t_string!(i18n, tasks.priority).to_string()}</label>
                                <select id="task-priority" prop:value=draft.priority.clone() on:change=set(|d, v| d.priority = v)>
                                    {Priority::ALL.into_iter().map(|p| view! { <option value=p.name()>{move || labels::priority(i18n, p)}</option> }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <div class="field">
                            <label for="task-person">{t_string!(i18n, tasks.person).to_string()}</label>
                            <select id="task-person" prop:value=draft.person.clone() on:change=set(|d, v| d.person = v)>
                                <option value="">{t_string!(i18n, tasks.no_person).to_string()}</option>
                                {people().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                            </select>
                        </div>
                        {draft.email.map(|e| view! { <p class="hint"><a href=format!("/email/{e}")>{t_string!(i18n, tasks.linked_email).to_string()}</a></p> })}
                        {move || editor_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <div class="form-actions">
                            <button type="submit" class="button primary">{t_string!(i18n, tasks.save).to_string()}</button>
                            <button type="button" class="button ghost" on:click=move |_| editing.set(None)>{t_string!(i18n, common.cancel).to_string()}</button>
                        </div>
                    </form>
                }
            })}
            <div class="board">
                {move || columns().into_iter().map(|(column, tasks)| {
                    let heading = format!("column-{}", column.name());
                    let heading_id = heading.clone();
                    let count = tasks.len();
                    view! {
                        <section
                            class="board-column"
                            class:drop-target=move || dragging.get().is_some()
                            aria-labelledby=heading.clone()
                            data-column=column.name()
                            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                            on:drop=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); drop_on(column); }
                        >
                            <h2 id=heading_id>{column_label(i18n, column)} " " <span class="count">{count}</span></h2>
                            {tasks.is_empty().then(|| view! { <p class="empty">{t_string!(i18n, tasks.column_empty).to_string()}</p> })}
                            <ul class="cards">
                                {tasks.into_iter().map(|task| view! {
                                    <TaskCard task=task selected=selected dragging=dragging editing=editing locale=Signal::derive(locale) />
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

#[component]
fn TaskCard(
    task: Task,
    selected: RwSignal<HashSet<TaskId>>,
    dragging: RwSignal<Option<TaskId>>,
    editing: RwSignal<Option<Draft>>,
    locale: Signal<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let id = task.id;
    let person = task.person.and_then(|p| {
        state.directory.people.with_untracked(|all| all.get(&p).map(|p| (p.id, p.display_name())))
    });
    let open = task.is_open();
    let due = task.due;
    let priority = task.priority;
    let task_type = task.task_type;
    let for_edit = task.clone();
    let snooze = move |choice: Snooze| {
        change_tasks(state, i18n, &[id], move |t| t.snooze(choice, state.now(), state.tz()))
    };
    let pick = RwSignal::new(false);
    let menu = RwSignal::new(false);
    view! {
        <li
            class=format!("card priority-{}", priority.name())
            class:selected=move || selected.with(|s| s.contains(&id))
            draggable="true"
            data-task=id.to_string()
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &id.to_string());
                }
                dragging.set(Some(id));
            }
            on:dragend=move |_| dragging.set(None)
        >
            <div class="card-head">
                <input
                    type="checkbox"
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |_| selected.update(|s| if !s.remove(&id) { s.insert(id); })
                    aria-label=move || t_string!(i18n, tasks.select, title = for_edit.title.clone()).to_string()
                />
                <span class=format!("type type-{}", task_type.name())>{move || labels::task_type(i18n, task_type)}</span>
                <span class=format!("priority priority-{}", priority.name())>{move || labels::priority(i18n, priority)}</span>
            </div>
            <button type="button" class="card-title" on:click={
                let task = task.clone();
                move |_| editing.set(Some(Draft::of(&task)))
            }>{task.title.clone()}</button>
            {person.map(|(id, name)| view! { <a class="person" href=format!("/people/{id}")>{name}</a> })}
            <span class="due">{move || due_text(&due, locale.get())}</span>
            {task.email.map(|e| view! { <a class="linked" href=format!("/email/{e}")>{t_string!(i18n, tasks.linked_email).to_string()}</a> })}
            <div class="card-actions">
                {open.then(|| view! {
                    <button type="button" class="quick" on:click=move |_| change_tasks(state, i18n, &[id], |t| t.complete(state.now()))>{t_string!(i18n, tasks.complete).to_string()}</button>
                    <button type="button" class="quick" on:click=move |_| change_tasks(state, i18n, &[id], |t| t.skip(state.now()))>{t_string!(i18n, tasks.skip).to_string()}</button>
                    <button type="button" class="quick" aria-expanded=move || menu.get().to_string() on:click=move |_| menu.update(|m| *m = !*m)>{t_string!(i18n, tasks.snooze).to_string()}</button>
                })}
                {(!open).then(|| view! {
                    <button type="button" class="quick" on:click=move |_| change_tasks(state, i18n, &[id], |t| t.reopen(state.now()))>{t_string!(i18n, tasks.reopen).to_string()}</button>
                })}
                <button type="button" class="quick danger" on:click=move |_| delete(state, i18n, vec![id])>{t_string!(i18n, actions.delete).to_string()}</button>
            </div>
            <Show when=move || menu.get()>
                <div class="snooze-menu" role="group" aria-label=t_string!(i18n, tasks.snooze)>
                    {move || Snooze::quick_choices(state.now(), state.tz()).into_iter().map(|choice| view! {
                        <button type="button" class="quick" on:click=move |_| { menu.set(false); snooze(choice); }>{move || labels::snooze(i18n, choice)}</button>
                    }).collect_view()}
                    <button type="button" class="quick" on:click=move |_| pick.update(|p| *p = !*p)>{t_string!(i18n, tasks.pick_date).to_string()}</button>
                    <Show when=move || pick.get()>
                        <label class="visually-hidden" for=format!("pick-{id}")>{t_string!(i18n, tasks.pick_date).to_string()}</label>
                        <input id=format!("pick-{id}") type="date" on:change=move |ev| {
                            if let Some(date) = parse_input_date(&event_target_value(&ev)) {
                                menu.set(false);
                                snooze(Snooze::Pick { due: Due::on(date) });
                            }
                        } />
                    </Show>
                </div>
            </Show>
        </li>
    }
}
