// Who is signed in on this device: kept in IndexedDB so the service worker can sync too.
import Dexie from 'dexie';
import { createStore } from './ui/store.js';

const accounts = new Dexie('purifier-accounts');
accounts.version(1).stores({ session: 'key', users: 'id' });

export const session = createStore(undefined); // undefined: not loaded yet; null: signed out

export async function loadSession() {
  const row = await accounts.session.get('current');
  session.set(row ? row.value : null);
  return session.get();
}

export async function saveSession(value) {
  await accounts.session.put({ key: 'current', value });
  await accounts.users.put({ id: value.user.id, username: value.user.username });
  session.set(value);
}

export async function clearToken() {
  // The user stays known (their database keeps unsent work); only the token goes.
  await accounts.session.delete('current');
  session.set(null);
}

export function knownUsers() {
  return accounts.users.toArray();
}
