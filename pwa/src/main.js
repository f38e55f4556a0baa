// Entry: restore the session, render, register the service worker, start syncing.
import { render } from 'preact';
import { html } from './ui/html.js';
import { App } from './app.js';
import { lang } from './i18n.js';
import { loadSession, session } from './session.js';
import { registerWorker } from './views/update.js';
import { startScheduler } from './sync/scheduler.js';
import { refreshCounts } from './sync/engine.js';
import { userDb } from './db.js';

document.documentElement.lang = lang.get();
render(html`<${App} />`, document.getElementById('app'));
navigator.storage?.persist?.().catch(() => {});
registerWorker().catch(() => {});
loadSession().then((current) => {
  let started = false;
  const begin = (value) => {
    if (!value?.token || started) return;
    started = true;
    refreshCounts(userDb(value.user.id));
    startScheduler();
  };
  begin(current);
  session.subscribe(begin);
});
