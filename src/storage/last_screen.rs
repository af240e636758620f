//! The first screen kept from the last visit (`last_screen.js`, inlined in index.html): the cache's side
//! of it. Every write to what the first screen shows moves the cache's write generation, which drops a
//! kept screen; the emails page says when a first page read at a generation is on screen; the app says
//! when its own screen is drawn. Without the page's script (in tests) these do nothing.

use domain::Folder;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = ccCacheWritten)]
    fn cache_written() -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = ccCacheGeneration)]
    fn cache_generation() -> Result<f64, JsValue>;
    #[wasm_bindgen(catch, js_name = ccScreenSavable)]
    fn screen_savable(folder: Option<String>, generation: f64) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = ccDropLastScreen)]
    fn drop_last_screen() -> Result<(), JsValue>;
}

/// The cache's write generation now (read before a first page is read).
pub fn generation() -> f64 {
    cache_generation().unwrap_or(-1.0)
}

/// The cache is about to change.
pub(super) fn written() {
    let _ = cache_written();
}

/// The first page of `folder`, read at `generation`, is on screen.
pub fn showing(folder: Folder, generation: f64) {
    // Named by its slugs (`sent/delivered`), as the address names it.
    let _ = screen_savable(Some(folder.to_string()), generation);
}

/// No first page that the next visit may start with is on screen.
pub fn not_showing() {
    let _ = screen_savable(None, 0.0);
}

/// The app's own screen is drawn: the kept one goes.
pub fn replaced() {
    let _ = drop_last_screen();
}
