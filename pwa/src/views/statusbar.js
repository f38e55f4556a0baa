// Always in view: offline / N changes waiting / syncing with progress / synced at HH:MM /
// needs attention. "Synced" only when nothing waits, photos included.
import { html } from '../ui/html.js';
import { useStore } from '../ui/store.js';
import { go } from '../ui/router.js';
import { t } from '../i18n.js';
import { bytes, time } from '../format.js';
import { syncState } from '../sync/engine.js';
import { syncNow } from '../sync/scheduler.js';

export function describe(s) {
  if (s.phase === 'pushing') return [t('sync_running', { sent: s.sent, total: s.total }), 'busy'];
  if (s.phase === 'uploading') {
    return [`${t('sync_uploading', { done: bytes(s.bytesSent), all: bytes(s.bytesTotal) })}`, 'busy'];
  }
  if (s.phase === 'pulling') return [t('sync_pulling'), 'busy'];
  if (s.problem === 'signin') return [t('sync_signin'), 'bad'];
  if (s.problem === 'client') return [t('sync_client'), 'bad'];
  const waiting = [];
  if (s.pending) waiting.push(t('sync_waiting', { n: s.pending }));
  if (s.photos) waiting.push(t('sync_photos', { n: s.photos }));
  if (!s.online || s.problem === 'offline') return [[t('sync_offline'), ...waiting].join(' · '), 'off'];
  if (s.problem === 'server') return [[t('sync_server'), ...waiting].join(' · '), 'off'];
  if (waiting.length) return [waiting.join(' · '), 'wait'];
  return [s.lastSyncedAt ? t('sync_done', { time: time(s.lastSyncedAt) }) : t('sync_never'), 'ok'];
}

export function StatusBar() {
  const s = useStore(syncState);
  const [text, tone] = describe(s);
  const full = s.storageFull
    ? html`<p class="status__warn" role="alert">${t('storageFull')}</p>` : null;
  const progress = s.phase === 'uploading' && s.bytesTotal ? s.bytesSent / s.bytesTotal
    : s.phase === 'pushing' && s.total ? s.sent / s.total : null;
  return html`
    <header class=${`status status_${tone}`}>
      <p class="status__text" role="status" aria-live="polite" data-testid="sync-state">${text}</p>
      ${progress !== null ? html`<progress class="status__bar" max="1" value=${progress}
        aria-label=${text}></progress>` : null}
      ${s.attention ? html`<button type="button" class="weui-btn weui-btn_mini weui-btn_warn"
        onClick=${() => go('settings')}>${t('sync_attention', { n: s.attention })}</button>` : null}
      <button type="button" class="weui-btn weui-btn_mini weui-btn_default"
        disabled=${s.phase !== 'idle'} onClick=${() => syncNow()}>${t('syncNow')}</button>
      <button type="button" class="weui-btn weui-btn_mini weui-btn_default icon-btn"
        aria-label=${t('settings')} onClick=${() => go('settings')}>⚙</button>
      ${full}
    </header>
  `;
}
