// When to sync from the page: at start, when the network returns, when the app comes back
// to the front, after a change (soon), on a timer with backoff and jitter after a failure,
// and through Background Sync where the browser has it. Never only on Background Sync:
// Safari and Firefox lack it.
import { session } from '../session.js';
import { changed, edited } from './events.js';
import { syncOnce, syncState } from './engine.js';

const IDLE_MS = 60_000;
const MAX_BACKOFF_MS = 5 * 60_000;
let timer = null;
let failures = 0;
let running = null;

function jitter(ms) {
  return Math.round(ms * (0.7 + Math.random() * 0.6));
}

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => syncNow(), ms);
}

export function syncNow() {
  if (running) return running;
  const current = session.get();
  if (!current?.token) return Promise.resolve({ ok: false, problem: 'signin' });
  running = syncOnce(current).then((result) => {
    running = null;
    if (result.ok) {
      failures = 0;
      // Changes made while this sync ran go out soon; otherwise look again in a minute.
      schedule(syncState.get().pending > 0 ? 1500 : jitter(IDLE_MS));
    } else if (result.problem !== 'signin' && result.problem !== 'client') {
      failures += 1;
      const backoff = Math.min(MAX_BACKOFF_MS, 2 ** failures * 1000);
      schedule(Math.max(jitter(backoff), (result.retryAfter || 0) * 1000));
    }
    return result;
  });
  return running;
}

async function askBackgroundSync() {
  const registration = await navigator.serviceWorker?.ready.catch(() => null);
  if (registration?.sync) await registration.sync.register('purifier-sync').catch(() => {});
}

export function startScheduler() {
  window.addEventListener('online', () => {
    syncState.set((s) => ({ ...s, online: true }));
    failures = 0;
    syncNow();
  });
  window.addEventListener('offline', () => syncState.set((s) => ({ ...s, online: false })));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow();
  });
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'synced') changed.set((n) => n + 1);
  });
  edited.subscribe(() => {
    // A local change: push it soon (and let Background Sync carry it if the page closes).
    askBackgroundSync();
    if (!running) schedule(1500);
  });
  syncNow();
}
