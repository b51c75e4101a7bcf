/* Kelas KIM offline reading, on top of pages that work without it: installs the service worker (sw.js),
   saves and removes a course's pages on request, refreshes a saved copy whose content changed, shows
   the offline banner, queues "Tandai selesai" pressed offline and has it sent once the connection is back.
   The words come from the page (data-* attributes, translated on the server). */
(() => {
  "use strict";
  if (!("serviceWorker" in navigator) || !("caches" in window)) return;

  const SAVED = "kelaskim-kursus-";
  const QUEUE = "kelaskim-antrean";
  const INFO = "/luring/tersimpan.json";
  const SYNC_TAG = "kelaskim-selesai";
  const script = document.currentScript;
  const user = script.dataset.user || "";
  const lang = document.documentElement.lang || "id";
  const status = document.querySelector("[data-luring-status]");
  const saving = new Set();

  const prefixOf = (course) => `${SAVED}${user}-${course}-`;
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, name) => values[name]);
  const csrf = () => (document.querySelector("input[name=csrf_token]") || {}).value || "";
  // data-luring: the service worker served this page from the saved copy because the server could not be reached.
  const offline = () => !navigator.onLine || document.documentElement.hasAttribute("data-luring");

  navigator.serviceWorker.register(script.dataset.sw).catch(() => {});
  forgetOtherAccounts();
  if (!user) return;

  /* Saved copies belong to one account: on a shared device, another account (or none) must not read them. */
  async function forgetOtherAccounts() {
    for (const name of await caches.keys()) {
      if (name.startsWith(SAVED) && (!user || !name.startsWith(`${SAVED}${user}-`))) await caches.delete(name);
    }
  }

  /* The course's complete saved copy (a copy being written has no INFO entry yet). */
  async function savedName(course) {
    for (const name of await caches.keys()) {
      if (name.startsWith(prefixOf(course)) && (await caches.match(INFO, { cacheName: name }))) return name;
    }
    return null;
  }

  /* ---------------------------------------------------------------- saving a course */

  async function save(course, bundleUrl) {
    if (saving.has(course)) return;
    saving.add(course);
    try {
      const reply = await fetch(bundleUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!reply.ok) throw new Error(String(reply.status));
      const bundle = await reply.json();
      const name = prefixOf(course) + bundle.key;
      await caches.delete(name);
      const cache = await caches.open(name);
      let bytes = 0;
      try {
        for (const url of bundle.urls) {
          const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
          if (!response.ok || response.redirected) throw new Error(url);
          bytes += (await response.clone().blob()).size;
          await cache.put(url, response);
        }
      } catch (failure) {
        await caches.delete(name);
        throw failure;
      }
      const info = { bytes, pages: bundle.pages, saved_at: new Date().toISOString() };
      await cache.put(INFO, new Response(JSON.stringify(info), { headers: { "Content-Type": "application/json" } }));
      for (const other of await caches.keys()) {
        if (other.startsWith(prefixOf(course)) && other !== name) await caches.delete(other);
      }
    } finally {
      saving.delete(course);
    }
  }

  /* A saved copy made for other content (the key moved): downloaded again, so retired lessons leave it. */
  async function refreshStale() {
    if (offline()) return;
    for (const element of document.querySelectorAll("[data-luring-key]")) {
      const name = await savedName(element.dataset.luringCourse);
      if (name && !name.endsWith(`-${element.dataset.luringKey}`)) {
        await save(element.dataset.luringCourse, element.dataset.luringBundle).catch(() => {});
        showSaved();
      }
    }
  }

  /* The course page's "Baca luring" card: what is saved and when, and the buttons to save or remove. */
  const card = document.querySelector("[data-luring-card]");

  async function showSaved() {
    if (!card) return;
    const name = await savedName(card.dataset.luringCourse);
    const found = name && (await caches.match(INFO, { cacheName: name }));
    const text = card.querySelector("[data-luring-saved]");
    card.querySelector("[data-luring-remove]").hidden = !found;
    if (!found) {
      text.textContent = card.dataset.notSaved;
      return;
    }
    const info = await found.json();
    text.textContent = fill(card.dataset.saved, {
      pages: new Intl.NumberFormat(lang).format(info.pages),
      size: `${new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(info.bytes / 1024)} KB`,
      time: new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short", timeZone: "Asia/Makassar" })
        .format(new Date(info.saved_at)) + " WITA",
    });
  }

  if (card) {
    card.hidden = false;
    const note = card.querySelector("[data-luring-note]");
    card.querySelector("[data-luring-save]").addEventListener("click", async (event) => {
      event.target.disabled = true;
      note.textContent = card.dataset.busy;
      try {
        await save(card.dataset.luringCourse, card.dataset.luringBundle);
        note.textContent = "";
      } catch (failure) {
        note.textContent = card.dataset.failed;
      }
      event.target.disabled = false;
      showSaved();
    });
    card.querySelector("[data-luring-remove]").addEventListener("click", async () => {
      const name = await savedName(card.dataset.luringCourse);
      if (name) await caches.delete(name);
      note.textContent = card.dataset.removed;
      showSaved();
    });
    showSaved();
  }

  /* ---------------------------------------------------------------- offline banner and the queue */

  async function waiting() {
    const queue = await caches.open(QUEUE);
    return (await queue.keys()).filter((key) => new URL(key.url).pathname.startsWith(`/luring/antrean/${user}/`));
  }

  async function showStatus(message) {
    if (!status) return;
    status.querySelector("[data-luring-offline]").hidden = !offline();
    const count = (await waiting()).length;
    const queued = status.querySelector("[data-luring-queue]");
    const rule = new Intl.PluralRules(lang).select(count) === "one" ? "one" : "other";
    queued.textContent = fill(queued.dataset[rule], { n: new Intl.NumberFormat(lang).format(count) });
    queued.hidden = count === 0;
    const note = status.querySelector("[data-luring-sent]");
    if (message !== undefined) note.textContent = message;
    note.hidden = !note.textContent;
  }

  /* "Tandai selesai" offline: kept on this device, once per lesson, and the page says so. */
  async function queueCompletion(form) {
    const lesson = form.dataset.luringLesson;
    const item = {
      user, lesson, url: form.dataset.luringSync, title: form.dataset.luringTitle,
      done_at: new Date().toISOString(), csrf: csrf(),
    };
    const queue = await caches.open(QUEUE);
    const key = `/luring/antrean/${user}/${lesson}`;
    if (!(await queue.match(key))) await queue.put(key, new Response(JSON.stringify(item)));
    markQueued(form);
    showStatus();
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) registration.sync.register(SYNC_TAG).catch(() => {});
  }

  function markQueued(form) {
    const note = document.createElement("p");
    note.className = "flash";
    note.setAttribute("role", "status");
    note.textContent = form.dataset.luringQueued;
    form.replaceWith(note);
  }

  for (const form of document.querySelectorAll("form[data-luring-lesson]")) {
    form.addEventListener("submit", (event) => {
      if (!offline()) return; // online: the ordinary form, which goes on to the next step
      event.preventDefault();
      queueCompletion(form);
    });
    caches.open(QUEUE).then((queue) => queue.match(`/luring/antrean/${user}/${form.dataset.luringLesson}`))
      .then((found) => found && markQueued(form));
  }

  async function sendQueue() {
    if (offline() || !status || !(await waiting()).length) return;
    const registration = await navigator.serviceWorker.ready;
    (navigator.serviceWorker.controller || registration.active).postMessage({ type: "kirim", user, csrf: csrf() });
  }

  /* What the service worker sent while this page is open, added up over its reports. */
  const report = { sent: 0, refused: [] };
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (!status || !event.data || event.data.type !== "antrean") return;
    report.sent += event.data.sent;
    report.refused.push(...event.data.refused);
    const parts = [];
    if (report.sent) parts.push(fill(status.dataset.sent, { n: new Intl.NumberFormat(lang).format(report.sent) }));
    for (const reason of report.refused) parts.push(fill(status.dataset.refused, { reason }));
    showStatus(parts.length ? parts.join(" ") : undefined);
  });

  window.addEventListener("online", () => {
    document.documentElement.removeAttribute("data-luring");
    showStatus();
    sendQueue();
    refreshStale();
  });
  window.addEventListener("offline", () => showStatus());
  showStatus();
  sendQueue();
  refreshStale();
})();
