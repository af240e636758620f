//! The task desk: board and queue.

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn TasksPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="tasks">
            <h1>{t!(i18n, nav.tasks)}</h1>
            <p class="empty">{t!(i18n, tasks.empty)}</p>
        </section>
    }
}
