// WeUI's dialog for confirmations (a technician knows it from WeChat), as a promise.
import { html } from './html.js';
import { createStore, useStore } from './store.js';
import { t } from '../i18n.js';

const open = createStore(null);

export function ask(text, { ok = t('confirm'), cancel = t('cancel') } = {}) {
  return new Promise((resolve) => open.set({ text, ok, cancel, resolve }));
}

export function Dialog() {
  const dialog = useStore(open);
  if (!dialog) return null;
  const answer = (value) => {
    open.set(null);
    dialog.resolve(value);
  };
  return html`
    <div class="weui-mask"></div>
    <div class="weui-dialog" role="alertdialog" aria-modal="true" aria-labelledby="dialog-text">
      <div class="weui-dialog__bd" id="dialog-text">${dialog.text}</div>
      <div class="weui-dialog__ft">
        <button type="button" class="weui-dialog__btn weui-dialog__btn_default" onClick=${() => answer(false)}>${dialog.cancel}</button>
        <button type="button" class="weui-dialog__btn weui-dialog__btn_primary" onClick=${() => answer(true)}>${dialog.ok}</button>
      </div>
    </div>
  `;
}
