// Entry: restore the session, render, register the service worker, start syncing.
import { render } from 'preact';
import { html } from './ui/html.js';
import { App } from './app.js';
import { lang } from './i18n.js';
import { loadSession, session } from './session.js';
import { registerWorker } from './views/update.js';
import { startScheduler, syncNow } from './sync/scheduler.js';
import { refreshCounts, syncState } from './sync/engine.js';
import { userDb } from './db.js';

document.documentElement.lang = lang.get();
render(html`<${App} />`, document.getElementById('app'));
navigator.storage?.persist?.().catch(() => {});
registerWorker().catch(() => {});
loadSession().then((current) => {
  let started = false;
  const begin = (value) => {
    if (!value?.token) {
      // Signed out: nothing of that user's sync state stays on screen.
      syncState.set((s) => ({ ...s, pending: 0, photos: 0, attention: 0, lastSyncedAt: null }));
      return;
    }
    refreshCounts(userDb(value.user.id));
    if (started) syncNow();
    else startScheduler();
    started = true;
  };
  begin(current);
  session.subscribe(begin);
});
