//! The folder tabs: three main tabs and the sub-tabs of the selected one, as ARIA tabs whose links carry the
//! folder in the URL, each with its count. Arrow keys move between the tabs of a row.

use domain::{Folder, FolderCounts, MainTab};
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::labels;
use crate::i18n::*;

/// Moves the focus to the previous or next tab of the same tab list.
fn arrow_keys(event: KeyboardEvent) {
    let step: i32 = match event.key().as_str() {
        "ArrowRight" => 1,
        "ArrowLeft" => -1,
        _ => return,
    };
    let Some(tab) = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
    let Some(list) = tab.closest("[role=tablist]").ok().flatten() else { return };
    let Ok(tabs) = list.query_selector_all("[role=tab]") else { return };
    let count = tabs.length() as i32;
    let position = (0..count).find(|i| tabs.item(*i as u32).is_some_and(|n| n.is_same_node(Some(&tab))));
    if let Some(position) = position
        && let Some(next) = tabs.item(((position + step + count) % count) as u32)
        && let Ok(next) = next.dyn_into::<web_sys::HtmlElement>()
    {
        event.prevent_default();
        let _ = next.focus();
    }
}

#[component]
pub fn FolderTabs(
    #[prop(into)] folder: Signal<Folder>,
    #[prop(into)] counts: Signal<FolderCounts>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = move || tag(i18n.get_locale());
    let main_tabs = move || {
        let current = folder.get();
        MainTab::ALL
            .into_iter()
            .map(|tab| {
                let selected = current.main_tab() == tab;
                let count = counts.with(|c| c.main_tab(tab));
                view! {
                    <a
                        role="tab"
                        id=format!("tab-{}", tab.slug())
                        class="tab"
                        href=format!("/emails/{}", tab.default_folder())
                        aria-selected=selected.to_string()
                        tabindex=if selected { "0" } else { "-1" }
                        on:keydown=arrow_keys
                    >
                        <span class="tab-name">{move || labels::main_tab(i18n, tab)}</span>
                        " "
                        <span class="count">{move || crate::format::number(count, locale())}</span>
                    </a>
                }
            })
            .collect_view()
    };
    let sub_tabs = move || {
        let current = folder.get();
        current
            .main_tab()
            .folders()
            .map(|sub| {
                let selected = sub == current;
                let count = counts.with(|c| c.folder(sub));
                // A message stuck while being sent is a fault the rep must see.
                let alarm = sub == Folder::InProgress && count > 0;
                view! {
                    <a
                        role="tab"
                        id=format!("tab-{}", sub.sub_slug())
                        class="subtab"
                        class:alarm=alarm
                        href=format!("/emails/{sub}")
                        aria-selected=selected.to_string()
                        aria-controls="folder-panel"
                        tabindex=if selected { "0" } else { "-1" }
                        on:keydown=arrow_keys
                    >
                        <span class="tab-name">{move || labels::folder(i18n, sub)}</span>
                        " "
                        <span class="count">{move || crate::format::number(count, locale())}</span>
                    </a>
                }
            })
            .collect_view()
    };
    view! {
        <div role="tablist" class="tabs main-tabs" aria-label=t_string!(i18n, tabs.label)>
            {main_tabs}
        </div>
        <div role="tablist" class="tabs sub-tabs" aria-label=move || labels::main_tab(i18n, folder.get().main_tab())>
            {sub_tabs}
        </div>
    }
}
