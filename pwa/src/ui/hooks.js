// The signed-in user's database, and queries that follow its changes.
import { userDb } from '../db.js';
import { session } from '../session.js';
import { changed } from '../sync/events.js';
import { useQuery } from './store.js';

export function useDb() {
  return userDb(session.get().user.id);
}

export function useData(load, deps = []) {
  const db = useDb();
  return useQuery(() => load(db), [db, ...deps], [changed]);
}
