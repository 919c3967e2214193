#!/usr/bin/env node
/**
 * Builds everything `npm start` serves: the server (tsc → dist/), the widget bundles (esbuild →
 * dist/public/widget.js as an ES module and widget.iife.js for a classic <script>), the dashboard bundle,
 * and the demo pages. Lit's production build is used (no "development" export condition).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { bundleOptions } from './esbuild-options.mjs';

const started = Date.now();
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

rmSync('dist/public', { recursive: true, force: true });
mkdirSync('dist/public', { recursive: true });

const common = bundleOptions;

if (existsSync('widget/index.ts')) {
  await build({ ...common, entryPoints: ['widget/index.ts'], format: 'esm', outfile: 'dist/public/widget.js' });
  await build({ ...common, entryPoints: ['widget/index.ts'], format: 'iife', globalName: 'ImageChat', outfile: 'dist/public/widget.iife.js' });
  writeVersionedCopies(['widget.js', 'widget.iife.js']);
}
/**
 * Beside each stable bundle name, a copy named after its content (`widget.<10 hex of SHA-256>.js`) that the server
 * lets caches keep for a year (server/http/http-caching.ts), and `bundles.json` mapping each stable name to it.
 * The copy's source-map comment still names `widget.js.map`, which sits beside it.
 */
function writeVersionedCopies(names) {
  const versions = {};
  for (const name of names) {
    const hash = createHash('sha256').update(readFileSync(`dist/public/${name}`)).digest('hex').slice(0, 10);
    versions[name] = name.replace(/\.js$/, `.${hash}.js`);
    copyFileSync(`dist/public/${name}`, `dist/public/${versions[name]}`);
  }
  writeFileSync('dist/public/bundles.json', `${JSON.stringify(versions, null, 2)}\n`);
  console.log(`versioned bundles: ${Object.values(versions).join(', ')}`);
}

if (existsSync('dashboard/index.ts')) {
  // The dashboard is its own part (dashboard/), served as before at /dashboard/.
  await build({ ...common, entryPoints: ['dashboard/index.ts'], format: 'esm', outfile: 'dist/public/dashboard/dashboard.js' });
  cpSync('dashboard/index.html', 'dist/public/dashboard/index.html');
}
if (existsSync('demo')) cpSync('demo', 'dist/public/demo', { recursive: true });

console.log(`built in ${Date.now() - started} ms`);
