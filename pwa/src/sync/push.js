// Push: send the outbox in order, drop what the server answered for, keep every answer the
// technician must see (protocol §2). Nothing leaves the outbox without an answer.
import { request } from '../api.js';
import { clientId, pending, renumber } from './outbox.js';

export const BATCH = 100;

function needsAttention(result) {
  if (result.status === 'rejected' || result.status === 'conflict') return true;
  const fields = Object.values(result.fields || {});
  return fields.includes('server_won') || fields.includes('held');
}

async function record(db, sent, results) {
  const byId = new Map(sent.map((m) => [m.mutation_id, m]));
  const rows = [];
  for (const raw of results) {
    // A duplicate's first answer is the one that counts.
    const result = raw.status === 'duplicate' && raw.original ? raw.original : raw;
    const m = byId.get(raw.mutation_id);
    if (m && needsAttention(result)) {
      rows.push({
        mutation_id: m.mutation_id, job_id: m.args.job_id ?? null, name: m.name,
        args: m.args, result, at: new Date().toISOString(), seen: 0,
      });
    }
  }
  if (rows.length) await db.attention.bulkAdd(rows);
  return rows.length;
}

// One push of up to `size` mutations. Returns {status, sent, flagged, retryAfter, body}.
export async function pushOnce(db, token, size = BATCH) {
  const batch = await pending(db, size);
  if (!batch.length) return { status: 'empty', sent: 0 };
  const body = {
    schema_version: 1,
    client_id: await clientId(db),
    mutations: batch.map(({ mutation_id, name, args, at }) => ({ mutation_id, name, args, at })),
  };
  const response = await request('POST', '/api/sync/push', { token, body });
  if (response.status === 200) {
    const answer = response.body;
    const done = batch.filter((m) => m.mutation_id <= answer.last_mutation_id);
    let flagged = 0;
    await db.transaction('rw', db.outbox, db.attention, async () => {
      flagged = await record(db, done, answer.results);
      await db.outbox.bulkDelete(done.map((m) => m.mutation_id));
    });
    if (answer.gap && !(await db.outbox.get(answer.resume_from))) {
      await renumber(db); // the server expects ids this outbox no longer holds
    }
    return { status: 'ok', sent: done.length, flagged };
  }
  if (response.status === 403 && response.body?.type?.endsWith('client-not-yours')) {
    await renumber(db);
    return { status: 'retry', sent: 0 };
  }
  return { status: response.status, sent: 0, retryAfter: response.retryAfter, body: response.body };
}
