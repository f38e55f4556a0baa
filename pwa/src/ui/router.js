// Hash routes: #/, #/job/<id>, #/job/<id>/flow, #/job/<id>/sign/<purpose>, #/settings.
import { useEffect, useState } from 'preact/hooks';

function parse() {
  const parts = (location.hash.replace(/^#\/?/, '') || '').split('/').filter(Boolean);
  return { name: parts[0] || 'jobs', parts };
}

export function useRoute() {
  const [route, setRoute] = useState(parse());
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(path) {
  location.hash = `#/${path}`;
}
