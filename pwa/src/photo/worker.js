// The photo worker: decoding and encoding a 12 MP photo never blocks the screen.
import { processPhoto } from './core.js';

self.onmessage = async ({ data }) => {
  try {
    const result = await processPhoto(data.file, data.options);
    self.postMessage({ id: data.id, result });
  } catch (error) {
    self.postMessage({ id: data.id, error: String(error?.message || error) });
  }
};
