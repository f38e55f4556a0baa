// The sync engine: push the outbox, upload photo bytes, pull; then again when the network
// returns, the app comes back, a timer fires (backoff with jitter), or the technician asks.
// One sync at a time per device, page or service worker alike (Web Locks).
import { userDb } from '../db.js';
import { changed } from './events.js';
import { uploadAll } from './media.js';
import { countPending } from './outbox.js';
import { pullAll } from './pull.js';
import { BATCH, pushOnce } from './push.js';
import { patch, refreshCounts, syncState } from './state.js';

export { refreshCounts, syncState };

function withLock(fn) {
  if (globalThis.navigator?.locks) return navigator.locks.request('purifier-sync', fn);
  return fn();
}

async function run(session) {
  const db = userDb(session.user.id);
  const token = session.token;
  let size = BATCH;
  const total = await countPending(db);
  patch({ phase: 'pushing', sent: 0, total, problem: null });
  let rejected = 0;
  for (;;) {
    const answer = await pushOnce(db, token, size).catch((error) => ({ status: 'offline', error }));
    if (answer.status === 'empty') break;
    if (answer.status === 'ok') {
      rejected += answer.flagged;
      patch({ sent: syncState.get().sent + answer.sent });
      changed.set((n) => n + 1);
      continue;
    }
    if (answer.status === 'retry') continue;
    if (answer.status === 413 && size > 1) {
      size = Math.max(1, Math.floor(size / 2)); // the server takes fewer per push
      continue;
    }
    return failure(answer, db);
  }
  patch({ phase: 'uploading' });
  const media = await uploadAll(db, token, (p) => patch(p));
  if (media.status !== 'ok') return failure(media, db);
  patch({ phase: 'pulling' });
  // After a refusal the device's optimistic rows may be wrong: take a fresh snapshot.
  const pulled = await pullAll(db, token, { fresh: rejected > 0 }).catch(() => ({ status: 0 }));
  if (pulled !== 'ok') return failure(pulled, db);
  // Counts first: "synced" must never show while a change made meanwhile still waits.
  await refreshCounts(db);
  patch({ phase: 'idle', lastSyncedAt: new Date().toISOString(), problem: null });
  return { ok: true };
}

async function failure(answer, db) {
  const status = answer.status;
  let problem = 'server';
  if (status === 'offline' || status === 0) problem = 'offline';
  else if (status === 401) problem = 'signin';
  else if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) {
    problem = 'client'; // a bug: do not resend it unchanged in a loop
  }
  await refreshCounts(db);
  patch({ phase: 'idle', problem });
  return { ok: false, problem, retryAfter: answer.retryAfter };
}

export async function syncOnce(session) {
  if (!session?.token) return { ok: false, problem: 'signin' };
  const db = userDb(session.user.id);
  try {
    return await withLock(() => run(session));
  } finally {
    await refreshCounts(db);
    changed.set((n) => n + 1);
  }
}
