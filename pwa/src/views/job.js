// One job: who, where (tap to call, map), the unit and its warranty, history and notes,
// and the way into the on-site flow.
import { useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { useData, useDb } from '../ui/hooks.js';
import { go } from '../ui/router.js';
import { ask } from '../ui/dialog.js';
import { t } from '../i18n.js';
import { day, time, yuan } from '../format.js';
import { currentVisit, loadJob, OPEN } from '../data.js';
import { enqueue, uuid } from '../sync/outbox.js';
import { Liability, WarrantyHistory, WarrantyStatus } from './warranty.js';

function mapLink(address) {
  return `https://uri.amap.com/search?keyword=${encodeURIComponent(address)}`;
}

function Row({ label, children }) {
  return html`<div class="weui-cell"><div class="weui-cell__hd weui-label">${label}</div>
    <div class="weui-cell__bd">${children}</div></div>`;
}

function Notes({ bundle, db }) {
  const [text, setText] = useState('');
  const open = OPEN.includes(bundle.job.status);
  async function add(event) {
    event.preventDefault();
    // What the field holds now, not the last render's state: a fast tap must not lose text.
    const body = event.target.elements.body.value.trim();
    if (!body) return;
    setText(''); // cleared now: what is typed next belongs to the next note
    const visit = currentVisit(bundle);
    await enqueue(db, 'add_note', {
      id: uuid(), job_id: bundle.job.id, body, ...(visit ? { visit_id: visit.id } : {}),
    });
  }
  return html`
    <section aria-labelledby="notes-h">
      <h2 class="weui-cells__title" id="notes-h">${t('notes')}</h2>
      <div class="weui-cells">
        ${bundle.records.job_notes.map((n) => html`<div class="weui-cell" key=${n.id}>
          <div class="weui-cell__bd"><p class="note">${n.body}</p></div>
          ${bundle.pendingIds.has(n.id) ? html`<div class="weui-cell__ft pending">${t('pendingMark')}</div>` : null}
        </div>`)}
      </div>
      ${open ? html`<form class="note-form" onSubmit=${add}>
        <label class="visually-hidden" for="note-text">${t('addNote')}</label>
        <textarea id="note-text" name="body" class="weui-textarea" rows="2" placeholder=${t('addNote')}
          value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
        <button class="weui-btn weui-btn_mini weui-btn_primary" type="submit">${t('save')}</button>
      </form>` : null}
    </section>
  `;
}

export function JobDetail({ id }) {
  const db = useDb();
  const bundle = useData((d) => loadJob(d, id), [id]);
  if (bundle === undefined) return html`<p class="loading" aria-busy="true">…</p>`;
  if (bundle === null) return html`<p class="empty">${t('noJobs')}</p><a href="#/">${t('back')}</a>`;
  const { job, customer, unit, dealer, warranty, records } = bundle;
  const open = OPEN.includes(job.status);
  const visit = currentVisit(bundle);
  const address = job.address || customer?.address || '';

  async function start() {
    await enqueue(db, 'start_visit', { id: uuid(), job_id: job.id, arrived_at: new Date().toISOString() });
    go(`job/${job.id}/flow`);
  }
  async function noShow() {
    const fee = yuan(dealer?.policy?.fees?.no_show_fen);
    if (!(await ask(t('noShowConfirm', { fee })))) return;
    let visitId = visit?.id;
    if (!visitId) {
      visitId = uuid();
      await enqueue(db, 'start_visit', { id: visitId, job_id: job.id, arrived_at: new Date().toISOString() });
    }
    await enqueue(db, 'record_customer_absent', {
      id: uuid(), job_id: job.id, visit_id: visitId, at: new Date().toISOString(),
    });
  }

  return html`
    <a class="back" href="#/">‹ ${t('back')}</a>
    <h1 class="page-title">${t(`k_${job.kind}`)} · ${customer?.name || ''}
      <span class=${`badge badge_${job.status}`}>${t(`st_${job.status}`)}</span></h1>
    <div class="weui-cells">
      <${Row} label=${t('window')}>${job.window_start ? `${day(job.window_start)} ${time(job.window_start)}–${time(job.window_end)}` : t('unscheduled')}<//>
      <${Row} label=${t('customer')}>${customer?.name || ''}
        ${customer?.phone ? html` <a class="call" href=${`tel:${customer.phone}`}>${t('call')} ${customer.phone}</a>` : null}<//>
      <${Row} label=${t('address')}>${address}
        ${address ? html` <a class="map" href=${mapLink(address)} target="_blank" rel="noopener noreferrer">${t('map')}</a>` : null}<//>
      <${Row} label=${t('unit')}>${unit ? `${unit.model} · ${t('serial')} ${unit.serial}` : '—'}<//>
      <${Row} label=${t('warranty')}><${WarrantyStatus} warranty=${warranty} unit=${unit} /><//>
      ${job.description ? html`<${Row} label=${t('description')}>${job.description}<//>` : null}
    </div>
    <${Liability} decision=${records.liability_decisions[0]} />
    <div class="actions">
      ${open && !visit ? html`<button type="button" class="weui-btn weui-btn_primary" onClick=${start}>${t('startVisit')}</button>` : null}
      <button type="button" class=${`weui-btn ${visit || !open ? 'weui-btn_primary' : 'weui-btn_default'}`}
        onClick=${() => go(`job/${job.id}/flow`)}>${t('openFlow')}</button>
      ${open ? html`<button type="button" class="weui-btn weui-btn_default" onClick=${noShow}>${t('noShow')}</button>` : null}
    </div>
    <section aria-labelledby="history-h">
      <h2 class="weui-cells__title" id="history-h">${t('history')}</h2>
      <div class="weui-cells">
        ${records.visits.map((v) => html`<div class="weui-cell" key=${v.id}><div class="weui-cell__bd">
          ${t('visitArrived', { time: `${day(v.arrived_at)} ${time(v.arrived_at)}` })}${v.outcome ? ` · ${v.outcome}` : ''}</div></div>`)}
        ${bundle.otherJobs.map((j) => html`<a class="weui-cell weui-cell_access" key=${j.id} href=${`#/job/${j.id}`}>
          <div class="weui-cell__bd">${t(`k_${j.kind}`)} · ${t(`st_${j.status}`)}</div></a>`)}
        <${WarrantyHistory} warranty=${warranty} />
      </div>
    </section>
    <${Notes} bundle=${bundle} db=${db} />
  `;
}
