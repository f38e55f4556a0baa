// Kinds without steps of their own (maintenance, water test, …): readings, photos, notes.
import { html } from '../ui/html.js';
import { t } from '../i18n.js';
import { Photos, Section } from './parts.js';
import { Pressure } from './editors.js';

export function Generic({ ctx }) {
  return html`
    <${Section} id="readings" title=${t('pressureTitle')} done=${ctx.bundle.records.measurements.length > 0}>
      <${Pressure} ctx=${ctx} />
    <//>
    <${Section} id="photos" title=${t('photosTitle')} done=${ctx.facts.photos.size > 0}>
      <${Photos} ctx=${ctx} purpose="site" />
    <//>
  `;
}
