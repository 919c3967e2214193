#!/usr/bin/env node
/**
 * Builds the npm package `@image-chat/widget` into packages/widget/dist/ (then `npm pack ./packages/widget`):
 * - image-chat.js: the widget as one self-contained ES module (Lit, uuid and shared/ inside), from
 *   widget/package.ts: the same code as the served /widget.js, except that it never guesses the server;
 * - image-chat.iife.js: the same for a classic <script> (global `ImageChat`);
 * - image-chat.d.ts and react.d.ts: the declarations tsc emits from the sources (tsconfig.widget-package.json),
 *   rolled into one file each with rollup-plugin-dts, Lit's own declarations inlined: the package has no
 *   dependencies, so its types must not import `lit` either;
 * - custom-elements.json: the Custom Elements Manifest, by @custom-elements-manifest/analyzer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { bundleOptions } from './esbuild-options.mjs';

const started = Date.now();
const out = 'packages/widget/dist';
const types = '.tmp/widget-package-types';
rmSync(out, { recursive: true, force: true });
rmSync(types, { recursive: true, force: true });

await build({ ...bundleOptions, entryPoints: ['widget/package.ts'], format: 'esm', outfile: `${out}/image-chat.js` });
await build({ ...bundleOptions, entryPoints: ['widget/package.ts'], format: 'iife', globalName: 'ImageChat', outfile: `${out}/image-chat.iife.js` });

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.widget-package.json'], { stdio: 'inherit' });
await rollDeclarations(`${types}/widget/package.d.ts`, `${out}/image-chat.d.ts`);
// react.d.ts re-exports the main declarations (the same bundle at run time) and adds the JSX element.
await rollDeclarations(`${types}/widget/react.d.ts`, `${out}/react.d.ts`, { 'package.js': './image-chat.js' });

execFileSync(process.execPath, [
  // <image-chat> only: chat-marker and chat-thread are its parts, not elements for pages to use.
  'node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet',
  '--globs', 'widget/image-chat.ts', '--outdir', out,
], { stdio: 'inherit' });
if (!existsSync(`${out}/custom-elements.json`)) throw new Error('the analyzer wrote no custom-elements.json');

const { name, version } = JSON.parse(readFileSync('packages/widget/package.json', 'utf8'));
console.log(`built ${name}@${version} into ${out} in ${Date.now() - started} ms`);

/**
 * One declaration file from tsc's tree: Lit's declarations are inlined (`respectExternal`), `react` stays an
 * import (a React project has its types), and the widget's modules named in `siblings` (by file name) become
 * imports of the package's other declaration files.
 */
async function rollDeclarations(input, output, siblings = {}) {
  const sibling = (id) => siblings[basename(id).replace(/\.d\.ts$/, '.js')];
  const bundle = await rollup({
    input,
    external: (id) => id === 'react' || sibling(id) !== undefined,
    plugins: [dts({ respectExternal: true })],
    onwarn(warning) {
      throw new Error(`rollup-plugin-dts: ${warning.message}`);
    },
  });
  await bundle.write({ file: output, format: 'es', paths: (id) => sibling(id) ?? id });
  await bundle.close();
}
