// The server's HTTP API: JSON in, JSON or problem+json out, and the two kinds of failure
// the sync protocol distinguishes (a transient one to retry, a final one to show).

export class NetworkError extends Error {}

export async function request(method, path, { token, body, headers = {}, signal } = {}) {
  const init = { method, headers: { ...headers }, signal, credentials: 'omit' };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new NetworkError(error.message);
  }
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  return {
    status: response.status,
    ok: response.ok,
    body: data,
    retryAfter: Number(response.headers.get('Retry-After')) || null,
  };
}

export async function login(username, password) {
  const device = `PWA ${navigator.userAgent.slice(0, 80)}`;
  return request('POST', '/api/auth/login', {
    body: { username, password, device_name: device },
  });
}

export function logout(token) {
  return request('POST', '/api/auth/logout', { token });
}
