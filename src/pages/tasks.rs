//! The task desk: board and queue.

use leptos::prelude::*;

#[component]
pub fn TasksPage() -> impl IntoView {
    view! {
        <section class="tasks">
            <h1>"Tasks"</h1>
            <p class="empty">"No tasks yet."</p>
        </section>
    }
}
