// Today's jobs by time window, then the rest: what a technician opens the app for.
import { html } from '../ui/html.js';
import { useData } from '../ui/hooks.js';
import { t } from '../i18n.js';
import { day, localDay, time } from '../format.js';
import { listJobs, OPEN } from '../data.js';

function JobRow({ job, customer }) {
  const when = job.window_start ? `${time(job.window_start)}–${time(job.window_end)}` : '';
  return html`
    <a class="weui-cell weui-cell_access job" href=${`#/job/${job.id}`}>
      <div class="weui-cell__hd job__time">${when}</div>
      <div class="weui-cell__bd">
        <p class="job__title">${t(`k_${job.kind}`)} · ${customer?.name || ''}</p>
        <p class="job__sub">${job.address || customer?.address || ''}</p>
      </div>
      <div class="weui-cell__ft"><span class=${`badge badge_${job.status}`}>${t(`st_${job.status}`)}</span></div>
    </a>
  `;
}

function Group({ title, rows, showDay }) {
  if (!rows.length) return null;
  return html`
    <section aria-label=${title}>
      <h2 class="weui-cells__title">${title}</h2>
      <div class="weui-cells">
        ${rows.map((r) => html`<div key=${r.job.id}>
          ${showDay && r.job.window_start ? html`<p class="job__day">${day(r.job.window_start)}</p>` : null}
          <${JobRow} ...${r} />
        </div>`)}
      </div>
    </section>
  `;
}

export function JobList() {
  const rows = useData(listJobs);
  if (!rows) return html`<p class="loading" aria-busy="true">…</p>`;
  const today = localDay(new Date().toISOString());
  const groups = { today: [], earlier: [], upcoming: [], unscheduled: [], done: [] };
  for (const row of rows) {
    const { job } = row;
    if (!OPEN.includes(job.status)) groups.done.push(row);
    else if (!job.window_start) groups.unscheduled.push(row);
    else {
      const d = localDay(job.window_start);
      groups[d === today ? 'today' : d < today ? 'earlier' : 'upcoming'].push(row);
    }
  }
  return html`
    <h1 class="page-title">${t('myJobs')}</h1>
    ${rows.length ? null : html`<p class="empty">${t('noJobs')}</p>`}
    <${Group} title=${t('today')} rows=${groups.today} />
    <${Group} title=${t('earlier')} rows=${groups.earlier} showDay />
    <${Group} title=${t('unscheduled')} rows=${groups.unscheduled} />
    <${Group} title=${t('upcoming')} rows=${groups.upcoming} showDay />
    <${Group} title=${t('done')} rows=${groups.done} showDay />
  `;
}
