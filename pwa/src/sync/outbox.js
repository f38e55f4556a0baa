// The outbox: every change the technician makes is a numbered mutation here, applied to the
// local tables at once, and deleted only after the server has answered for it.
import { getMeta, setMeta } from '../db.js';
import { applyLocal, TABLES_TOUCHED } from './local.js';
import { changed, edited } from './events.js';
import { refreshCounts } from './state.js';

export function uuid() {
  return crypto.randomUUID();
}

export async function clientId(db) {
  let id = await getMeta(db, 'client_id');
  if (!id) {
    id = uuid();
    await setMeta(db, 'client_id', id);
  }
  return id;
}

// One transaction: the id is taken, the mutation stored and applied together, or none of it.
export async function enqueue(db, name, args) {
  const at = new Date().toISOString();
  const tables = [db.meta, db.outbox, ...TABLES_TOUCHED.map((t) => db[t])];
  const mutation = await db.transaction('rw', tables, async () => {
    const id = (await getMeta(db, 'next_mutation_id', 1));
    await setMeta(db, 'next_mutation_id', id + 1);
    const m = { mutation_id: id, name, args, at };
    await db.outbox.add(m);
    await applyLocal(db, m);
    return m;
  });
  await refreshCounts(db); // "synced" is never shown while a change waits
  changed.set((n) => n + 1);
  edited.set((n) => n + 1);
  return mutation;
}

export function pending(db, limit = Infinity) {
  const query = db.outbox.orderBy('mutation_id');
  return limit === Infinity ? query.toArray() : query.limit(limit).toArray();
}

export async function countPending(db) {
  return db.outbox.count();
}

// The server never saw mutations the outbox no longer holds before `from` (its numbering
// was lost): start a new client id and number what is left from 1 (protocol §1).
export async function renumber(db) {
  await db.transaction('rw', db.meta, db.outbox, async () => {
    const left = await db.outbox.orderBy('mutation_id').toArray();
    await db.outbox.clear();
    left.forEach((m, i) => { m.mutation_id = i + 1; });
    await db.outbox.bulkAdd(left);
    await setMeta(db, 'client_id', uuid());
    await setMeta(db, 'next_mutation_id', left.length + 1);
  });
}
