// The service worker: the app shell precached (the list and its content hashes are written
// by the build), served cache-first so the app opens with no network; the API is never
// cached; an update waits for the technician's go; Background Sync runs the same engine.
import { loadSession } from './session.js';
import { syncOnce } from './sync/engine.js';

/* global __PRECACHE__, __BUILD__ */
const PRECACHE = __PRECACHE__; // [{url, revision}]
const CACHE = `shell-${__BUILD__}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((entry) => new Request(entry.url, { cache: 'reload' }))),
    ),
  );
  // No skipWaiting here: a new version waits for the technician (views/update.js).
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('shell-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skipWaiting') self.skipWaiting();
});

async function shellResponse(request) {
  const cache = await caches.open(CACHE);
  // Every page of the app is the one shell; its routes live in the URL's hash.
  if (request.mode === 'navigate') return (await cache.match('/')) || fetch(request);
  return (await cache.match(request)) || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/admin/')) return;
  if (url.pathname.startsWith('/dealer/')) return;
  event.respondWith(shellResponse(request));
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'purifier-sync') return;
  event.waitUntil(
    (async () => {
      const current = await loadSession();
      const result = await syncOnce(current);
      for (const client of await self.clients.matchAll()) client.postMessage({ type: 'synced' });
      if (!result.ok && result.problem === 'offline') throw new Error('offline: retry later');
    })(),
  );
});
