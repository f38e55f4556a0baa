// Pull: a snapshot first, then the change log from a cursor (protocol §6). Each page is
// applied in one transaction with its cursor, then the unsent outbox is re-applied on top,
// so a pull never hides the technician's own changes.
import { request } from '../api.js';
import { getMeta, setMeta, JOB_RECORDS, SYNCED } from '../db.js';
import { applyLocal, TABLES_TOUCHED } from './local.js';

const KNOWN = new Set(SYNCED);

async function dropJob(db, jobId) {
  await db.jobs.delete(jobId);
  for (const table of JOB_RECORDS) await db[table].where('job_id').equals(jobId).delete();
}

// A customer, unit or warranty record no job on the device refers to any more is dropped.
async function dropOrphans(db) {
  const jobs = await db.jobs.toArray();
  const customers = new Set(jobs.map((j) => j.customer_id));
  const units = new Set(jobs.map((j) => j.unit_id));
  await db.customers.filter((c) => !customers.has(c.id)).delete();
  await db.units.filter((u) => !units.has(u.id)).delete();
  await db.warranty_records.filter((w) => !units.has(w.unit_id)).delete();
}

async function applyPage(db, page, reset) {
  const tables = [...SYNCED, 'meta', 'outbox', ...TABLES_TOUCHED].map((t) => db[t]);
  await db.transaction('rw', [...new Set(tables)], async () => {
    if (reset) for (const table of SYNCED) await db[table].clear();
    let removed = false;
    for (const change of page.changes) {
      if (!KNOWN.has(change.entity)) continue; // forward compatibility
      if (change.op === 'upsert') await db[change.entity].put(change.data);
      else if (change.op === 'delete') await db[change.entity].delete(change.id);
      else if (change.op === 'remove') {
        await dropJob(db, change.id);
        removed = true;
      }
    }
    if (removed || reset) await dropOrphans(db);
    for (const m of await db.outbox.orderBy('mutation_id').toArray()) await applyLocal(db, m);
    await setMeta(db, 'cursor', page.cursor);
  });
}

// Raised with db.js's version when the app starts keeping an entity (or a field of one) an
// older app ignored: its next pull is a snapshot, so rows skipped before arrive too.
export const DATA_VERSION = 3;

// Returns 'ok', or the failed response for the engine to judge.
export async function pullAll(db, token, { fresh = false } = {}) {
  const current = (await getMeta(db, 'dataVersion')) === DATA_VERSION;
  let cursor = fresh || !current ? null : await getMeta(db, 'cursor');
  for (;;) {
    const query = new URLSearchParams({ limit: '500', schema_version: '1' });
    if (cursor) query.set('cursor', cursor);
    const response = await request('GET', `/api/sync/pull?${query}`, { token });
    if (!response.ok) {
      if (response.status === 400 && response.body?.type?.endsWith('bad-cursor') && cursor) {
        cursor = null; // a cursor from another server: start again from a snapshot
        continue;
      }
      return response;
    }
    await applyPage(db, response.body, response.body.reset);
    cursor = response.body.cursor;
    if (!response.body.has_more) {
      await setMeta(db, 'dataVersion', DATA_VERSION);
      return 'ok';
    }
  }
}
