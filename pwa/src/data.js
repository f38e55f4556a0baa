// Reading what the device holds, shaped for the screens.
import { JOB_RECORDS } from './db.js';

export async function listJobs(db) {
  const [jobs, customers] = await Promise.all([db.jobs.toArray(), db.customers.toArray()]);
  const byId = new Map(customers.map((c) => [c.id, c]));
  return jobs
    .filter((j) => !j.deleted_at)
    .map((job) => ({ job, customer: byId.get(job.customer_id) }))
    .sort((a, b) => (a.job.window_start || '9').localeCompare(b.job.window_start || '9'));
}

export async function loadJob(db, id) {
  const job = await db.jobs.get(id);
  if (!job) return null;
  const [customer, unit, dealer] = await Promise.all([
    db.customers.get(job.customer_id),
    job.unit_id ? db.units.get(job.unit_id) : null,
    db.dealers.get(job.dealer_id),
  ]);
  const warranty = unit ? await db.warranty_records.where('unit_id').equals(unit.id).first() : null;
  const records = {};
  for (const table of JOB_RECORDS) {
    records[table] = (await db[table].where('job_id').equals(id).toArray()).filter((r) => !r.deleted_at);
  }
  const pendingIds = new Set(
    (await db.outbox.toArray()).filter((m) => m.args.job_id === id).map((m) => m.args.id),
  );
  const otherJobs = unit
    ? (await db.jobs.toArray()).filter((j) => j.unit_id === unit.id && j.id !== id)
    : [];
  return { job, customer, unit, dealer, warranty, records, pendingIds, otherJobs };
}

export function currentVisit(bundle) {
  const visits = [...bundle.records.visits].sort((a, b) => a.arrived_at.localeCompare(b.arrived_at));
  return visits.at(-1) || null;
}

export const OPEN = ['new', 'assigned', 'scheduled', 'in_progress'];
