//! "Start tasks": the open tasks due today and overdue, in board order, one at a time, entirely from the
//! keyboard (the shortcuts are on screen). An Email task opens compose filled in and linked to the task; a
//! Call task shows the person's details and the talking points; done, skip or snooze moves to the next.

use domain::task::{QueueStep, Snooze, Task, TaskQueue, TaskType};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::components::labels;
use crate::i18n::*;
use crate::pages::tasks::due_text;
use crate::state::{actions, use_app};
use crate::zone::IntlZone;

/// What the queue did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tally {
    done: u32,
    skipped: u32,
    snoozed: u32,
}

/// Whether a key press belongs to a field the rep is typing in (shortcuts leave those alone).
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| {
        matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || e.has_attribute("contenteditable")
    })
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let navigate = use_navigate();
    let queue = StoredValue::new(TaskQueue::from_tasks(std::iter::empty(), state.now(), state.tz()));
    let current = RwSignal::new(None);
    let position = RwSignal::new(0usize);
    let total = RwSignal::new(0usize);
    // The queue is taken once, when the tasks are there (they may still be loading after a reload).
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let ready = state.tasks.with(|all| !all.is_empty());
        if ready {
            let fresh = state
                .tasks
                .with_untracked(|all| TaskQueue::from_tasks(all.values(), state.now(), state.tz()));
            total.set(fresh.len());
            current.set(fresh.current());
            queue.set_value(fresh);
        }
        ready
    });
    let tally = RwSignal::new(Tally::default());
    let task = move || current.get().and_then(|id| state.tasks.with(|all| all.get(&id).cloned()));

    let step = move |step: QueueStep| {
        let Some(mut task) = task() else { return };
        let kind = step;
        let next = queue
            .try_update_value(|q| q.step(&mut task, step, state.now(), state.tz()).ok())
            .flatten()
            .flatten();
        tally.update(|t| match kind {
            QueueStep::Done => t.done += 1,
            QueueStep::Skip => t.skipped += 1,
            QueueStep::Snooze { .. } => t.snoozed += 1,
            QueueStep::Pass => {}
        });
        if kind != QueueStep::Pass {
            leptos::task::spawn_local(async move {
                if let Err(err) = actions::save_tasks(state, vec![task]).await {
                    state.notices.notify(
                        t_string!(i18n, errors.storage, reason = err.to_string()).to_string(),
                        true,
                        None,
                    );
                }
            });
        }
        current.set(next);
        position.set(queue.with_value(TaskQueue::position));
    };
    let back = move || {
        let previous = queue.try_update_value(|q| q.back()).flatten();
        current.set(previous);
        position.set(queue.with_value(TaskQueue::position));
    };
    let write_email = {
        let navigate = navigate.clone();
        move || {
            let Some(task) = task() else { return };
            let to = task
                .person
                .and_then(|p| {
                    state.directory.people.with_untracked(|all| all.get(&p).map(|p| p.email.to_string()))
                })
                .unwrap_or_default();
            let mut url = format!("/compose?task={}", task.id);
            if !to.is_empty() {
                url.push_str(&format!("&to={}", String::from(js_sys::encode_uri_component(&to))));
            }
            if let Some(email) = task.email {
                url.push_str(&format!("&followup={email}"));
            }
            navigate(&url, NavigateOptions::default());
        }
    };
    let write_email = StoredValue::new_local(write_email);
    let leave = {
        let navigate = navigate.clone();
        move || navigate("/tasks", NavigateOptions::default())
    };
    let leave = StoredValue::new_local(leave);

    // The shortcuts.
    let on_key = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
        if typing(&event) || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let handled = match event.key().as_str() {
            "d" | "D" => {
                step(QueueStep::Done);
                true
            }
            "s" | "S" => {
                step(QueueStep::Skip);
                true
            }
            "z" | "Z" => {
                step(QueueStep::Snooze { choice: Snooze::Tomorrow });
                true
            }
            "n" | "N" | "ArrowRight" => {
                step(QueueStep::Pass);
                true
            }
            "p" | "P" | "ArrowLeft" => {
                back();
                true
            }
            "e" | "E" => {
                if task().is_some_and(|t| t.task_type == TaskType::Email) {
                    write_email.with_value(|f| f());
                }
                true
            }
            "Escape" => {
                leave.with_value(|f| f());
                true
            }
            _ => false,
        };
        if handled {
            event.prevent_default();
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    }
    let on_key = StoredValue::new_local(Some(on_key));
    on_cleanup(move || {
        if let (Some(window), Some(callback)) =
            (web_sys::window(), on_key.try_update_value(Option::take).flatten())
        {
            let _ = window.remove_event_listener_with_callback("keydown", callback.as_ref().unchecked_ref());
        }
    });

    let locale = move || tag(i18n.get_locale());
    view! {
        <section class="queue" aria-labelledby="queue-title">
            <h1 id="queue-title">{t_string!(i18n, queue.title).to_string()}</h1>
            {move || match task() {
                None => {
                    let t = tally.get();
                    view! {
                        <div class="queue-done" role="status">
                            <p>{t_string!(i18n, queue.finished, done = t.done, skipped = t.skipped, snoozed = t.snoozed).to_string()}</p>
                            <a class="button primary" href="/tasks">{t_string!(i18n, queue.back_to_board).to_string()}</a>
                        </div>
                    }.into_any()
                }
                Some(task) => view! { <QueueCard task=task position=position.get() total=total.get() locale=locale() /> }.into_any(),
            }}
            <div class="queue-actions">
                <button type="button" class="button primary" disabled=move || task().is_none() on:click=move |_| step(QueueStep::Done)>
                    {t_string!(i18n, queue.done).to_string()} <kbd>"D"</kbd>
                </button>
                <button type="button" class="button" disabled=move || task().is_none() on:click=move |_| step(QueueStep::Skip)>
                    {t_string!(i18n, queue.skip).to_string()} <kbd>"S"</kbd>
                </button>
                <button type="button" class="button" disabled=move || task().is_none() on:click=move |_| step(QueueStep::Snooze { choice: Snooze::Tomorrow })>
                    {t_string!(i18n, queue.snooze).to_string()} <kbd>"Z"</kbd>
                </button>
                <button type="button" class="button ghost" disabled=move || task().is_none() on:click=move |_| step(QueueStep::Pass)>
                    {t_string!(i18n, queue.next).to_string()} <kbd>"N"</kbd>
                </button>
                <button type="button" class="button ghost" on:click=move |_| back()>
                    {t_string!(i18n, queue.previous).to_string()} <kbd>"P"</kbd>
                </button>
                <Show when=move || task().is_some_and(|t| t.task_type == TaskType::Email)>
                    <button type="button" class="button" on:click=move |_| write_email.with_value(|f| f())>
                        {t_string!(i18n, queue.write_email).to_string()} <kbd>"E"</kbd>
                    </button>
                </Show>
                <button type="button" class="button ghost" on:click=move |_| leave.with_value(|f| f())>
                    {t_string!(i18n, queue.leave).to_string()} <kbd>"Esc"</kbd>
                </button>
            </div>
            <p class="hint">{t_string!(i18n, queue.keys_hint).to_string()}</p>
        </section>
    }
}

