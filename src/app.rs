//! The app shell: contexts (state, translations), the header with navigation and sync status, the routes
//! of every screen, the live feed beside them and the notices below.
//!
//! Every screen is drawn in one language: the words on it are plain text, read from the translations when
//! it is drawn, and a change of language draws the screens again (the session, sync and the rep's work
//! in the cache carry on underneath). One reactive binding per word would cost more code than every
//! other screen feature together, for a change a rep makes about once.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::components::live_feed::LiveFeed;
use crate::components::notices::Notices;
use crate::components::saved_searches::SavedSearchList;
use crate::components::sync_badge::SyncBadge;
use crate::i18n::*;
use crate::pages::{
    BulkPage, ComposePage, EmailPage, EmailsPage, EmbedContact, NotFound, PeoplePage, PersonPage, QueuePage,
    SearchPage, SettingsPage, SignInPage, TasksPage,
};
use crate::state::AppState;

/// What the app starts with: the cache, opened, and what it holds about the session.
pub struct Boot {
    pub state: AppState,
}

#[component]
pub fn App(boot: Boot) -> impl IntoView {
    let state = boot.state;
    provide_context(state);
    // The screen kept from the last visit stands in until the first screen is drawn, or sign-in shows.
    Effect::new(move |_| {
        if state.session.with(Option::is_none) || state.settled.get() {
            crate::storage::last_screen::replaced();
        }
    });
    // Signed in or not: a renewed token keeps the session (and its screens) as they are.
    let signed_in = Memo::new(move |_| state.session.with(Option::is_some));
    view! {
        <I18nContextProvider enable_cookie=false>
            <Localised />
            <Router>
                {move || {
                    if signed_in.get() { view! { <Session /> }.into_any() } else { view! { <InLanguage><SignInPage /></InLanguage> }.into_any() }
                }}
            </Router>
        </I18nContextProvider>
    }
}

/// Puts the app in the rep's language: their choice in settings, else the browser's.
#[component]
fn Localised() -> impl IntoView {
    let i18n = use_i18n();
    let state = crate::state::use_app();
    Effect::new(move |_| {
        let choice = state.settings.with(|s| s.language.clone());
        let locale = crate::i18n::initial(choice.as_deref(), &crate::format::browser_languages());
        if i18n.get_locale_untracked() != locale {
            i18n.set_locale(locale);
        }
    });
}

/// Its children, drawn again in the new language when it changes. The field the rep was on (the language
/// picker, usually) has the focus again once they are.
#[component]
fn InLanguage(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        i18n.get_locale();
        let focused = document().active_element().map(|e| e.id()).filter(|id| !id.is_empty());
        if let Some(id) = focused {
            request_animation_frame(move || {
                if let Some(field) =
                    document().get_element_by_id(&id).and_then(|e| e.dyn_into::<HtmlElement>().ok())
                {
                    let _ = field.focus();
                }
            });
        }
        children()
    }
}

/// A signed-in session: sync runs and the search index is built for as long as it lasts, whatever the
/// language of its screens.
#[component]
fn Session() -> impl IntoView {
    let state = crate::state::use_app();
    state.start();
    crate::notify::start(state, use_i18n());
    // Another tab runs a newer release of the app: this one has let go of the cache and asks for a reload.
    let newer_version = RwSignal::new(false);
    let newer =
        window_event_listener_untyped(crate::storage::NEWER_VERSION_EVENT, move |_| newer_version.set(true));
    on_cleanup(move || {
        newer.remove();
        state.stop();
    });
    // The search index is built once the first screen is on.
    Effect::new(move |built: Option<bool>| {
        let built = built.unwrap_or(false);
        if !built && state.settled.get() {
            state.build_search();
            return true;
        }
        built
    });
    // Screens other than a folder have no first page to wait for.
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(1_500).await;
        state.settled.set(true);
    });
    let feed_open = RwSignal::new(true);
    // Framed by a CRM page (embed.js): the widget's page alone, without the app's header and sidebar.
    if window().location().pathname().is_ok_and(|p| p.starts_with("/embed/")) {
        return view! {
            <InLanguage>
                <main id="main" class="embed">
                    <Routes fallback=NotFound>
                        <Route path=path!("/embed/contact") view=EmbedContact />
                    </Routes>
                </main>
                <Notices />
            </InLanguage>
        }
        .into_any();
    }
    view! { <InLanguage><Shell feed_open newer_version /></InLanguage> }.into_any()
}

#[component]
fn Shell(feed_open: RwSignal<bool>, newer_version: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t_string!(i18n, nav.skip).to_string()}</a>
        <header class="topbar">
            <a class="brand" href="/emails">"Command Center"</a>
            <nav class="mainnav" aria-label=t_string!(i18n, nav.label)>
                <A href="/emails">{t_string!(i18n, nav.emails).to_string()}</A>
                <A href="/tasks">{t_string!(i18n, nav.tasks).to_string()}</A>
                <A href="/people">{t_string!(i18n, nav.people).to_string()}</A>
                <A href="/search">{t_string!(i18n, nav.search).to_string()}</A>
            </nav>
            <div class="topbar-actions">
                <a class="button primary" href="/compose">{t_string!(i18n, nav.compose).to_string()}</a>
                <a class="button" href="/bulk">{t_string!(i18n, nav.bulk).to_string()}</a>
                <SyncBadge />
                <button
                    class="button ghost"
                    type="button"
                    aria-pressed=move || feed_open.get().to_string()
                    aria-controls="live-feed"
                    on:click=move |_| feed_open.update(|o| *o = !*o)
                >
                    {t_string!(i18n, feed.toggle).to_string()}
                </button>
                <a class="button ghost" href="/settings">{t_string!(i18n, nav.settings).to_string()}</a>
            </div>
        </header>
        // Stays until the rep reloads: this tab no longer writes to the cache.
        <Show when=move || newer_version.get()>
            <div class="update-banner" role="alert">
                <p>{t_string!(i18n, errors.newer_version).to_string()}</p>
                <crate::components::fatal::ReloadButton />
            </div>
        </Show>
        <div class="workspace" class:with-feed=move || feed_open.get()>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/emails/sent/delivered" /> } />
                    <Route path=path!("/emails") view=EmailsPage />
                    <Route path=path!("/emails/:tab") view=EmailsPage />
                    <Route path=path!("/emails/:tab/:sub") view=EmailsPage />
                    <Route path=path!("/email/:id") view=EmailPage />
                    <Route path=path!("/compose") view=ComposePage />
                    <Route path=path!("/compose/:id") view=ComposePage />
                    <Route path=path!("/bulk") view=BulkPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    <Route path=path!("/tasks") view=TasksPage />
                    <Route path=path!("/tasks/queue") view=QueuePage />
                    <Route path=path!("/search") view=SearchPage />
                    <Route path=path!("/people") view=PeoplePage />
                    <Route path=path!("/people/:id") view=PersonPage />
                </Routes>
            </main>
            <Show when=move || feed_open.get()>
                <div class="sidebar">
                    <SavedSearchList />
                    <LiveFeed />
                </div>
            </Show>
        </div>
        <Notices />
    }
}
