// A tiny observable value, and a hook that re-renders a component when it changes.
import { useEffect, useState } from 'preact/hooks';

export function createStore(initial) {
  let value = initial;
  const listeners = new Set();
  return {
    get: () => value,
    set(next) {
      value = typeof next === 'function' ? next(value) : next;
      for (const listener of [...listeners]) listener(value);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore(store) {
  const [value, setValue] = useState(store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(setValue);
  }, [store]);
  return value;
}

// Re-run `query` (async) whenever one of `stores` changes; returns its latest result.
export function useQuery(query, deps, stores = []) {
  const [result, setResult] = useState(undefined);
  useEffect(() => {
    let live = true;
    const run = () => query().then((r) => live && setResult(r));
    run();
    const offs = stores.map((s) => s.subscribe(run));
    return () => {
      live = false;
      offs.forEach((off) => off());
    };
  }, deps);
  return result;
}
