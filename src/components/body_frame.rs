//! An email's body, shown in a sandboxed frame: the HTML is sanitised first, and the frame allows no
//! scripts, no forms and loads nothing from the network (so viewing an email never fetches a tracking pixel
//! or a remote image). A link opens in a new tab, outside the sandbox, never inside the frame.

use leptos::prelude::*;

use crate::sanitize;

/// What the frame's document forbids, beside the sandbox.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

/// The document a frame shows for a body.
pub fn document(html: &str, text: &str) -> String {
    let content = if html.trim().is_empty() {
        format!("<pre style=\"white-space:pre-wrap;font:inherit\">{}</pre>", sanitize::escape(text))
    } else {
        sanitize::html(html)
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" \
         content=\"{POLICY}\"><meta name=\"referrer\" content=\"no-referrer\"><base target=\"_blank\"><style>body{{font:15px/1.5 system-ui,sans-serif;margin:12px;color:#1d2733}}\
         img{{max-width:100%}}</style></head><body>{content}</body></html>"
    )
}

#[component]
pub fn BodyFrame(html: String, text: String, title: String) -> impl IntoView {
    let srcdoc = document(&html, &text);
    view! { <iframe class="body-frame" sandbox="allow-popups allow-popups-to-escape-sandbox" title=title srcdoc=srcdoc referrerpolicy="no-referrer"></iframe> }
}
