// Sign in (once, with signal); the app works offline from then on.
import { useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { login, NetworkError } from '../api.js';
import { setLang, lang, t } from '../i18n.js';
import { saveSession } from '../session.js';

export function LangSwitch() {
  const next = lang.get() === 'en' ? 'zh-CN' : 'en';
  return html`<button type="button" class="weui-btn weui-btn_mini weui-btn_default lang"
    lang=${next} onClick=${() => setLang(next)}>${t('language')}</button>`;
}

export function Login() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError('');
    try {
      const answer = await login(form.get('username').trim(), form.get('password'));
      if (answer.status === 201) {
        await saveSession({ token: answer.body.token, user: answer.body.user });
        return;
      }
      setError(answer.status === 429 ? t('throttled') : t('wrongLogin'));
    } catch (e) {
      setError(e instanceof NetworkError ? t('needNetwork') : String(e));
    } finally {
      setBusy(false);
    }
  }

  return html`
    <main class="login" id="main">
      <div class="login__top"><${LangSwitch} /></div>
      <h1 class="login__title">${t('app')}</h1>
      <form class="weui-form" onSubmit=${submit}>
        <div class="weui-cells weui-cells_form">
          <label class="weui-cell weui-cell_active">
            <span class="weui-cell__hd weui-label">${t('username')}</span>
            <input class="weui-cell__bd weui-input" name="username" autocomplete="username"
              autocapitalize="none" placeholder=${t('username')} required />
          </label>
          <label class="weui-cell weui-cell_active">
            <span class="weui-cell__hd weui-label">${t('password')}</span>
            <input class="weui-cell__bd weui-input" name="password" type="password"
              autocomplete="current-password" placeholder=${t('password')} required />
          </label>
        </div>
        <p class="error" role="alert">${error}</p>
        <button class="weui-btn weui-btn_primary" type="submit" disabled=${busy}>${t('signIn')}</button>
      </form>
    </main>
  `;
}
