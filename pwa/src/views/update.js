// A new version waits until the technician accepts it: never a silent swap mid-job.
import { html } from '../ui/html.js';
import { createStore, useStore } from '../ui/store.js';
import { t } from '../i18n.js';

const waiting = createStore(null);

export async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const offer = (worker) => {
    // Only an update is offered: the first install has no page to swap under.
    if (worker && navigator.serviceWorker.controller) waiting.set(worker);
  };
  offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => worker.state === 'installed' && offer(worker));
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!reloading && waiting.get()) {
      reloading = true;
      location.reload();
    }
  });
  // Look for a new version now and then (the browser also does on navigation).
  setInterval(() => registration.update().catch(() => {}), 30 * 60_000);
}

export function UpdateBanner() {
  const worker = useStore(waiting);
  if (!worker) return null;
  return html`
    <div class="weui-information-bar weui-information-bar_tips update" role="alert">
      <div class="weui-information-bar__bd">${t('updateReady')}</div>
      <button type="button" class="weui-btn weui-btn_mini weui-btn_primary"
        onClick=${() => worker.postMessage({ type: 'skipWaiting' })}>${t('updateNow')}</button>
      <button type="button" class="weui-btn weui-btn_mini weui-btn_default"
        onClick=${() => waiting.set(null)}>${t('later')}</button>
    </div>
  `;
}
