// Command Center's service worker: the app shell works with no network.
//
// Pages (navigations) come from the network when it answers, else from the cached shell, so the app opens
// offline on every route. The app's files (hashed by the build, so never stale) come from the cache once
// fetched. The API, tracking and unsubscribe routes are never cached: the app's own cache (IndexedDB) and
// outbox handle data.
const SHELL = "cc-shell-v1";
const ASSETS = "cc-assets-v1";
const NEVER = ["/api/", "/t/", "/u/", "/healthz"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.add(new Request("/", { cache: "reload" }))).then(() => self.skipWaiting()));
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
  if (url.origin !== self.location.origin || NEVER.some((p) => url.pathname.startsWith(p))) return;

  if (request.mode === "navigate") {
    // Only the app's own routes are the shell (a path with a file extension is a file of its own).
    const appRoute = !url.pathname.split("/").pop().includes(".");
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && appRoute && (response.headers.get("content-type") || "").includes("text/html")) {
            const copy = response.clone();
            caches.open(SHELL).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.open(SHELL).then((cache) => cache.match("/")).then((r) => r || Response.error())),
    );
    return;
  }

  event.respondWith(
    caches.open(ASSETS).then((cache) =>
      cache.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) cache.put(request, response.clone());
            return response;
          }),
      ),
    ),
  );
});
