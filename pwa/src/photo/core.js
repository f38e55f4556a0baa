// Downscale one photo: orientation from its EXIF applied, long edge capped, JPEG out, its
// SHA-256 taken. Runs in a worker where OffscreenCanvas exists, else on the page.

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fit(width, height, edge) {
  const scale = Math.min(1, edge / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

function canvasOf(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function toJpeg(canvas, quality) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

async function encode(bitmap, edge, quality) {
  const [width, height] = fit(bitmap.width, bitmap.height, edge);
  const resized = await createImageBitmap(bitmap, {
    resizeWidth: width,
    resizeHeight: height,
    resizeQuality: 'high',
  });
  const canvas = canvasOf(width, height);
  canvas.getContext('2d').drawImage(resized, 0, 0);
  resized.close();
  return { blob: await toJpeg(canvas, quality), width, height };
}

// {blob, thumb, sha256, width, height, original}: `original` when the browser cannot decode
// the file (HEIC in Chromium): its bytes go as they are and the server normalizes them.
export async function processPhoto(file, { longEdge, quality, thumbEdge }) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return { blob: file, thumb: null, sha256: await sha256Hex(file), original: true };
  }
  try {
    const main = await encode(bitmap, longEdge, quality);
    const thumb = await encode(bitmap, thumbEdge, 0.7);
    return {
      blob: main.blob,
      thumb: thumb.blob,
      sha256: await sha256Hex(main.blob),
      width: main.width,
      height: main.height,
      original: false,
    };
  } finally {
    bitmap.close();
  }
}
