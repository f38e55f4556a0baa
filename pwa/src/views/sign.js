// Full-screen signing: the statement above, the signer's name, the pad; clear and undo.
// signature_pad clears its canvas on resize "by design": the point data is kept and
// redrawn, so a phone turned while the customer signs loses nothing.
import SignaturePad from 'signature_pad';
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { useData, useDb } from '../ui/hooks.js';
import { t } from '../i18n.js';
import { loadJob } from '../data.js';
import { enqueue } from '../sync/outbox.js';
import { sha256Hex } from '../photo/core.js';
import { evidence } from '../flow/parts.js';
import { paramsFor, statement } from '../flow/statements.js';
import { formatFees, formatPressure } from '../flow/editors.js';
import { yuan } from '../format.js';

function usePad(canvasRef) {
  const pad = useRef(null);
  const [strokes, setStrokes] = useState(0);
  useEffect(() => {
    const canvas = canvasRef.current;
    const instance = new SignaturePad(canvas, { minWidth: 0.8, maxWidth: 2.6 });
    pad.current = instance;
    const resize = () => {
      const data = instance.toData();
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext('2d').scale(ratio, ratio);
      instance.clear();
      instance.fromData(data);
    };
    const onEnd = () => setStrokes(instance.toData().length);
    instance.addEventListener('endStroke', onEnd);
    window.addEventListener('resize', resize);
    resize();
    return () => {
      window.removeEventListener('resize', resize);
      instance.off();
    };
  }, []);
  return [pad, strokes, setStrokes];
}

export function SignScreen({ id, purpose, charge }) {
  const bundle = useData((d) => loadJob(d, id), [id]);
  if (bundle === undefined) return html`<p class="loading" aria-busy="true">…</p>`;
  if (!bundle) return null;
  return html`<${Signing} bundle=${bundle} purpose=${purpose} agreement=${agreementOf(bundle, purpose, charge)} />`;
}

// A charge the customer agrees to by signing (#/job/<id>/sign/<purpose>/<fen>/<what for>):
// its fee kind is the one the dealer's rules sign with this purpose.
function agreementOf(bundle, purpose, [fen, what] = []) {
  const signedAs = bundle.dealer?.rules?.fees?.signed_as || {};
  const kind = Object.keys(signedAs).find((k) => signedAs[k] === purpose);
  const amount = Number(fen);
  if (!kind || !Number.isInteger(amount) || amount <= 0) return null;
  return { kind, amount_fen: amount, description: decodeURIComponent(what || '') || t(`fee_${kind}`) };
}

function Signing({ bundle, purpose, agreement }) {
  const db = useDb();
  const canvas = useRef(null);
  const [pad, strokes, setStrokes] = usePad(canvas);
  const [name, setName] = useState(null);
  const params = agreement
    ? { amount: yuan(agreement.amount_fen), desc: agreement.description }
    : paramsFor(purpose, bundle, formatPressure, formatFees);
  const text = statement(purpose, params);
  const signer = name ?? (bundle.customer?.name || '');

  function undo() {
    const data = pad.current.toData();
    data.pop();
    pad.current.fromData(data);
    setStrokes(data.length);
  }
  function clear() {
    pad.current.clear();
    setStrokes(0);
  }
  async function confirm() {
    const data = pad.current.toData();
    if (!data.length || !signer.trim()) return;
    const signature = evidence(bundle, {
      purpose,
      signer_name: signer.trim(),
      statement_text: text,
      statement_sha256: await sha256Hex(new Blob([text])),
      strokes: data,
      signed_at: new Date().toISOString(),
      device: navigator.userAgent.slice(0, 120),
    });
    await enqueue(db, 'add_signature', signature);
    if (agreement) {
      // The signed quote is the agreement; the charge it allows follows it.
      const { kind, amount_fen: amount, description } = agreement;
      await enqueue(db, 'add_fee_agreement', evidence(bundle, {
        kind, amount_fen: amount, party: 'customer', party_name: signer.trim(), way: 'signature',
        signature_id: signature.id,
      }));
      await enqueue(db, 'add_fee', evidence(bundle, { kind, description, amount_fen: amount, payer: 'customer' }));
    }
    history.back();
  }

  return html`
    <div class="sign">
      <h1 class="sign__title">${t(`s_${purpose}`)}</h1>
      <p class="sign__statement" data-testid="statement">${text}</p>
      <label class="sign__name">${t('signerName')}
        <input class="weui-input" value=${signer} onInput=${(e) => setName(e.target.value)} required />
      </label>
      <canvas ref=${canvas} class="sign__pad" aria-label=${t('signHere')} role="img"></canvas>
      <div class="sign__actions">
        <button type="button" class="weui-btn weui-btn_mini weui-btn_default" onClick=${() => history.back()}>${t('cancel')}</button>
        <button type="button" class="weui-btn weui-btn_mini weui-btn_default" onClick=${undo} disabled=${!strokes}>${t('undo')}</button>
        <button type="button" class="weui-btn weui-btn_mini weui-btn_default" onClick=${clear} disabled=${!strokes}>${t('clear')}</button>
        <button type="button" class="weui-btn weui-btn_mini weui-btn_primary" onClick=${confirm}
          disabled=${!strokes || !signer.trim()}>${t('confirm')}</button>
      </div>
    </div>
  `;
}
