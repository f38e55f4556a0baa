// What the customer signs. The text shown is the text kept: its SHA-256 goes with the
// strokes, so the signature proves which statement it was given under.
import { lang } from '../i18n.js';

const TEXT = {
  unbox_verification: [
    '本人已与技术人员共同对照装箱单清点配件，数量与外观情况如实记录。{unbox}',
    'I checked the parts against the packing list with the technician; count and condition are recorded as found. {unbox}',
  ],
  no_floor_drain_consent: [
    '技术人员已告知：安装位置附近无地漏，一旦漏水无法及时排走，可能造成财产损失。本人知悉该风险并同意安装。',
    'The technician told me there is no floor drain near the unit, so a leak cannot drain away and may cause damage. I understand the risk and agree to the installation.',
  ],
  pressure_valve_waiver: [
    '经测试，进水压力为 {pressure}，高于 {limit}。技术人员已建议安装减压阀并说明原因：高压会使接头和滤瓶长期受力，导致渗漏或爆管。本人自愿拒绝安装减压阀，由此引起的漏水及损失由本人承担。',
    'The inlet pressure measured {pressure}, above {limit}. The technician advised a pressure-reducing valve and explained why: high pressure strains joints and filter bottles and causes leaks or bursts. I decline the valve of my own will and accept responsibility for any leak or damage it causes.',
  ],
  acceptance: [
    '本人已验收：净水器安装调试完毕、运行正常、现场已清理；技术人员已讲解使用方法、注意事项及漏水应急处理，并提醒夜间或外出时关闭进水阀。',
    'I accept the installation: the purifier is installed, commissioned and working, the site is clean; I was shown how to use it, what to avoid, what to do in a leak, and reminded to close the inlet at night or when away.',
  ],
  repair_slip: [
    '本人确认：维修已完成，试机正常；收费明细如下：{fees}',
    'I confirm the repair is done and the unit runs normally. Itemized fees: {fees}',
  ],
  extra_work_quote: [
    '本人同意以下额外施工及报价：{desc}，金额 {amount}。',
    'I agree to the following extra work and its price: {desc}, {amount}.',
  ],
  travel_agreement: [
    '本人同意支付超出服务半径的远程上门费 {amount}（{desc}）。',
    'I agree to pay a travel surcharge of {amount} for a visit beyond the service radius ({desc}).',
  ],
};

export function statement(purpose, params = {}) {
  const pair = TEXT[purpose] || ['', ''];
  let text = pair[lang.get() === 'en' ? 1 : 0];
  for (const [key, value] of Object.entries(params)) text = text.replaceAll(`{${key}}`, value);
  return text.replace(/\s*\{\w+\}/g, '').trim();
}

// The facts a statement names, from what the device holds for the job.
export function paramsFor(purpose, bundle, formatPressure, formatFees) {
  const { records } = bundle;
  const latest = (rows, key) => [...rows].sort((a, b) => Date.parse(a[key]) - Date.parse(b[key])).at(-1);
  if (purpose === 'pressure_valve_waiver') {
    const reading = latest(records.measurements.filter((m) => m.kind === 'inlet_pressure'), 'measured_at');
    const limit = bundle.dealer?.rules?.pressure_valve_threshold_kpa;
    return { pressure: reading ? formatPressure(reading) : '', limit: limit ? `${limit} kPa` : '' };
  }
  if (purpose === 'repair_slip') return { fees: formatFees(records.fee_lines) };
  if (purpose === 'unbox_verification') {
    const answer = latest(records.checklist_answers.filter((a) => a.item === 'unbox_check'), 'answered_at');
    return { unbox: answer?.answer?.comment || '' };
  }
  return {};
}
