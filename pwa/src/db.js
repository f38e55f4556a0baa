// IndexedDB through Dexie: one database per signed-in user, so nothing of one user's work
// mixes with another's, and signing out never has to delete unsent work.
import Dexie from 'dexie';

// The synced entities (server/sync/entities.py) and the rows that hang off a job.
export const JOB_RECORDS = [
  'visits',
  'checklist_answers',
  'measurements',
  'photos',
  'signatures',
  'parts_used',
  'fee_agreements',
  'fee_lines',
  'job_notes',
  'sync_conflicts',
  'liability_decisions',
];
export const CONTEXT = ['customers', 'units', 'warranty_records', 'dealers'];
export const SYNCED = ['jobs', ...CONTEXT, ...JOB_RECORDS];

const opened = new Map();

export function userDb(userId) {
  if (!opened.has(userId)) {
    const db = new Dexie(`purifier-${userId}`);
    const records = Object.fromEntries(JOB_RECORDS.map((name) => [name, 'id, job_id']));
    const v1 = { ...records };
    delete v1.liability_decisions;
    delete v1.fee_agreements;
    db.version(1).stores({
      meta: 'key',
      jobs: 'id, status, window_start',
      customers: 'id',
      units: 'id',
      warranty_records: 'id, unit_id',
      dealers: 'id',
      ...v1,
      photos: 'id, job_id, sha256',
      // Mutations not yet answered by the server, in mutation_id order.
      outbox: 'mutation_id',
      // Answers the technician must see: rejected, held, or settled against them.
      attention: '++seq, mutation_id, job_id, seen',
      // Photo bytes until the server has them (and a thumbnail for the screens).
      blobs: 'sha256, state, job_id',
    });
    // Who pays for a job's fault (server/warranty/), synced since version 2.
    db.version(2).stores({ liability_decisions: 'id, job_id' });
    // Charges agreed before the work (server/field/fees.py), synced since version 3.
    db.version(3).stores({ fee_agreements: 'id, job_id' });
    opened.set(userId, db);
  }
  return opened.get(userId);
}

export async function getMeta(db, key, fallback = null) {
  const row = await db.meta.get(key);
  return row ? row.value : fallback;
}

export function setMeta(db, key, value) {
  return db.meta.put({ key, value });
}

export async function deleteUserDb(userId) {
  const db = opened.get(userId);
  if (db) {
    db.close();
    opened.delete(userId);
  }
  await Dexie.delete(`purifier-${userId}`);
}
