// Repair: diagnose first, agree the plan and the itemized cost, repair, test-run, and the
// customer signs the repair slip.
import { html } from '../ui/html.js';
import { t } from '../i18n.js';
import { Answer, Photos, Section, Signature } from './parts.js';
import { Diagnosis, Fees, Parts } from './editors.js';
import { Liability } from '../views/warranty.js';

export function Repair({ ctx }) {
  const { job, records } = ctx.bundle;
  const { facts } = ctx;
  return html`
    <${Section} id="diagnosis" title=${t('diagnosisTitle')} done=${Boolean(job.diagnosis && job.fault_category)}>
      <${Diagnosis} ctx=${ctx} />
      <${Photos} ctx=${ctx} purpose="fault" />
    <//>
    <${Section} id="parts" title=${t('partsTitle')} done=${records.parts_used.length > 0}>
      <${Parts} ctx=${ctx} />
    <//>
    <${Section} id="fees" title=${t('feesTitle')} done=${records.fee_lines.length > 0}>
      <${Liability} decision=${records.liability_decisions[0]} />
      <${Fees} ctx=${ctx} />
    <//>
    <${Section} id="test" title=${t('testRunTitle')} done=${facts.answers.test_run === true}>
      <${Photos} ctx=${ctx} purpose="repair" />
      <${Answer} ctx=${ctx} item="test_run" yes=${t('testRunDone')} no=${false} />
    <//>
    <${Section} id="slip" title=${t('slipTitle')} done=${facts.signatures.has('repair_slip')}>
      <${Signature} ctx=${ctx} purpose="repair_slip" />
    <//>
  `;
}
