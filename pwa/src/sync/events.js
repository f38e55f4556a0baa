// Ticks: `changed` tells the screens to read IndexedDB again (a local change, or a sync);
// `edited` tells the scheduler the technician changed something that should go out soon.
import { createStore } from '../ui/store.js';

export const changed = createStore(0);
export const edited = createStore(0);
