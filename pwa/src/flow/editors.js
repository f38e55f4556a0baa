// Editors for what has a value: the pressure reading (any unit, stored as the server
// converts it), the diagnosis and fault category, parts, and itemized fees in fen.
import { useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { t } from '../i18n.js';
import { toFen, yuan } from '../format.js';
import { enqueue } from '../sync/outbox.js';
import { evidence } from './parts.js';
import { go } from '../ui/router.js';

// The gauge's units, 公斤 first: it is what technicians and customers say.
const PRESSURE_UNITS = [['kgf/cm2', '公斤 (kgf/cm²)'], ['bar', 'bar'], ['MPa', 'MPa'], ['psi', 'psi'], ['kPa', 'kPa']];

export function formatPressure(m) {
  const unit = PRESSURE_UNITS.find(([u]) => u === m.original_unit)?.[1] || m.original_unit;
  return `${m.original_value} ${unit} (${m.value} kPa)`;
}

export function formatFees(lines) {
  return lines.map((f) => `${f.description} ${yuan(f.amount_fen)}`).join('；') || '—';
}

export function Pressure({ ctx, kind = 'inlet_pressure' }) {
  const [unit, setUnit] = useState('kgf/cm2');
  const [value, setValue] = useState('');
  const readings = ctx.bundle.records.measurements.filter((m) => m.kind === kind);
  async function save(event) {
    event.preventDefault();
    const raw = event.target.elements.value.value.trim(); // the field now, not last render
    const number = Number(raw);
    if (!Number.isFinite(number) || number < 0 || raw === '') return;
    const chosen = event.target.elements.unit.value;
    setValue('');
    await enqueue(ctx.db, 'add_measurement', evidence(ctx.bundle, {
      kind, value: number, unit: chosen, measured_at: new Date().toISOString(),
    }));
  }
  return html`
    <ul class="readings">${readings.map((m) => html`<li key=${m.id}>${formatPressure(m)}</li>`)}</ul>
    ${ctx.open ? html`<form class="inline-form" onSubmit=${save}>
      <label class="visually-hidden" for="pressure-value">${t('pressureValue')}</label>
      <input id="pressure-value" name="value" class="weui-input" inputmode="decimal" placeholder=${t('pressureValue')}
        value=${value} onInput=${(e) => setValue(e.target.value)} />
      <label class="visually-hidden" for="pressure-unit">unit</label>
      <select id="pressure-unit" name="unit" class="weui-select" value=${unit} onChange=${(e) => setUnit(e.target.value)}>
        ${PRESSURE_UNITS.map(([u, label]) => html`<option value=${u}>${label}</option>`)}
      </select>
      <button class="weui-btn weui-btn_mini weui-btn_primary" type="submit">${t('save')}</button>
    </form>` : null}
  `;
}

export function Diagnosis({ ctx }) {
  const { job, dealer } = ctx.bundle;
  const [text, setText] = useState(job.diagnosis || '');
  const categories = dealer?.rules?.fault_categories || [];
  const edit = (field, to) => enqueue(ctx.db, 'update_job', {
    job_id: job.id, fields: { [field]: { from: job[field] ?? null, to } },
  });
  return html`
    <label class="field"><span>${t('diagnosisTitle')}</span>
      <textarea class="weui-textarea" rows="2" value=${text} disabled=${!ctx.open}
        onInput=${(e) => setText(e.target.value)}
        onBlur=${() => text.trim() !== (job.diagnosis || '') && edit('diagnosis', text.trim() || null)}></textarea>
    </label>
    <label class="field"><span>${t('faultCategory')}</span>
      <select class="weui-select" value=${job.fault_category || ''} disabled=${!ctx.open}
        onChange=${(e) => edit('fault_category', e.target.value || null)}>
        <option value="">—</option>
        ${categories.map((c) => html`<option value=${c}>${t(`f_${c}`) === `f_${c}` ? c : t(`f_${c}`)}</option>`)}
      </select>
    </label>
  `;
}

export function Parts({ ctx, presets = [] }) {
  const parts = ctx.bundle.records.parts_used;
  async function add(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    event.target.reset();
    await enqueue(ctx.db, 'add_part', evidence(ctx.bundle, {
      part_code: form.get('code').trim(), name: form.get('name').trim(),
      quantity: Math.max(1, Number.parseInt(form.get('quantity'), 10) || 1),
      unit_price_fen: toFen(form.get('price')),
    }));
  }
  return html`
    <ul class="lines">${parts.map((p) => html`<li key=${p.id}>${p.name} (${p.part_code}) × ${p.quantity} · ${yuan(p.unit_price_fen)}</li>`)}</ul>
    ${ctx.open ? html`<form class="line-form" onSubmit=${add}>
      <input class="weui-input" name="code" required aria-label=${t('partCode')} placeholder=${t('partCode')} list="part-presets" />
      <datalist id="part-presets">${presets.map(([code]) => html`<option value=${code} />`)}</datalist>
      <input class="weui-input" name="name" required aria-label=${t('partName')} placeholder=${t('partName')} />
      <input class="weui-input" name="quantity" inputmode="numeric" aria-label=${t('quantity')} placeholder=${t('quantity')} />
      <input class="weui-input" name="price" inputmode="decimal" aria-label=${t('unitPrice')} placeholder=${t('unitPrice')} />
      <button class="weui-btn weui-btn_mini weui-btn_primary" type="submit">${t('add')}</button>
    </form>` : null}
  `;
}

// The fee rules come with the dealer's rules (server/field/fees.py): what needs a prior
// agreement and from whom, what the liability decision governs. No second copy here.
export function feeCheck(rules, records, line) {
  const fees = rules?.fees;
  if (!fees || line.payer !== 'customer' || !line.amount_fen) return null;
  const decision = records.liability_decisions[0];
  if (fees.liability_bound.includes(line.kind) && decision?.charge === 'free') {
    return { refused: t('feeFreeJob', { rule: decision.rule }) };
  }
  const party = fees.agreed_by[line.kind];
  if (!party) return null;
  const sum = (rows) => rows.reduce((n, r) => n + r.amount_fen, 0);
  const agreed = sum(records.fee_agreements.filter((a) => a.kind === line.kind && a.party === party));
  const charged = sum(records.fee_lines.filter((f) => f.kind === line.kind && f.payer === 'customer'));
  if (charged + line.amount_fen <= agreed) return null;
  const purpose = fees.signed_as[line.kind];
  if (!purpose) return { refused: t('feeNeedsDealer', { agreed: yuan(agreed) }) };
  return { sign: purpose, agreed };
}

export function Fees({ ctx }) {
  const { records } = ctx.bundle;
  const fees = records.fee_lines;
  const rules = ctx.bundle.dealer?.rules?.fees;
  const [problem, setProblem] = useState(null);
  async function add(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const line = {
      kind: form.get('kind'), description: form.get('description').trim(),
      amount_fen: toFen(form.get('amount')), payer: form.get('payer'),
    };
    const check = feeCheck(ctx.bundle.dealer?.rules, records, line);
    if (check?.refused) return setProblem(check.refused);
    if (check?.sign) {
      // Agreed first: the customer signs the amount, then the charge is recorded.
      const path = [check.sign, line.amount_fen, encodeURIComponent(line.description)].join('/');
      return go(`job/${ctx.bundle.job.id}/sign/${path}`);
    }
    setProblem(null);
    event.target.reset();
    await enqueue(ctx.db, 'add_fee', evidence(ctx.bundle, line));
  }
  const total = fees.reduce((n, f) => n + (f.payer === 'customer' ? f.amount_fen : 0), 0);
  const agreements = records.fee_agreements;
  return html`
    ${agreements.length ? html`<ul class="lines agreed">${agreements.map((a) => html`<li key=${a.id}>${t('agreedLine', {
      kind: t(`fee_${a.kind}`), amount: yuan(a.amount_fen), who: a.party_name,
    })}</li>`)}</ul>` : null}
    <ul class="lines">${fees.map((f) => html`<li key=${f.id}>${t(`fee_${f.kind}`)} · ${f.description} · ${yuan(f.amount_fen)} · ${t(`payer_${f.payer}`)}</li>`)}</ul>
    <p class="total">${t('feeTotal', { total: yuan(total) })}</p>
    ${problem ? html`<p class="bad" role="alert">${problem}</p>` : null}
    ${ctx.open && rules ? html`<form class="line-form" onSubmit=${add}>
      <select class="weui-select" name="kind" aria-label=${t('feeKind')}>${rules.kinds.map((k) => html`<option value=${k}>${t(`fee_${k}`)}</option>`)}</select>
      <input class="weui-input" name="description" required aria-label=${t('feeDescription')} placeholder=${t('feeDescription')} />
      <input class="weui-input" name="amount" inputmode="decimal" required aria-label=${t('amount')} placeholder=${t('amount')} />
      <select class="weui-select" name="payer" aria-label=${t('payer')}>${rules.payers.map((p) => html`<option value=${p}>${t(`payer_${p}`)}</option>`)}</select>
      <button class="weui-btn weui-btn_mini weui-btn_primary" type="submit">${t('add')}</button>
    </form>` : null}
  `;
}
