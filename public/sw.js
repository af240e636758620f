// Command Center's service worker: the app shell works with no network.
//
// Pages (navigations) come from the network when it answers, else from the cached shell, so the app opens
// offline on every route. Each time a page comes from the network, every file it loads is cached (so the
// next start works offline even if this one never loaded them) and the files of earlier builds are dropped.
// Files named with the build's hash never change: they come from the cache once fetched. Other files (the
// sanitiser, the manifest, icons) come from the network when it answers, so an update reaches the rep, and
// from the cache offline. The API, tracking and unsubscribe routes are never cached: the app's own cache
// (IndexedDB) and outbox handle data.
const SHELL = "cc-shell-v1";
const ASSETS = "cc-assets-v1";
const NEVER = ["/api/", "/t/", "/u/", "/healthz"];
// `name-<hex>.ext` or `name-<hex>_bg.wasm`, as the build names the files it hashes.
const HASHED = /-[0-9a-f]{8,16}(_bg)?\.[a-z0-9]+$/;
const ANY_VARY = { ignoreVary: true };

const never = (path) => NEVER.some((p) => path.startsWith(p));

// The files of this origin a page loads (its href and src attributes).
function filesOf(html) {
  const files = new Set();
  for (const [, reference] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
    const url = new URL(reference, self.location.origin);
    if (url.origin === self.location.origin && url.pathname.includes(".") && !never(url.pathname)) {
      files.add(url.pathname);
    }
  }
  return files;
}

// Keeps `page` as the shell, caches every file it loads that is not cached yet, and drops the hashed files
// it no longer loads (an earlier build's). A file that cannot be fetched now is fetched when first used.
async function keepShell(page) {
  const files = filesOf(await page.clone().text());
  const [shell, assets] = await Promise.all([caches.open(SHELL), caches.open(ASSETS)]);
  await shell.put("/", page);
  for (const request of await assets.keys()) {
    const path = new URL(request.url).pathname;
    if (HASHED.test(path) && !files.has(path)) await assets.delete(request);
  }
  await Promise.all(
    [...files].map(async (path) => {
      if (await assets.match(path, ANY_VARY)) return;
      try {
        const response = await fetch(path);
        if (response.ok) await assets.put(path, response);
      } catch {
        // Offline or refused: left for the first use.
      }
    }),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(fetch(new Request("/", { cache: "reload" })).then(keepShell).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== ASSETS).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || never(url.pathname)) return;

  if (request.mode === "navigate") {
    // Only the app's own routes are the shell (a path with a file extension is a file of its own).
    const appRoute = !url.pathname.split("/").pop().includes(".");
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && appRoute && (response.headers.get("content-type") || "").includes("text/html")) {
            event.waitUntil(keepShell(response.clone()));
          }
          return response;
        })
        .catch(() => caches.open(SHELL).then((cache) => cache.match("/")).then((r) => r || Response.error())),
    );
    return;
  }

  const hashed = HASHED.test(url.pathname);
  event.respondWith(
    caches.open(ASSETS).then(async (cache) => {
      const cached = hashed && (await cache.match(request, ANY_VARY));
      if (cached) return cached;
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        const kept = !hashed && (await cache.match(request, ANY_VARY));
        if (kept) return kept;
        throw error;
      }
    }),
  );
});
