// Build the PWA into pwa/build/: hashed bundles, the page, and a service worker whose
// precache list (every file with its content hash) is written here, never by hand.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const statics = path.join(root, 'static');
const out = path.join(root, 'build');
const assets = path.join(out, 'assets');

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['chrome100', 'safari15', 'firefox100'],
  logLevel: 'warning',
  metafile: true,
};

const hash = (data) => createHash('sha256').update(data).digest('hex');
const outputs = (result) => Object.keys(result.metafile.outputs).map((p) => path.resolve(p));
const url = (file) => `/${path.relative(out, file).split(path.sep).join('/')}`;

async function main() {
  await fs.rm(out, { recursive: true, force: true });
  await fs.mkdir(assets, { recursive: true });

  // The photo worker first: the app needs its hashed name.
  const worker = await esbuild.build({
    ...common,
    entryPoints: { worker: path.join(src, 'photo/worker.js') },
    format: 'iife',
    outdir: assets,
    entryNames: '[name]-[hash]',
  });
  const workerUrl = url(outputs(worker)[0]);

  const app = await esbuild.build({
    ...common,
    entryPoints: { app: path.join(src, 'main.js'), style: path.join(statics, 'app.css') },
    format: 'esm',
    outdir: assets,
    entryNames: '[name]-[hash]',
    define: { __WORKER_URL__: JSON.stringify(workerUrl) },
  });
  const files = outputs(app);
  const js = files.find((f) => f.endsWith('.js'));
  const css = files.find((f) => f.endsWith('.css'));

  const template = await fs.readFile(path.join(statics, 'index.html'), 'utf8');
  const page = template.replace('{{js}}', url(js)).replace('{{css}}', url(css));
  await fs.writeFile(path.join(out, 'index.html'), page);
  await fs.cp(path.join(statics, 'icons'), path.join(out, 'icons'), { recursive: true });
  await fs.copyFile(path.join(statics, 'manifest.webmanifest'), path.join(out, 'manifest.webmanifest'));

  // Everything the app needs offline, each with the hash of its content.
  const shell = [
    ['/', path.join(out, 'index.html')],
    ...[js, css, ...outputs(worker)].map((f) => [url(f), f]),
    ['/manifest.webmanifest', path.join(out, 'manifest.webmanifest')],
    ...(await fs.readdir(path.join(out, 'icons'))).map((n) => [`/icons/${n}`, path.join(out, 'icons', n)]),
  ];
  const precache = [];
  for (const [address, file] of shell) {
    precache.push({ url: address, revision: hash(await fs.readFile(file)).slice(0, 16) });
  }
  const build = hash(JSON.stringify(precache)).slice(0, 12);
  await esbuild.build({
    ...common,
    entryPoints: [path.join(src, 'sw.js')],
    format: 'iife',
    outfile: path.join(out, 'sw.js'),
    define: { __PRECACHE__: JSON.stringify(precache), __BUILD__: JSON.stringify(build) },
  });
  await fs.writeFile(
    path.join(out, 'build.json'),
    JSON.stringify({ build, js: url(js), css: url(css), worker: workerUrl, precache }, null, 2),
  );
  console.log(`pwa build ${build}: ${precache.length} files precached`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
