// The pieces every on-site flow is made of: a section, a yes/no or "done" answer, photos by
// purpose, a signature by purpose. Each writes mutations through the outbox.
import { useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { go } from '../ui/router.js';
import { t } from '../i18n.js';
import { enqueue, uuid } from '../sync/outbox.js';
import { keepBlob } from '../sync/media.js';
import { preparePhoto } from '../photo/index.js';
import { Thumb } from './thumb.js';

export function latestAnswer(bundle, item) {
  const rows = bundle.records.checklist_answers.filter((a) => a.item === item);
  rows.sort((a, b) => Date.parse(a.answered_at) - Date.parse(b.answered_at));
  return rows.length ? rows.at(-1).answer?.value : undefined;
}

function visitOf(bundle) {
  const visits = [...bundle.records.visits].sort((a, b) => a.arrived_at.localeCompare(b.arrived_at));
  return visits.at(-1)?.id;
}

export function evidence(bundle, extra) {
  const visit = visitOf(bundle);
  return { id: uuid(), job_id: bundle.job.id, ...(visit ? { visit_id: visit } : {}), ...extra };
}

export function Section({ title, done, children, id }) {
  return html`
    <section class=${`step ${done ? 'step_done' : ''}`} aria-labelledby=${`${id}-h`}>
      <h2 class="step__title" id=${`${id}-h`}>
        <span class="step__mark" aria-hidden="true">${done ? '✓' : '○'}</span>${title}
      </h2>
      <div class="step__body">${children}</div>
    </section>
  `;
}

export function Answer({ ctx, item, yes, no, comment }) {
  const value = latestAnswer(ctx.bundle, item);
  const write = (v) => enqueue(ctx.db, 'answer_checklist', evidence(ctx.bundle, {
    item, value: v, answered_at: new Date().toISOString(), ...(comment && !v ? { comment } : {}),
  }));
  return html`
    <div class="choice" role="group">
      <button type="button" class=${`weui-btn weui-btn_mini ${value === true ? 'weui-btn_primary' : 'weui-btn_default'}`}
        aria-pressed=${value === true} disabled=${!ctx.open} onClick=${() => write(true)}>${yes || t('yes')}</button>
      ${no !== false ? html`<button type="button" class=${`weui-btn weui-btn_mini ${value === false ? 'weui-btn_warn' : 'weui-btn_default'}`}
        aria-pressed=${value === false} disabled=${!ctx.open} onClick=${() => write(false)}>${no || t('no')}</button>` : null}
    </div>
  `;
}

export function Photos({ ctx, purpose, label }) {
  const [busy, setBusy] = useState(0);
  const photos = ctx.bundle.records.photos.filter((p) => p.purpose === purpose);
  async function take(event) {
    const files = [...event.target.files];
    event.target.value = '';
    setBusy(files.length);
    for (const file of files) {
      try {
        const photo = await preparePhoto(file, purpose);
        await keepBlob(ctx.db, { ...photo, purpose, jobId: ctx.bundle.job.id });
        await enqueue(ctx.db, 'add_photo', evidence(ctx.bundle, {
          purpose, sha256: photo.sha256, taken_at: new Date(file.lastModified || Date.now()).toISOString(),
        }));
      } finally {
        setBusy((n) => n - 1);
      }
    }
  }
  const inputId = `photo-${purpose}`;
  return html`
    <div class="photos">
      <p class="photos__label">${label || t(`p_${purpose}`)}</p>
      <ul class="photos__list">
        ${photos.map((p) => html`<li key=${p.id}><${Thumb} sha256=${p.sha256} alt=${label || t(`p_${purpose}`)} /></li>`)}
      </ul>
      ${ctx.open ? html`<label class="weui-btn weui-btn_mini weui-btn_default photos__take" for=${inputId}>
        ${busy ? t('preparing') : t('takePhotos')}</label>
      <input class="visually-hidden" id=${inputId} type="file" accept="image/*" capture="environment"
        multiple onChange=${take} data-purpose=${purpose} />` : null}
    </div>
  `;
}

export function Signature({ ctx, purpose }) {
  const signed = ctx.bundle.records.signatures.filter((s) => s.purpose === purpose).at(-1);
  return html`
    <div class="signature">
      ${signed ? html`<p class="ok">${t('signed', { name: signed.signer_name })}</p>` : null}
      ${ctx.open ? html`<button type="button" class=${`weui-btn weui-btn_mini ${signed ? 'weui-btn_default' : 'weui-btn_primary'}`}
        onClick=${() => go(`job/${ctx.bundle.job.id}/sign/${purpose}`)}>${t('sign')} · ${t(`s_${purpose}`)}</button>` : null}
    </div>
  `;
}
