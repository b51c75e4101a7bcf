/* Kelas KIM service worker. Pages work without it; it only adds:
   - a saved course's pages open without a connection, marked so the page shows "Anda sedang luring";
   - any other page asked for offline answers with the saved "/luring" page instead of the browser's error;
   - "Tandai selesai" pressed offline (queued by luring.js) is sent when the connection returns.
   It downloads nothing by itself: a course is saved only when the trainee asks (luring.js). */
"use strict";

const SAVED = "kelaskim-kursus-"; // one cache per saved course: kelaskim-kursus-<user>-<course>-<key>
const QUEUE = "kelaskim-antrean"; // completions waiting to be sent: /luring/antrean/<user>/<lesson>
const OFFLINE_PAGE = "/luring";
const SYNC_TAG = "kelaskim-selesai";
const KEPT = ["style", "script", "image"]; // immutable files, served from a saved copy first

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") event.respondWith(page(event));
  else if (KEPT.includes(request.destination)) event.respondWith(kept(request));
});

/* Looked up without caches.open(), which would bring back, empty, a copy luring.js has just deleted. */
async function savedNames() {
  return (await caches.keys()).filter((name) => name.startsWith(SAVED));
}

async function findSaved(names, url) {
  for (const cacheName of names) {
    const found = await caches.match(url, { cacheName });
    if (found) return found;
  }
  return null;
}

/* Pages come from the network; a saved copy is refreshed on the way, and used when the network fails. */
async function page(event) {
  const request = event.request;
  const listing = savedNames();
  try {
    const response = await fetch(request);
    const saved = await listing;
    if (saved.length && response.ok && !response.redirected) event.waitUntil(refresh(saved, request, response.clone()));
    return response;
  } catch (failure) {
    const saved = await listing;
    const copy = await findSaved(saved, request.url);
    if (copy) return offlineCopy(copy, 200);
    const notice = await findSaved(saved, OFFLINE_PAGE);
    if (notice) return offlineCopy(notice, 503);
    throw failure; // nothing saved on this device: the browser says it is offline
  }
}

/* A saved page visited online is kept as it is now (progress badges), without one-off messages. */
async function refresh(saved, request, response) {
  let body = null;
  for (const cacheName of saved) {
    if (!(await caches.match(request.url, { cacheName }))) continue;
    body = body || (await response.text()).replace(/<div class="flashes">[\s\S]*?<\/div>/, "");
    await (await caches.open(cacheName)).put(request.url, new Response(body, { status: 200, headers: rewritten(response) }));
  }
}

/* The saved page, marked with data-luring so that it shows the offline banner, even without luring.js. */
async function offlineCopy(response, status) {
  const html = (await response.text()).replace("<html", "<html data-luring");
  return new Response(html, { status, headers: rewritten(response) });
}

/* The headers of a response whose body was rewritten: its security headers stay, its length goes. */
function rewritten(response) {
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return headers;
}

async function kept(request) {
  return (await findSaved(await savedNames(), request.url)) || fetch(request);
}

/* ---------------------------------------------------------------- the queue of completions */

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(send({}));
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "kirim") event.waitUntil(send(event.data));
});

/* One sending at a time (Background Sync and a page may ask together): the next one finds what is left. */
let sending = Promise.resolve();
function send(options) {
  sending = sending.then(() => sendQueue(options), () => sendQueue(options));
  return sending;
}

/* Sends every queued completion (of one user when `user` is given) with the freshest CSRF token at hand.
   Recorded or already recorded: removed. Refused for good (404, 409, 422): removed, the reason kept
   for the page. Anything else (no connection, signed out, another account, server error): kept. */
async function sendQueue({ user, csrf }) {
  const queue = await caches.open(QUEUE);
  const prefix = user ? `/luring/antrean/${user}/` : "/luring/antrean/";
  const result = { type: "antrean", sent: 0, refused: [] };
  for (const key of await queue.keys()) {
    if (!new URL(key.url).pathname.startsWith(prefix)) continue;
    const item = await (await queue.match(key)).json();
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
        body: new URLSearchParams({
          csrf_token: csrf || item.csrf,
          user: item.user,
          done_at: item.done_at,
          sent_at: new Date().toISOString(),
        }),
      });
    } catch (offline) {
      break; // still no connection: try again later
    }
    if (response.status === 200 || response.status === 201) {
      result.sent += 1;
      await queue.delete(key);
    } else if ([404, 409, 422].includes(response.status)) {
      const reason = await response.json().catch(() => ({}));
      result.refused.push(`${item.title}: ${reason.message || response.status}`);
      await queue.delete(key);
    }
  }
  for (const client of await self.clients.matchAll()) client.postMessage(result);
}
