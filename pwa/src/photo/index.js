// Photos on the page's side: hand files to the worker, get back bytes to keep and upload.
import { processPhoto } from './core.js';

/* global __WORKER_URL__ */
const DETAIL = new Set(['gauge', 'nameplate', 'serial_number']);
let worker = null;
let nextId = 1;
const waiting = new Map();

function getWorker() {
  if (worker === null) {
    try {
      worker = typeof OffscreenCanvas === 'undefined' ? false : new Worker(__WORKER_URL__);
      if (worker) {
        worker.onmessage = ({ data }) => {
          const { resolve, reject } = waiting.get(data.id);
          waiting.delete(data.id);
          if (data.error) reject(new Error(data.error));
          else resolve(data.result);
        };
      }
    } catch {
      worker = false;
    }
  }
  return worker;
}

export function optionsFor(purpose) {
  // Detail shots keep their digits readable: the same size, less compression.
  return { longEdge: 2048, quality: DETAIL.has(purpose) ? 0.92 : 0.8, thumbEdge: 320 };
}

export function preparePhoto(file, purpose) {
  const options = optionsFor(purpose);
  const w = getWorker();
  if (!w) return processPhoto(file, options);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, file, options });
  });
}
