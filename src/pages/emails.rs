//! The email command center: the three main tabs, their sub-tabs, and the folder's list.
//!
//! The folder comes from the URL (`/emails/pending/scheduled`), so links, back and reload all work.

use domain::{Folder, MainTab};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::folder_tabs::FolderTabs;
use crate::components::labels;

/// Reads the folder from the URL; `/emails` opens Sent › Delivered and `/emails/pending` its first sub-tab.
fn folder_from_params(tab: Option<String>, sub: Option<String>) -> Option<Folder> {
    match (tab.as_deref(), sub.as_deref()) {
        (None, _) => Some(Folder::Delivered),
        (Some(tab), None) => MainTab::ALL.into_iter().find(|t| t.slug() == tab).map(MainTab::default_folder),
        (Some(tab), Some(sub)) => Folder::from_slugs(tab, sub).ok(),
    }
}

#[component]
pub fn EmailsPage() -> impl IntoView {
    let params = use_params_map();
    let folder = Memo::new(move |_| params.with(|p| folder_from_params(p.get("tab"), p.get("sub"))));

    move || match folder.get() {
        Some(folder) => view! {
            <section class="emails" aria-labelledby="emails-title">
                <h1 id="emails-title" class="visually-hidden">"Emails"</h1>
                <FolderTabs folder=folder />
                <div
                    class="folder-panel"
                    role="tabpanel"
                    id="folder-panel"
                    aria-labelledby=format!("tab-{}", folder.sub_slug())
                >
                    <p class="empty">{format!("No emails in {}.", labels::folder(folder))}</p>
                </div>
            </section>
        }
        .into_any(),
        None => view! {
            <section class="emails">
                <h1>"No such folder"</h1>
                <p>
                    "This link names no folder. "
                    <a href="/emails/sent/delivered">"Open Sent › Delivered"</a>
                </p>
            </section>
        }
        .into_any(),
    }
}
