// The first screen as the app last drew it, shown again at the next start while the app's code loads.
//
// When the page is hidden (a reload, a closed tab, another app in front) with a folder's first page on
// screen, the screen's markup is kept in localStorage together with the cache's write generation the rows
// were read at. At the next start, index.html shows it straight away, before the app's code is even
// fetched, but only when it is still the truth: the address opens that folder in its default order, and
// nothing has been written to the cache since (every write to what the screen shows, in any tab, moves the
// generation and removes the kept screen: storage/last_screen.rs). Only the rows in the window are kept,
// and the markup is sanitised (DOMPurify) as it is kept, so that showing it costs a parse in a template
// and a layout, not a sanitiser's walk, on the start's critical path. It is inert (nothing on it can be
// clicked, focused or read out) and the app's own screen, hidden behind it by the stylesheet, replaces it
// the moment the app has drawn its first page.
const CC_LAST_SCREEN = "cc-last-screen";
const CC_CACHE_GENERATION = "cc-cache-generation";
// How long a kept screen may stand in for an app that never replaces it (its code failed to load).
const CC_LAST_SCREEN_MS = 10_000;
// What is never kept: notices, the live feed's moments, the sync panel's details, a selection (its bar
// here, its marks on rows below: a reload starts with nothing selected).
const CC_NOT_KEPT = ".notices > *, .live-feed li, .sync-details, .selection-bar";
// The rows of a list, of which only those in the window are kept.
const CC_ROWS = "table tbody tr";

// The folder and write generation of the first page on screen, while the app is showing one.
let ccSavable = null;

function ccCacheGeneration() {
  try {
    return Number(localStorage.getItem(CC_CACHE_GENERATION)) || 0;
  } catch (_) {
    return 0;
  }
}

// The cache is about to change: a kept screen may no longer be what it holds.
function ccCacheWritten() {
  try {
    localStorage.setItem(CC_CACHE_GENERATION, String(ccCacheGeneration() + 1));
    localStorage.removeItem(CC_LAST_SCREEN);
  } catch (_) {}
}

// The app shows the first page of `folder` read at `generation` (or, with no folder, no such page).
function ccScreenSavable(folder, generation) {
  ccSavable = folder ? { folder, generation } : null;
}

// Keeps the screen, when it shows a first page read at the cache's current generation.
function ccSaveLastScreen() {
  const savable = ccSavable;
  if (!savable || savable.generation !== ccCacheGeneration() || document.getElementById(CC_LAST_SCREEN)) return;
  if (!self.DOMPurify) return;
  const copy = document.createElement("div");
  for (const node of document.body.children) {
    if (node.tagName !== "SCRIPT") copy.appendChild(node.cloneNode(true));
  }
  // Rows below the bottom of the window are not seen before the app's own screen replaces this one.
  const rows = document.body.querySelectorAll(CC_ROWS);
  const copies = copy.querySelectorAll(CC_ROWS);
  rows.forEach((row, i) => {
    if (row.getBoundingClientRect().top >= innerHeight && copies[i]) copies[i].remove();
  });
  copy.querySelectorAll(CC_NOT_KEPT).forEach((node) => node.remove());
  copy.querySelectorAll(".selected").forEach((node) => node.classList.remove("selected"));
  copy.querySelectorAll("[id]").forEach((node) => node.removeAttribute("id"));
  try {
    const html = DOMPurify.sanitize(copy.innerHTML);
    const kept = { v: 1, folder: savable.folder, generation: savable.generation, html };
    localStorage.setItem(CC_LAST_SCREEN, JSON.stringify(kept));
  } catch (_) {}
}

// Shows the kept screen when it is the first screen of this address. Returns whether it did.
function ccShowLastScreen(path, search) {
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(CC_LAST_SCREEN));
  } catch (_) {}
  if (!kept || kept.v !== 1 || search || kept.folder !== ccFolderOf(path)) return false;
  if (kept.generation !== ccCacheGeneration()) return false;
  const screen = document.createElement("div");
  screen.id = CC_LAST_SCREEN;
  screen.inert = true;
  screen.setAttribute("aria-hidden", "true");
  // Parsed where nothing runs or loads; it was sanitised when it was kept.
  const parsed = document.createElement("template");
  parsed.innerHTML = kept.html;
  screen.appendChild(parsed.content);
  document.body.prepend(screen);
  performance.mark("cc-last-screen");
  setTimeout(ccDropLastScreen, CC_LAST_SCREEN_MS);
  return true;
}

// The app's own screen is drawn (or the app shows another screen): the kept one goes.
function ccDropLastScreen() {
  const screen = document.getElementById(CC_LAST_SCREEN);
  if (screen) {
    screen.remove();
    performance.mark("cc-last-screen-dropped");
  }
}

// Kept once as the page is hidden; pagehide only for a browser that leaves without saying so first.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") ccSaveLastScreen();
});
addEventListener("pagehide", () => {
  if (document.visibilityState !== "hidden") ccSaveLastScreen();
});
