// Photo bytes: kept in IndexedDB by SHA-256 until the server holds them (HEAD, then PUT),
// with progress, retried across restarts. A photo is never counted as synced until the
// server has verified its hash.
import { request } from '../api.js';

export async function keepBlob(db, { sha256, blob, thumb, purpose, jobId }) {
  const held = await db.blobs.get(sha256);
  if (held) return held;
  const row = {
    sha256, blob, thumb, purpose, job_id: jobId, size: blob.size, type: blob.type,
    state: 'pending', attempts: 0, error: null,
  };
  await db.blobs.put(row);
  return row;
}

async function putWithFetch(url, blob, token, purpose) {
  // A service worker has no XMLHttpRequest: the same PUT, without progress.
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': blob.type || 'application/octet-stream' };
  if (purpose) headers['X-Media-Purpose'] = purpose;
  try {
    const response = await fetch(url, { method: 'PUT', headers, body: blob });
    const body = await response.json().catch(() => null);
    return { status: response.status, body, retryAfter: Number(response.headers.get('Retry-After')) || null };
  } catch {
    return { status: 0, body: null };
  }
}

function put(url, blob, token, purpose, onProgress) {
  if (typeof XMLHttpRequest === 'undefined') return putWithFetch(url, blob, token, purpose);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', blob.type || 'application/octet-stream');
    if (purpose) xhr.setRequestHeader('X-Media-Purpose', purpose);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body, retryAfter: Number(xhr.getResponseHeader('Retry-After')) || null });
    };
    xhr.onerror = () => resolve({ status: 0, body: null });
    xhr.onabort = () => resolve({ status: 0, body: null });
    xhr.send(blob);
  });
}

async function done(db, row) {
  // The server holds the bytes now: keep the thumbnail for the screens, free the rest.
  await db.blobs.update(row.sha256, { state: 'done', blob: null, error: null });
}

// Upload every pending photo; returns {status: 'ok' | 'offline' | 'retry', refused}.
export async function uploadAll(db, token, progress) {
  const rows = await db.blobs.where('state').equals('pending').toArray();
  const total = rows.reduce((n, r) => n + r.size, 0);
  let sent = 0;
  let refused = 0;
  for (const row of rows) {
    progress({ bytesSent: sent, bytesTotal: total });
    const url = `/api/media/${row.sha256}`;
    const head = await request('HEAD', url, { token }).catch(() => ({ status: 0 }));
    if (head.status === 200) {
      await done(db, row);
      sent += row.size;
      continue;
    }
    if (head.status === 0) return { status: 'offline', refused };
    if (head.status !== 404) return { status: 'retry', retryAfter: head.retryAfter, refused };
    const answer = await put(url, row.blob, token, row.purpose, (loaded) =>
      progress({ bytesSent: sent + loaded, bytesTotal: total }),
    );
    if (answer.status === 200 || answer.status === 201) {
      await done(db, row);
      sent += row.size;
    } else if (answer.status === 0) {
      return { status: 'offline', refused };
    } else if (answer.status >= 500 || answer.status === 429 || answer.status === 401) {
      return { status: answer.status === 401 ? 401 : 'retry', retryAfter: answer.retryAfter, refused };
    } else {
      // Refused for good (not an image, over the limit): say so; the record stays.
      refused += 1;
      await db.blobs.update(row.sha256, {
        state: 'refused', attempts: row.attempts + 1, error: answer.body?.detail || String(answer.status),
      });
      await db.attention.add({
        mutation_id: null, job_id: row.job_id, name: 'photo_bytes', args: { sha256: row.sha256 },
        result: { status: 'rejected', reason: 'media', detail: answer.body?.detail || '' },
        at: new Date().toISOString(), seen: 0,
      });
    }
  }
  progress({ bytesSent: sent, bytesTotal: total });
  return { status: 'ok', refused };
}

export async function pendingBytes(db) {
  const rows = await db.blobs.where('state').equals('pending').toArray();
  return { count: rows.length, bytes: rows.reduce((n, r) => n + r.size, 0) };
}
