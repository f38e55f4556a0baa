// The completion rules, evaluated on the device exactly as the server evaluates them on
// complete_job (server/field/completion.py): the rules are the dealer's, served with its row;
// this is the same small condition language. tests/pwa/test_rules_parity.py runs both.

export function factsFor(job, unit, records) {
  const answers = {};
  const live = (rows) => rows.filter((r) => !r.deleted_at);
  const byTime = (x, y) => Date.parse(x.answered_at) - Date.parse(y.answered_at);
  for (const a of live(records.checklist_answers).sort(byTime)) answers[a.item] = a.answer?.value;
  const measurements = {};
  for (const m of live(records.measurements)) (measurements[m.kind] ||= []).push(m.value);
  return {
    answers,
    signatures: new Set(live(records.signatures).map((s) => s.purpose)),
    photos: new Set(live(records.photos).map((p) => p.purpose)),
    measurements,
    unit: { shipped_with_prv: Boolean(unit?.shipped_with_prv) },
    job: { diagnosis: job.diagnosis, fault_category: job.fault_category },
  };
}

export function holds(cond, facts) {
  if ('all' in cond) return cond.all.every((c) => holds(c, facts));
  if ('any' in cond) return cond.any.some((c) => holds(c, facts));
  if ('not' in cond) return !holds(cond.not, facts);
  if ('answered' in cond) return cond.answered in facts.answers;
  if ('answer' in cond) {
    return cond.answer in facts.answers && facts.answers[cond.answer] === cond.equals;
  }
  if ('signature' in cond) return facts.signatures.has(cond.signature);
  if ('photo' in cond) return facts.photos.has(cond.photo);
  if ('measurement' in cond) return (facts.measurements[cond.measurement] || []).length > 0;
  if ('measurement_above' in cond) {
    return (facts.measurements[cond.measurement_above] || []).some((v) => v > cond.value);
  }
  if ('unit_flag' in cond) return Boolean(facts.unit[cond.unit_flag]);
  if ('job_field' in cond) return Boolean(facts.job[cond.job_field]);
  throw new Error(`unknown condition ${JSON.stringify(cond)}`);
}

// Every rule of this kind the job does not meet yet: [] means it may complete.
export function missingItems(rules, kind, facts) {
  const list = rules?.kinds?.[kind] || [];
  return list
    .filter((r) => (!r.when || holds(r.when, facts)) && !holds(r.require, facts))
    .map((r) => ({ id: r.id, label: r.label }));
}

// Whether a rule applies at all (e.g. the pressure valve only above the threshold).
export function applies(rules, kind, id, facts) {
  const rule = (rules?.kinds?.[kind] || []).find((r) => r.id === id);
  return Boolean(rule) && (!rule.when || holds(rule.when, facts));
}
