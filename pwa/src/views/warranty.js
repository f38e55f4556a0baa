// The unit's warranty as the server keeps it (server/warranty/), and who pays for the job's
// fault: shown on the job and wherever money is asked for.
import { html } from '../ui/html.js';
import { pick, t } from '../i18n.js';
import { date } from '../format.js';

const today = () => new Date().toISOString().slice(0, 10);

export function WarrantyStatus({ warranty, unit }) {
  if (!warranty?.ends_on) {
    return html`<span>${unit?.purchase_date ? `${t('purchased')} ${date(unit.purchase_date)} · ` : ''}${t('warrantyUnknown')}</span>`;
  }
  const end = warranty.extended_to && warranty.extended_to > warranty.ends_on ? warranty.extended_to : warranty.ends_on;
  const inside = end >= today();
  const lines = [];
  if (warranty.wearing_parts_end_on) lines.push(t('warrantyParts', { date: date(warranty.wearing_parts_end_on) }));
  if (warranty.installer_ends_on && warranty.installer_ends_on >= today()) {
    lines.push(t('warrantyInstaller', { date: date(warranty.installer_ends_on) }));
  }
  if (warranty.filters_changed_on) {
    lines.push(t('filtersBy', { date: date(warranty.filters_changed_on), by: t(`by_${warranty.filters_changed_by}`) }));
  }
  return html`
    <span class=${inside ? 'ok' : 'bad'}>${t(inside ? 'warrantyUntil' : 'warrantyOut', { date: date(end) })}</span>
    ${lines.map((line) => html`<br /><span class="small">${line}</span>`)}
  `;
}

export function WarrantyHistory({ warranty }) {
  const events = warranty?.history || [];
  return events.map((e) => html`<div class="weui-cell"><div class="weui-cell__bd">
    ${date(e.on)} · ${t(`h_${e.kind}`) === `h_${e.kind}` ? e.kind : t(`h_${e.kind}`)}${e.by ? ` · ${t(`by_${e.by}`)}` : ''}
  </div></div>`);
}

export function Liability({ decision }) {
  if (!decision) return null;
  return html`
    <div class="advice liability" role="note">
      <p><strong>${t('liability')}</strong> ${t('liabilityLine', {
        rule: decision.rule, who: t(`liable_${decision.liable}`), charge: t(`charge_${decision.charge}`),
      })}</p>
      <p class="small">${pick(decision.explanation)}</p>
    </div>
  `;
}
