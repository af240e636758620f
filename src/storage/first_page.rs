//! The first page of the first screen, read by `first_page.js` from index.html while the app's code was
//! still loading: the read is taken once, when the cache opens, and waited for by the first folder read
//! only when that read could use it.

use domain::{Folder, Order, SortKey};
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::schema;

/// Where `first_page.js` leaves its read.
const GLOBAL: &str = "__ccFirstPage";

/// The rules `first_page.js` reads by, written as its opening constants: the page size, the folder `/` opens,
/// and the order (with its index) each folder opens in, from the domain and the cache's schema. A test
/// (`tests/storage.rs`) fails, showing these lines, when the script's copy differs.
pub fn early_read_rules() -> String {
    let soonest_first: Vec<String> = Folder::ALL
        .into_iter()
        .filter(|f| f.default_order() == Order { key: SortKey::Date, descending: false })
        .map(|f| format!("{:?}", f.to_string()))
        .collect();
    format!(
        "const CC_PAGE_SIZE = {page};\n\
         const CC_HOME_FOLDER = {home:?};\n\
         const CC_SOONEST_FIRST = [{soonest}]; // read through {at:?}, the others through {newest:?}\n",
        page = crate::pages::emails::PAGE_SIZE,
        home = Folder::HOME.to_string(),
        soonest = soonest_first.join(", "),
        at = schema::INDEX_FOLDER_AT,
        newest = schema::INDEX_FOLDER_NEWEST,
    )
}

/// The read `first_page.js` started: a promise of a [`FirstPage`] or null.
#[derive(Clone, Debug)]
pub(super) struct EarlyRead(Promise);

impl EarlyRead {
    /// Takes the read `first_page.js` left, if any (a second call finds nothing).
    pub fn take() -> Option<EarlyRead> {
        let global: JsValue = js_sys::global().into();
        let name = JsValue::from_str(GLOBAL);
        let read = Reflect::get(&global, &name).ok()?.dyn_into::<Promise>().ok()?;
        let _ = Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &name);
        Some(EarlyRead(read))
    }

    /// The page, once read (`None` when there was none to read or it could not be read).
    pub async fn page(self) -> Option<FirstPage> {
        let page = JsFuture::from(self.0).await.ok().filter(JsValue::is_object)?;
        let field = |key: &str| Reflect::get(&page, &JsValue::from_str(key)).ok();
        let list = |key: &str| field(key).filter(Array::is_array).map(|a| Array::from(&a).to_vec());
        Some(FirstPage {
            database: field("database")?.as_string()?,
            version: field("version")?.as_f64()? as u32,
            folder: field("folder")?.as_string()?,
            index: field("index")?.as_string()?,
            limit: field("limit")?.as_f64()? as u32,
            keys: list("keys")?,
            values: list("values")?,
        })
    }
}

/// A first page of a folder as `first_page.js` read it: the stored keys and values, in index order.
#[derive(Clone, Debug)]
pub(super) struct FirstPage {
    database: String,
    version: u32,
    folder: String,
    index: String,
    limit: u32,
    pub keys: Vec<JsValue>,
    pub values: Vec<JsValue>,
}

impl FirstPage {
    /// Whether this page is the answer to reading the first `limit` records of `folder` in `index` order
    /// from `database` at schema `version`.
    pub fn answers(&self, database: &str, version: u32, folder: &str, index: &str, limit: u32) -> bool {
        let whole_folder = self.values.len() < self.limit as usize;
        self.database == database
            && self.version == version
            && self.folder == folder
            && self.index == index
            && self.keys.len() == self.values.len()
            && (limit <= self.limit || whole_folder)
    }
}
