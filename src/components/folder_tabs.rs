//! The folder tabs: three main tabs and the sub-tabs of the selected one, as ARIA tabs whose links
//! carry the folder in the URL.

use domain::{Folder, MainTab};
use leptos::prelude::*;

use super::labels;

#[component]
pub fn FolderTabs(folder: Folder) -> impl IntoView {
    let main_tabs = MainTab::ALL
        .into_iter()
        .map(|tab| {
            let selected = folder.main_tab() == tab;
            view! {
                <a
                    role="tab"
                    id=format!("tab-{}", tab.slug())
                    class="tab"
                    href=format!("/emails/{}", tab.default_folder())
                    aria-selected=selected.to_string()
                    tabindex=if selected { "0" } else { "-1" }
                >
                    <span class="tab-name">{labels::main_tab(tab)}</span>
                    " "
                    <span class="count">"0"</span>
                </a>
            }
        })
        .collect_view();
    let sub_tabs = folder
        .main_tab()
        .folders()
        .map(|sub| {
            let selected = sub == folder;
            view! {
                <a
                    role="tab"
                    id=format!("tab-{}", sub.sub_slug())
                    class="subtab"
                    href=format!("/emails/{sub}")
                    aria-selected=selected.to_string()
                    aria-controls="folder-panel"
                    tabindex=if selected { "0" } else { "-1" }
                >
                    <span class="tab-name">{labels::folder(sub)}</span>
                    " "
                    <span class="count">"0"</span>
                </a>
            }
        })
        .collect_view();
    view! {
        <div role="tablist" class="tabs main-tabs" aria-label="Email status">
            {main_tabs}
        </div>
        <div role="tablist" class="tabs sub-tabs" aria-label=labels::main_tab(folder.main_tab())>
            {sub_tabs}
        </div>
    }
}
