// The first screen's rows, read from the local cache while the app's code is still loading.
//
// index.html runs this before the app (Trunk inlines it), so opening IndexedDB and reading the first page
// of the folder the address names overlap with fetching and compiling the app instead of following them.
// It never creates or upgrades the cache: that is the app's (storage/schema.rs). It reads the page the way
// `Cache::folder_page` reads a first page in the folder's default order (newest first; Scheduled soonest
// first), keys and stored values as they are, and leaves the read, a promise of that page (or null), in
// `self.__ccFirstPage`. The app's first folder read takes it only when it answers exactly that read (same
// database, schema version, folder, index and page size, nothing written since) and reads the cache itself
// otherwise, so a page read here can make the first screen faster but never different. Resolves to whether
// a page was read.
//
// The rules it reads by are the domain's, written here from it (storage/first_page.rs early_read_rules; a
// browser test fails when they part):
const CC_PAGE_SIZE = 50;
const CC_HOME_FOLDER = "sent/delivered";
const CC_SOONEST_FIRST = ["pending/scheduled"]; // read through "folder_at", the others through "folder_newest"

function ccReadFirstPage(database, path, search) {
  const PAGE_SIZE = CC_PAGE_SIZE;
  const read = new Promise((resolve) => {
    const folder = ccFolderOf(path);
    if (!folder || search || !self.indexedDB) return resolve(null);
    const index = CC_SOONEST_FIRST.includes(folder) ? "folder_at" : "folder_newest";
    let open;
    performance.mark("cc-early-start");
    try {
      open = indexedDB.open(database);
    } catch (_) {
      return resolve(null);
    }
    // No cache yet: leave it to the app to create, at its own schema version.
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = (event) => {
      event.preventDefault();
      resolve(null);
    };
    open.onsuccess = () => {
      performance.mark("cc-early-open");
      const db = open.result;
      db.onversionchange = () => db.close();
      try {
        const tx = db.transaction("emails", "readonly");
        const source = tx.objectStore("emails").index(index);
        const range = IDBKeyRange.bound([folder], [folder, []]);
        const keys = source.getAllKeys(range, PAGE_SIZE);
        const values = source.getAll(range, PAGE_SIZE);
        tx.oncomplete = () => {
          performance.mark("cc-early-read");
          db.close();
          resolve({
            database, version: db.version, folder, index, limit: PAGE_SIZE, keys: keys.result, values: values.result,
          });
        };
        tx.onabort = () => {
          db.close();
          resolve(null);
        };
      } catch (_) {
        db.close();
        resolve(null);
      }
    };
  });
  // The app takes the read as it is, done or still going, and waits for it only if it needs it.
  self.__ccFirstPage = read;
  return read.then((page) => page !== null);
}

// The folder an address opens ("sent/delivered" for `/`, `/emails` and `/emails/sent/delivered`), or
// undefined when it opens no folder or names only a main tab (pages/emails.rs folder_from_params).
function ccFolderOf(path) {
  return /^\/(emails\/?)?$/.test(path) ? CC_HOME_FOLDER : (path.match(/^\/emails\/([a-z]+\/[a-z-]+)\/?$/) || [])[1];
}
