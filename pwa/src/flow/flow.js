// The on-site flow of one job: the steps of its kind, then completion, which lists exactly
// what the dealer's completion rules still miss (the same rules the server enforces).
import { html } from '../ui/html.js';
import { useData, useDb } from '../ui/hooks.js';
import { pick, t } from '../i18n.js';
import { loadJob, OPEN } from '../data.js';
import { factsFor, missingItems } from '../rules.js';
import { enqueue } from '../sync/outbox.js';
import { Installation } from './installation.js';
import { Repair } from './repair.js';
import { FilterChange, nextDue } from './filter.js';
import { Generic } from './generic.js';

const FLOWS = { installation: Installation, repair: Repair, filter_change: FilterChange };

function Completion({ ctx, missing }) {
  const { job } = ctx.bundle;
  if (job.status === 'completed') return html`<p class="weui-msg__title ok" role="status">${t('completed')}</p>`;
  if (!ctx.open) return html`<p class="bad">${t('readOnly')}</p>`;
  async function complete() {
    const at = new Date().toISOString();
    if (job.kind === 'filter_change') {
      const due = nextDue(ctx.bundle, at);
      if (due) await enqueue(ctx.db, 'add_note', { id: crypto.randomUUID(), job_id: job.id, body: due });
    }
    await enqueue(ctx.db, 'complete_job', { job_id: job.id, completed_at: at });
  }
  return html`
    <section class="complete" aria-labelledby="complete-h">
      <h2 class="visually-hidden" id="complete-h">${t('complete')}</h2>
      ${missing.length ? html`<div class="missing" role="status">
        <p>${t('missing')}</p>
        <ul>${missing.map((m) => html`<li key=${m.id} data-rule=${m.id}>${pick(m.label)}</li>`)}</ul>
      </div>` : null}
      <button type="button" class="weui-btn weui-btn_primary" disabled=${missing.length > 0}
        onClick=${complete}>${t('complete')}</button>
    </section>
  `;
}

export function Flow({ id }) {
  const db = useDb();
  const bundle = useData((d) => loadJob(d, id), [id]);
  if (bundle === undefined) return html`<p class="loading" aria-busy="true">…</p>`;
  if (bundle === null) return html`<p class="empty">${t('noJobs')}</p>`;
  const rules = bundle.dealer?.rules;
  const facts = factsFor(bundle.job, bundle.unit, bundle.records);
  const ctx = { db, bundle, open: OPEN.includes(bundle.job.status), rules, facts };
  const Steps = FLOWS[bundle.job.kind] || Generic;
  return html`
    <a class="back" href=${`#/job/${id}`}>‹ ${t('back')}</a>
    <h1 class="page-title">${t('flowFor', { kind: t(`k_${bundle.job.kind}`) })} · ${bundle.customer?.name || ''}</h1>
    <${Steps} ctx=${ctx} />
    <${Completion} ctx=${ctx} missing=${missingItems(rules, bundle.job.kind, facts)} />
  `;
}
