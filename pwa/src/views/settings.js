// Sync and settings: what needs attention (in plain words), storage, language, sign out.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { useData, useDb } from '../ui/hooks.js';
import { ask } from '../ui/dialog.js';
import { pick, t } from '../i18n.js';
import { bytes, day, time } from '../format.js';
import { logout } from '../api.js';
import { clearToken, session } from '../session.js';
import { deleteUserDb } from '../db.js';
import { refreshCounts, syncState } from '../sync/engine.js';
import { countPending } from '../sync/outbox.js';
import { pendingBytes } from '../sync/media.js';
import { changed } from '../sync/events.js';
import { LangSwitch } from './login.js';

// The technician's words for what the server answered (never a silent drop).
export function explain(item) {
  const r = item.result;
  const fields = Object.entries(r.fields || {});
  if (r.reason === 'media') return t('a_media', { detail: r.detail });
  if (r.status === 'rejected' && r.reason === 'incomplete') {
    return t('a_incomplete', { items: (r.missing || []).map((m) => pick(m.label)).join('、') });
  }
  if (r.status === 'rejected') return t('a_rejected', { detail: r.detail || r.reason });
  if (r.reason && r.reason !== 'concurrent_edit' && t(`a_${r.reason}`) !== `a_${r.reason}`) {
    return t(`a_${r.reason}`);
  }
  const held = fields.filter(([, how]) => how === 'held').map(([f]) => f);
  if (held.some((f) => f.startsWith('window_'))) return t('a_window');
  if (held.length || r.status === 'conflict') return t('a_held');
  const lost = fields.filter(([, how]) => how === 'server_won').map(([f]) => f);
  return t('a_server_won', { fields: lost.join(', ') });
}

function Attention({ db }) {
  const items = useData((d) => d.attention.where('seen').equals(0).toArray());
  if (!items?.length) return null;
  async function seen(seq) {
    await db.attention.update(seq, { seen: 1 });
    await refreshCounts(db);
    changed.set((n) => n + 1);
  }
  return html`
    <section aria-labelledby="attention-h">
      <h2 class="weui-cells__title" id="attention-h">${t('attentionTitle')}</h2>
      <div class="weui-cells">
        ${items.map((item) => html`<div class="weui-cell attention" key=${item.seq}>
          <div class="weui-cell__bd">
            <p>${explain(item)}</p>
            <p class="small">${day(item.at)} ${time(item.at)}${item.job_id ? html` · <a href=${`#/job/${item.job_id}`}>${t('openFlow')}</a>` : ''}</p>
          </div>
          <div class="weui-cell__ft"><button type="button" class="weui-btn weui-btn_mini weui-btn_default"
            onClick=${() => seen(item.seq)}>${t('markSeen')}</button></div>
        </div>`)}
      </div>
    </section>
  `;
}

function Storage() {
  const [info, setInfo] = useState(null);
  useEffect(() => {
    (async () => {
      const estimate = (await navigator.storage?.estimate?.()) || {};
      const persisted = (await navigator.storage?.persisted?.()) || false;
      setInfo({ ...estimate, persisted });
    })();
  }, []);
  if (!info) return null;
  const full = info.quota && info.usage / info.quota > 0.8;
  return html`
    <div class="weui-cells">
      <div class="weui-cell"><div class="weui-cell__bd">
        <p>${t('storage', { used: bytes(info.usage), quota: bytes(info.quota) })}</p>
        <p class=${info.persisted ? 'ok' : 'bad'}>${t(info.persisted ? 'storagePersisted' : 'storageAtRisk')}</p>
        ${full ? html`<p class="bad" role="alert">${t('storageFull')}</p>` : null}
      </div></div>
    </div>
  `;
}

export function Settings() {
  const db = useDb();
  const state = syncState.get();
  async function signOut() {
    const unsent = (await countPending(db)) + (await pendingBytes(db)).count;
    if (unsent && !(await ask(t('signOutUnsent', { n: unsent }), { ok: t('signOut') }))) return;
    const current = session.get();
    await logout(current.token).catch(() => null);
    // Unsent work stays in this user's database until they sign in again; else it goes.
    if (!unsent) await deleteUserDb(current.user.id);
    await clearToken();
    location.hash = '#/';
  }
  return html`
    <a class="back" href="#/">‹ ${t('back')}</a>
    <h1 class="page-title">${t('settings')}</h1>
    <${Attention} db=${db} />
    <${Storage} />
    <div class="actions">
      <${LangSwitch} />
      <button type="button" class="weui-btn weui-btn_warn" onClick=${signOut}>${t('signOut')}</button>
    </div>
    <p class="small">${session.get().user.display_name} · ${state.lastSyncedAt ? t('sync_done', { time: time(state.lastSyncedAt) }) : t('sync_never')}</p>
  `;
}