#[component]
fn QueueCard(task: Task, position: usize, total: usize, locale: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let person = task.person.and_then(|p| state.directory.people.with_untracked(|all| all.get(&p).cloned()));
    let task_type = task.task_type;
    let priority = task.priority;
    let notes = task.notes.clone();
    let local_time = person.as_ref().and_then(|p| {
        let zone = IntlZone::named(&p.time_zone)?;
        Some(format!(
            "{} ({})",
            crate::format::input_time(state.now().with_timezone(&zone).time()),
            p.time_zone
        ))
    });
    view! {
        <article class="queue-card" aria-labelledby="queue-task-title">
            <p class="queue-position">{t_string!(i18n, queue.position, n = position + 1, total = total).to_string()}</p>
            <div class="card-head">
                <span class=format!("type type-{}", task_type.name())>{labels::task_type(i18n, task_type)}</span>
                <span class=format!("priority priority-{}", priority.name())>{labels::priority(i18n, priority)}</span>
                <span class="due">{due_text(&task.due, locale)}</span>
            </div>
            <h2 id="queue-task-title">{task.title.clone()}</h2>
            {person.map(|p| view! {
                <dl class="headers person-card">
                    <dt>{t_string!(i18n, tasks.person).to_string()}</dt><dd><a href=format!("/people/{}", p.id)>{p.display_name()}</a></dd>
                    {(!p.title.is_empty() || !p.company.is_empty()).then(|| view! {
                        <dt>{t_string!(i18n, queue.company).to_string()}</dt><dd>{[p.title.clone(), p.company.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")}</dd>
                    })}
                    {(!p.phone.is_empty()).then(|| view! {
                        <dt>{t_string!(i18n, queue.phone).to_string()}</dt><dd><a href=format!("tel:{}", p.phone)>{p.phone.clone()}</a></dd>
                    })}
                    <dt>{t_string!(i18n, email.to).to_string()}</dt><dd><a href=format!("mailto:{}", p.email)>{p.email.to_string()}</a></dd>
                    {local_time.map(|t| view! { <dt>{t_string!(i18n, queue.their_time).to_string()}</dt><dd>{t}</dd> })}
                </dl>
            })}
            {(!notes.is_empty()).then(|| view! {
                <section class="talking-points" aria-labelledby="talking-points-title">
                    <h3 id="talking-points-title">{t_string!(i18n, queue.talking_points).to_string()}</h3>
                    <p>{notes}</p>
                </section>
            })}
            {task.email.map(|e| view! { <p><a href=format!("/email/{e}")>{t_string!(i18n, tasks.linked_email).to_string()}</a></p> })}
        </article>
    }
}
