// The app: sign-in, or the screens with the sync state always in view.
import { html } from './ui/html.js';
import { useStore } from './ui/store.js';
import { useRoute } from './ui/router.js';
import { lang } from './i18n.js';
import { session } from './session.js';
import { Login } from './views/login.js';
import { StatusBar } from './views/statusbar.js';
import { UpdateBanner } from './views/update.js';
import { JobList } from './views/jobs.js';
import { JobDetail } from './views/job.js';
import { Flow } from './flow/flow.js';
import { SignScreen } from './views/sign.js';
import { Settings } from './views/settings.js';
import { Dialog } from './ui/dialog.js';

function Screen({ route }) {
  const [name, id, sub, arg, ...rest] = route.parts;
  if (name === 'job' && sub === 'flow') return html`<${Flow} id=${id} />`;
  if (name === 'job' && sub === 'sign') return html`<${SignScreen} id=${id} purpose=${arg} charge=${rest} />`;
  if (name === 'job') return html`<${JobDetail} id=${id} />`;
  if (name === 'settings') return html`<${Settings} />`;
  return html`<${JobList} />`;
}

export function App() {
  const current = useStore(session);
  useStore(lang); // re-render every text on a language switch
  const route = useRoute();
  if (current === undefined) return html`<div class="boot" aria-busy="true"></div>`;
  if (!current?.token) return html`<${Login} />`;
  const fullScreen = route.parts[2] === 'sign';
  return html`
    <div class="app">
      ${fullScreen ? null : html`<${StatusBar} />`}
      <${UpdateBanner} />
      <main id="main"><${Screen} route=${route} /></main>
      <${Dialog} />
    </div>
  `;
}
