//! The app shell: header, main navigation and the routes of every screen.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::pages::{EmailsPage, NotFound, SearchPage, TasksPage};

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <header class="topbar">
                <a class="brand" href="/emails">"Command Center"</a>
                <nav class="mainnav" aria-label="Main">
                    <A href="/emails">"Emails"</A>
                    <A href="/tasks">"Tasks"</A>
                    <A href="/search">"Search"</A>
                </nav>
            </header>
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/emails/sent/delivered" /> } />
                    <Route path=path!("/emails") view=EmailsPage />
                    <Route path=path!("/emails/:tab") view=EmailsPage />
                    <Route path=path!("/emails/:tab/:sub") view=EmailsPage />
                    <Route path=path!("/tasks") view=TasksPage />
                    <Route path=path!("/search") view=SearchPage />
                </Routes>
            </main>
        </Router>
    }
}
