//! Desktop notifications, raised by the app as the change feed brings news (no push service): a person's
//! reply or click, and a task coming due, each kind when the rep turned it on in Settings and the browser
//! allows it. The domain says what is news (`domain::notify`); this module words it, groups a burst into
//! one, and opens the email or the task board when the rep clicks it.

use std::collections::HashSet;

use domain::notify::{GROUP_ABOVE, News, Switches, news, tasks_coming_due};
use domain::{EmailId, EngagementEvent, EventId, TaskId};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

use crate::i18n::*;
use crate::state::AppState;

/// How often tasks are looked at for one coming due.
const TASK_CHECK_MS: u32 = 30_000;

thread_local! {
    /// What this tab already told of (an event or a task is told of once).
    static TOLD: std::cell::RefCell<(HashSet<EventId>, HashSet<TaskId>)> = Default::default();
    /// The app's words, taken when the session starts (the feed's news arrives outside any component).
    static WORDS: std::cell::Cell<Option<leptos_i18n::I18nContext<Locale>>> = const { std::cell::Cell::new(None) };
}

/// The rep's switches, as the settings hold them.
pub fn switches(state: AppState) -> Switches {
    state.settings.with_untracked(|s| Switches {
        replies: s.notify_replies,
        clicks: s.notify_clicks,
        tasks: s.notify_tasks,
    })
}

/// Whether the browser shows this app's notifications now.
pub fn allowed() -> bool {
    Notification::permission() == NotificationPermission::Granted
}

/// Whether this browser has notifications at all.
pub fn supported() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false)
}

/// Asks the browser for permission (after the rep turned a switch on); `then` hears whether it was given.
pub fn ask(then: impl FnOnce(bool) + 'static) {
    if !supported() {
        return then(false);
    }
    let Ok(promise) = Notification::request_permission() else { return then(false) };
    leptos::task::spawn_local(async move {
        let answer = wasm_bindgen_futures::JsFuture::from(promise).await;
        then(answer.ok().and_then(|a| a.as_string()).as_deref() == Some("granted"));
    });
}

/// Tells of the news among `events` (just pulled): one notification each, or one for all of them when
/// more than a few come at once.
pub fn events(state: AppState, events: &[EngagementEvent]) {
    let switches = switches(state);
    if !(switches.replies || switches.clicks) || !supported() || !allowed() {
        return;
    }
    let fresh: Vec<(EngagementEvent, News)> = news(events, switches, state.now())
        .into_iter()
        .filter(|(e, _)| TOLD.with(|t| t.borrow_mut().0.insert(e.id)))
        .map(|(e, n)| (e.clone(), n))
        .collect();
    if fresh.is_empty() {
        return;
    }
    let cache = state.cache();
    leptos::task::spawn_local(async move {
        let mut ids: Vec<EmailId> = fresh.iter().map(|(e, _)| e.email).collect();
        ids.dedup();
        let emails = cache.emails(&ids).await.unwrap_or_default().items;
        let subject = |id: EmailId| {
            emails.iter().find(|r| r.email.id == id).map(|r| r.email.subject.clone()).unwrap_or_default()
        };
        let who = |e: &EngagementEvent| {
            state
                .directory
                .person_by_address(&e.recipient)
                .map(|p| p.display_name())
                .unwrap_or_else(|| e.recipient.to_string())
        };
        let Some(i18n) = WORDS.with(|w| w.get()) else { return };
        if fresh.len() > GROUP_ABOVE {
            let names: Vec<String> = fresh.iter().map(|(e, _)| who(e)).collect();
            let title = t_string!(i18n, notify.many, count = fresh.len() as u32).to_string();
            show(&title, &names.join(", "), "cc-engagement", "/emails/sent/delivered");
            return;
        }
        for (event, what) in &fresh {
            let name = who(event);
            let title = match what {
                News::Replied => t_string!(i18n, notify.replied, who = name).to_string(),
                News::Clicked => t_string!(i18n, notify.clicked, who = name).to_string(),
            };
            show(&title, &subject(event.email), &event.id.to_string(), &format!("/email/{}", event.email));
        }
    });
}

/// Looks at the tasks every [`TASK_CHECK_MS`] and tells of each one coming due (from now on: a task
/// already due when the app opened is on the board, not in a notification).
fn watch_tasks(state: AppState) {
    let since = StoredValue::new(state.now());
    let check = move || {
        let now = state.now();
        let from = since.get_value();
        since.set_value(now);
        if !switches(state).tasks || !supported() || !allowed() {
            return;
        }
        let zone = state.tz();
        let due: Vec<(TaskId, String)> = state.tasks.with_untracked(|all| {
            tasks_coming_due(all.values(), from, now, zone)
                .into_iter()
                .map(|t| (t.id, t.title.clone()))
                .collect()
        });
        let Some(i18n) = WORDS.with(|w| w.get()) else { return };
        for (id, title) in due {
            if TOLD.with(|t| t.borrow_mut().1.insert(id)) {
                let heading = t_string!(i18n, notify.task_due).to_string();
                show(&heading, &title, &id.to_string(), "/tasks");
            }
        }
    };
    if let Ok(handle) =
        set_interval_with_handle(check, std::time::Duration::from_millis(TASK_CHECK_MS as u64))
    {
        on_cleanup(move || handle.clear());
    }
}

/// Starts telling of news for the signed-in session: takes the app's words, and watches the tasks every
/// [`TASK_CHECK_MS`].
pub fn start(state: AppState, i18n: leptos_i18n::I18nContext<Locale>) {
    WORDS.with(|w| w.set(Some(i18n)));
    watch_tasks(state);
}

/// Shows one notification; a click on it brings the tab forward and opens `path` in the app.
fn show(title: &str, body: &str, tag: &str, path: &str) {
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    options.set_icon("/icon-192.png");
    let Ok(notification) = Notification::new_with_options(title, &options) else { return };
    let path = path.to_string();
    let open = Closure::<dyn FnMut()>::new(move || {
        let Some(window) = web_sys::window() else { return };
        let _ = window.focus();
        // The router follows the address: push it, then say so as the browser does for Back.
        if let Ok(history) = window.history() {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
            if let Ok(event) = web_sys::PopStateEvent::new("popstate") {
                let _ = window.dispatch_event(&event);
            }
        }
    });
    notification.set_onclick(Some(open.as_ref().unchecked_ref()));
    open.forget();
}
