//! A body editor rich enough for an email: bold, italic, underline, lists, quotes and links, from the
//! toolbar or the usual shortcuts. What it starts with is sanitised before it is put in the page; what the
//! rep writes goes to `html` as they type.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::*;

fn document() -> Option<web_sys::HtmlDocument> {
    web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()
}

fn command(name: &str, value: Option<&str>) {
    if let Some(document) = document() {
        let _ = match value {
            Some(v) => document.exec_command_with_show_ui_and_value(name, false, v),
            None => document.exec_command(name),
        };
    }
}

/// Whether a link target may go in an email: web and mail links only (never `javascript:`).
pub fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

#[component]
pub fn Editor(html: RwSignal<String>, labelled_by: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let area = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(element) = area.get() {
            element.set_inner_html(&crate::sanitize::html_in_page(&html.get_untracked()));
        }
    });
    let read = move || {
        if let Some(element) = area.get_untracked() {
            html.set(element.inner_html());
        }
    };
    let add_link = move |_| {
        let Some(window) = web_sys::window() else { return };
        let prompt = t_string!(i18n, editor.link_prompt).to_string();
        if let Ok(Some(url)) = window.prompt_with_message_and_default(&prompt, "https://")
            && is_safe_link(&url)
        {
            command("createLink", Some(url.trim()));
            read();
        }
    };
    view! {
        <div class="editor">
            <div class="toolbar" role="toolbar" aria-label=t_string!(i18n, editor.toolbar)>
                {tool("bold", move || t_string!(i18n, editor.bold).to_string(), "B", read)}
                {tool("italic", move || t_string!(i18n, editor.italic).to_string(), "I", read)}
                {tool("underline", move || t_string!(i18n, editor.underline).to_string(), "U", read)}
                {tool("insertUnorderedList", move || t_string!(i18n, editor.bullets).to_string(), "•", read)}
                // Drawn, like the link's: a "1." written in the button would be visible text that is not in
                // its name (WCAG 2.5.3).
                {tool("insertOrderedList", move || t_string!(i18n, editor.numbers).to_string(), NUMBERS_ICON, read)}
                <button
                    type="button"
                    class="tool"
                    aria-label=t_string!(i18n, editor.link)
                    title=t_string!(i18n, editor.link)
                    on:mousedown=|ev| ev.prevent_default()
                    on:click=add_link
                >
                    // Drawn, not an emoji: it looks the same whatever fonts the rep's machine has.
                    <svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                        <path d="M9 15l6-6M11 6l1-1a4 4 0 0 1 6 6l-1 1M13 18l-1 1a4 4 0 0 1-6-6l1-1" />
                    </svg>
                </button>
            </div>
            <div
                class="editor-area"
                node_ref=area
                contenteditable="true"
                role="textbox"
                aria-multiline="true"
                aria-labelledby=labelled_by
                on:input=move |_| read()
                on:blur=move |_| read()
            ></div>
        </div>
    }
}

/// The numbered list's icon (markup of our own, not the rep's).
const NUMBERS_ICON: &str = r#"<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M10 6h10M10 12h10M10 18h10M4 5l1.5-1v5M4 14a1.5 1.5 0 0 1 3 .5c0 1.2-3 2.2-3 3.5h3"/></svg>"#;

/// One toolbar button that runs an editing command; `glyph` is what it shows (a letter, or an icon's
/// markup), its name is `label`.
fn tool(
    name: &'static str,
    label: impl Fn() -> String + Clone + Send + Sync + 'static,
    glyph: &'static str,
    read: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let title = label.clone();
    view! {
        <button
            type="button"
            class="tool"
            data-command=name
            aria-label=label
            title=title
            on:mousedown=|ev| ev.prevent_default()
            on:click=move |_| {
                command(name, None);
                read();
            }
            inner_html=glyph
        ></button>
    }
}
