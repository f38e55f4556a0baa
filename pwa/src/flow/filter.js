// Filter change: which filters went in, and when the next change is due (the dealer's
// interval, by water quality: the earliest and the latest date).
import { html } from '../ui/html.js';
import { t } from '../i18n.js';
import { addMonths, date } from '../format.js';
import { Photos, Section } from './parts.js';
import { Parts } from './editors.js';

const PRESETS = [['PP-10', 'PP棉'], ['UDF-10', '颗粒活性炭'], ['CTO-10', '压缩活性炭'], ['RO-400G', 'RO膜'], ['T33', '后置活性炭']];

export function nextDue(bundle, at) {
  const interval = bundle.dealer?.policy?.filter;
  if (!interval) return null;
  const day = at.slice(0, 10);
  return t('nextDue', {
    from: date(addMonths(day, interval.interval_min_months)),
    to: date(addMonths(day, interval.interval_max_months)),
  });
}

export function FilterChange({ ctx }) {
  const due = nextDue(ctx.bundle, new Date().toISOString());
  return html`
    <${Section} id="filters" title=${t('filtersTitle')} done=${ctx.bundle.records.parts_used.length > 0}>
      <${Parts} ctx=${ctx} presets=${PRESETS} />
      ${due ? html`<p class="advice">${due}</p>` : null}
    <//>
    <${Section} id="photos" title=${t('photosTitle')} done=${ctx.facts.photos.size > 0}>
      <${Photos} ctx=${ctx} purpose="other" />
    <//>
  `;
}
