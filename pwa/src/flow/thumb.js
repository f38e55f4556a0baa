// A photo's thumbnail: the one made on the device, or the server's, fetched once with the
// token and kept for offline use.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../ui/html.js';
import { useDb } from '../ui/hooks.js';
import { session } from '../session.js';

export function Thumb({ sha256, alt }) {
  const db = useDb();
  const [url, setUrl] = useState(null);
  useEffect(() => {
    let live = true;
    let made = null;
    (async () => {
      const row = await db.blobs.get(sha256);
      let blob = row?.thumb;
      // Bytes still on this device are not on the server yet: nothing to fetch.
      if (!blob && row?.state !== 'pending' && navigator.onLine) {
        const response = await fetch(`/api/media/${sha256}/thumb`, {
          headers: { Authorization: `Bearer ${session.get().token}` },
        }).catch(() => null);
        if (response?.ok) {
          blob = await response.blob();
          if (row) await db.blobs.update(sha256, { thumb: blob });
          else await db.blobs.put({ sha256, thumb: blob, state: 'done', blob: null, size: 0, job_id: null });
        }
      }
      if (blob && live) {
        made = URL.createObjectURL(blob);
        setUrl(made);
      }
    })();
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [sha256]);
  return url ? html`<img class="thumb" src=${url} alt=${alt} />` : html`<span class="thumb thumb_empty" role="img" aria-label=${alt}>…</span>`;
}
