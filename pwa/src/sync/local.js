// What a mutation does on the device before the server has it (optimistic), written so it
// can run again after a pull brings the server's rows: re-applying it is harmless.

const EVIDENCE = {
  answer_checklist: ['checklist_answers', (a) => ({
    item: a.item,
    answer: a.comment ? { value: a.value, comment: a.comment } : { value: a.value },
    answered_at: a.answered_at,
  })],
  add_photo: ['photos', (a) => ({
    purpose: a.purpose, sha256: a.sha256, taken_at: a.taken_at, caption: a.caption ?? null,
  })],
  add_signature: ['signatures', (a) => ({
    purpose: a.purpose,
    signer_name: a.signer_name,
    statement_text: a.statement_text,
    statement_sha256: a.statement_sha256,
    strokes: a.strokes,
    signed_at: a.signed_at,
  })],
  add_part: ['parts_used', (a) => ({
    part_code: a.part_code, name: a.name, quantity: a.quantity ?? 1,
    unit_price_fen: a.unit_price_fen ?? 0,
  })],
  add_fee_agreement: ['fee_agreements', (a) => ({
    kind: a.kind, amount_fen: a.amount_fen, party: a.party, party_name: a.party_name,
    way: a.way, signature_id: a.signature_id ?? null, note: a.note ?? null,
  })],
  add_fee: ['fee_lines', (a) => ({
    kind: a.kind, description: a.description, amount_fen: a.amount_fen, payer: a.payer,
  })],
  add_note: ['job_notes', (a) => ({ body: a.body })],
};

export const TABLES_TOUCHED = [
  'jobs', 'visits', 'dealers', 'checklist_answers', 'measurements', 'photos', 'signatures',
  'parts_used', 'fee_agreements', 'fee_lines', 'job_notes',
];

function evidenceRow(a, values, at) {
  return {
    id: a.id, job_id: a.job_id, visit_id: a.visit_id ?? null, created_at: at,
    deleted_at: null, _local: true, ...values,
  };
}

async function rulesOf(db, jobId) {
  const job = await db.jobs.get(jobId);
  const dealer = job && (await db.dealers.get(job.dealer_id));
  return dealer ? dealer.rules : null;
}

// The value in the kind's base unit, with the server's own factors (served with the rules).
export function toBase(rules, kind, value, unit) {
  const family = rules?.measurement_units?.[kind];
  const factor = family?.units?.[unit];
  if (factor === undefined) return { value, unit };
  return { value: Math.round(value * factor * 1000) / 1000, unit: family.base };
}

export async function applyLocal(db, m) {
  const a = m.args;
  const at = m.at;
  if (EVIDENCE[m.name]) {
    const [table, values] = EVIDENCE[m.name];
    if (!(await db[table].get(a.id))) await db[table].put(evidenceRow(a, values(a), at));
    return;
  }
  switch (m.name) {
    case 'add_measurement': {
      if (await db.measurements.get(a.id)) return;
      const base = toBase(await rulesOf(db, a.job_id), a.kind, a.value, a.unit);
      await db.measurements.put(evidenceRow(a, {
        kind: a.kind, value: base.value, unit: base.unit, original_value: a.value,
        original_unit: a.unit, measured_at: a.measured_at,
      }, at));
      return;
    }
    case 'record_customer_absent': {
      const job = await db.jobs.get(a.job_id);
      const dealer = job && (await db.dealers.get(job.dealer_id));
      const fee = dealer?.policy?.fees?.no_show_fen ?? 0;
      if (!(await db.fee_lines.get(a.id))) {
        await db.fee_lines.put(evidenceRow(a, {
          kind: 'no_show', payer: 'customer', amount_fen: fee, description: 'no_show',
        }, at));
      }
      if (a.visit_id) await db.visits.update(a.visit_id, { outcome: 'customer_absent' });
      return;
    }
    case 'start_visit': {
      if (!(await db.visits.get(a.id))) {
        await db.visits.put({
          id: a.id, job_id: a.job_id, arrived_at: a.arrived_at, departed_at: null,
          outcome: null, deleted_at: null, _local: true,
        });
      }
      const job = await db.jobs.get(a.job_id);
      if (job && ['new', 'assigned', 'scheduled'].includes(job.status)) {
        await db.jobs.update(a.job_id, { status: 'in_progress' });
      }
      return;
    }
    case 'update_job':
    case 'update_visit': {
      const table = m.name === 'update_job' ? db.jobs : db.visits;
      const key = m.name === 'update_job' ? a.job_id : a.id;
      const changes = Object.fromEntries(Object.entries(a.fields).map(([f, c]) => [f, c.to]));
      await table.update(key, changes);
      return;
    }
    case 'complete_job':
      await db.jobs.update(a.job_id, { status: 'completed', completed_at: a.completed_at });
      return;
    default:
  }
}
