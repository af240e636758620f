//! Sanitising HTML that came from an email or a rep before it is shown or edited, with DOMPurify (loaded
//! by the page beside the app, deferred: it runs while the app's module is still being compiled, so it is
//! there before any screen is drawn): scripts, event handlers, `javascript:` links and the like are removed.
//! Without DOMPurify the HTML is not used at all: it is shown as escaped text.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = DOMPurify, js_name = sanitize)]
    fn purify(dirty: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = DOMPurify, js_name = sanitize)]
    fn purify_with(dirty: &str, config: &JsValue) -> Result<JsValue, JsValue>;
}

/// HTML safe to put in the app's own page (the editor): as [`html`], and without style sheets, which
/// would restyle the whole app, not just the email.
pub fn html_in_page(dirty: &str) -> String {
    let config = js_sys::JSON::parse(r#"{"FORBID_TAGS":["style"]}"#).unwrap_or(JsValue::UNDEFINED);
    match purify_with(dirty, &config).ok().and_then(|v| v.as_string()) {
        Some(clean) => clean,
        None => escape(dirty),
    }
}

/// HTML safe to put in the page: DOMPurify's output, or the input escaped as text when DOMPurify is
/// missing.
pub fn html(dirty: &str) -> String {
    match purify(dirty).ok().and_then(|v| v.as_string()) {
        Some(clean) => clean,
        None => escape(dirty),
    }
}

/// `text` with `&`, `<`, `>` and quotes escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
