// Installation, in DOMAIN.md's order: unbox check, floor drain, water pressure (valve or
// waiver), install steps, photos, leak check, briefing, fees agreed beforehand (if any),
// acceptance.
import { html } from '../ui/html.js';
import { t } from '../i18n.js';
import { applies, holds } from '../rules.js';
import { Answer, latestAnswer, Photos, Section, Signature } from './parts.js';
import { Fees, formatPressure, Pressure } from './editors.js';

function Valve({ ctx }) {
  const { facts, bundle, rules } = ctx;
  if (!applies(rules, 'installation', 'pressure_valve', facts)) return null;
  const shipped = Boolean(bundle.unit?.shipped_with_prv);
  const mandatory = Boolean(rules?.pressure_valve_mandatory);
  const reading = bundle.records.measurements.filter((m) => m.kind === 'inlet_pressure').at(-1);
  const fitted = latestAnswer(bundle, 'pressure_valve_installed');
  return html`
    <div class="advice" role="note">
      ${reading ? html`<p>${t('pressureHigh', {
        value: formatPressure(reading), limit: `${rules.pressure_valve_threshold_kpa} kPa`,
      })}</p>` : null}
      ${shipped ? html`<p>${t('valveShipped')}</p>` : null}
      ${mandatory ? html`<p>${t('valveMandatory')}</p>` : null}
    </div>
    <${Answer} ctx=${ctx} item="pressure_valve_installed" yes=${t('valveFitted')}
      no=${shipped || mandatory ? false : t('valveDeclined')} />
    ${fitted === true ? html`<${Photos} ctx=${ctx} purpose="pressure_valve" label=${t('valvePhoto')} />` : null}
    ${fitted === false && !shipped && !mandatory
      ? html`<${Signature} ctx=${ctx} purpose="pressure_valve_waiver" />` : null}
  `;
}

export function Installation({ ctx }) {
  const { facts } = ctx;
  const answered = (item) => item in facts.answers;
  const drain = latestAnswer(ctx.bundle, 'floor_drain');
  const unboxed = latestAnswer(ctx.bundle, 'unbox_check');
  const valveOk = !applies(ctx.rules, 'installation', 'pressure_valve', facts)
    || holds((ctx.rules.kinds.installation.find((r) => r.id === 'pressure_valve') || {}).require, facts);
  return html`
    <${Section} id="unbox" title=${t('unboxTitle')} done=${answered('unbox_check') && facts.signatures.has('unbox_verification')}>
      <p>${t('unboxText')}</p>
      <${Answer} ctx=${ctx} item="unbox_check" yes=${t('unboxOk')} no=${t('unboxBad')} comment=${t('unboxBad')} />
      ${unboxed === false ? html`<p class="advice">${t('unboxBadHint')}</p>` : null}
      <${Photos} ctx=${ctx} purpose="unbox" />
      <${Signature} ctx=${ctx} purpose="unbox_verification" />
    <//>
    <${Section} id="drain" title=${t('drainTitle')} done=${answered('floor_drain') && (drain || facts.signatures.has('no_floor_drain_consent'))}>
      <p>${t('drainQuestion')}</p>
      <${Answer} ctx=${ctx} item="floor_drain" />
      ${drain === false ? html`<p class="advice">${t('drainRisk')}</p>
        <${Signature} ctx=${ctx} purpose="no_floor_drain_consent" />` : null}
    <//>
    <${Section} id="pressure" title=${t('pressureTitle')} done=${(facts.measurements.inlet_pressure || []).length > 0 && valveOk}>
      <${Pressure} ctx=${ctx} />
      <${Photos} ctx=${ctx} purpose="gauge" />
      <${Valve} ctx=${ctx} />
    <//>
    <${Section} id="steps" title=${t('stepsTitle')} done=${facts.answers.install_steps === true}>
      <p>${t('stepsList')}</p>
      <${Answer} ctx=${ctx} item="install_steps" yes=${t('stepsDone')} no=${false} />
    <//>
    <${Section} id="photos" title=${t('photosTitle')} done=${facts.photos.has('finished_installation')}>
      <${Photos} ctx=${ctx} purpose="finished_installation" />
      <${Photos} ctx=${ctx} purpose="nameplate" />
      <${Photos} ctx=${ctx} purpose="serial_number" />
    <//>
    <${Section} id="leak" title=${t('leakTitle')} done=${facts.answers.leak_check === true}>
      <${Answer} ctx=${ctx} item="leak_check" yes=${t('leakDone')} no=${false} />
    <//>
    <${Section} id="briefing" title=${t('briefingTitle')} done=${facts.answers.briefing === true}>
      <p>${t('briefingText')}</p>
      <${Answer} ctx=${ctx} item="briefing" yes=${t('briefingDone')} no=${false} />
    <//>
    <${Section} id="fees" title=${t('feesIfAny')} done=${ctx.bundle.records.fee_lines.length > 0}>
      <${Fees} ctx=${ctx} />
    <//>
    <${Section} id="acceptance" title=${t('acceptanceTitle')} done=${facts.signatures.has('acceptance')}>
      <${Signature} ctx=${ctx} purpose="acceptance" />
    <//>
  `;
}
