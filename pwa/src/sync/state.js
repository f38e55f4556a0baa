// The sync state the screens show, and the counts behind it (outbox, photos, attention).
import { createStore } from '../ui/store.js';
import { pendingBytes } from './media.js';

export const syncState = createStore({
  phase: 'idle', // idle | pushing | uploading | pulling
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  pending: 0,
  photos: 0,
  bytes: 0,
  sent: 0,
  total: 0,
  bytesSent: 0,
  bytesTotal: 0,
  lastSyncedAt: null,
  problem: null, // null | 'offline' | 'signin' | 'server' | 'client'
  attention: 0,
  storageFull: false, // warned before the quota runs out (photos wait here until sent)
});

export const patch = (values) => syncState.set((s) => ({ ...s, ...values }));

export async function refreshCounts(db) {
  const [pending, media, attention, estimate] = await Promise.all([
    db.outbox.count(),
    pendingBytes(db),
    db.attention.where('seen').equals(0).count(),
    globalThis.navigator?.storage?.estimate?.().catch(() => null) ?? null,
  ]);
  const storageFull = Boolean(estimate?.quota && estimate.usage / estimate.quota > 0.8);
  patch({ pending, photos: media.count, bytes: media.bytes, attention, storageFull });
}

