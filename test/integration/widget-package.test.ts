/**
 * The npm package `@image-chat/widget`, as a site gets it: built (scripts/build-widget-package.mjs), packed with
 * `npm pack`, installed offline from the tarball into a scratch project in a temp dir (it has no dependencies, so
 * nothing is fetched), then the framework examples (examples/frameworks/) and a file of type checks are
 * type-checked with tsc against the installed package alone (no skipLibCheck: its declarations must stand on
 * their own) and bundled with esbuild. React, Vue and their types come from this repository's node_modules.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const repo = resolve(import.meta.dirname, '../..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
let scratch: string;
let packed: { filename: string; files: { path: string }[] };

/** What the scratch project takes from this repository's node_modules, as a site would from the registry. */
const FRAMEWORK_PACKAGES = ['react', 'react-dom', '@types/react', '@types/react-dom', 'vue'];

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-widget-package.mjs'], { cwd: repo, stdio: 'pipe' });
  scratch = mkdtempSync(join(tmpdir(), 'image-chat-package-'));
  const json = execFileSync('npm', ['pack', './packages/widget', '--pack-destination', scratch, '--json'], { cwd: repo, encoding: 'utf8' });
  packed = (JSON.parse(json) as (typeof packed)[])[0]!;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${packed.filename}`], { cwd: scratch, stdio: 'pipe' });
  for (const name of FRAMEWORK_PACKAGES) {
    mkdirSync(dirname(join(scratch, 'node_modules', name)), { recursive: true });
    symlinkSync(realpathSync(join(repo, 'node_modules', name)), join(scratch, 'node_modules', name), 'dir');
  }
  cpSync(join(repo, 'examples/frameworks'), join(scratch, 'src'), { recursive: true });
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Type-checks `files` in the scratch project; returns tsc's exit status and output. */
function typeCheck(name: string, files: string[]): { status: number | null; output: string } {
  writeFileSync(join(scratch, `${name}.json`), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx', lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true, noEmit: true, skipLibCheck: false, types: [],
    },
    files,
  }));
  const result = spawnSync(process.execPath, [tsc, '-p', `${name}.json`], { cwd: scratch, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('the tarball holds the bundles, the declarations and the manifest, and no dependency to fetch', () => {
  const files = packed.files.map((file) => file.path).sort();
  expect(files).toEqual([
    'README.md', 'dist/custom-elements.json', 'dist/image-chat.d.ts', 'dist/image-chat.iife.js', 'dist/image-chat.iife.js.map',
    'dist/image-chat.js', 'dist/image-chat.js.map', 'dist/react.d.ts', 'package.json',
  ]);
  const installed = JSON.parse(readFileSync(join(scratch, 'node_modules/@image-chat/widget/package.json'), 'utf8')) as Record<string, unknown>;
  expect(installed.dependencies).toBeUndefined();
  expect(installed.peerDependencies).toBeUndefined();
  expect(installed.exports).toMatchObject({
    '.': { types: './dist/image-chat.d.ts', default: './dist/image-chat.js' },
    './react': { types: './dist/react.d.ts', default: './dist/image-chat.js' },
    './image-chat.iife.js': './dist/image-chat.iife.js',
    './custom-elements.json': './dist/custom-elements.json',
  });
  // The only things the scratch project has are the package and what this test linked in.
  expect(existsSync(join(scratch, 'node_modules/lit'))).toBe(false);
  const declarations = readFileSync(join(scratch, 'node_modules/@image-chat/widget/dist/image-chat.d.ts'), 'utf8');
  // Lit's own declarations are inlined (their doc comments still show imports from 'lit').
  expect(declarations).not.toMatch(/^(import|export)\b[^;]*from ['"](lit|lit-html|lit-element|@lit\/[^'"]+)['"]/m);
  expect(declarations).not.toMatch(/import\(['"](lit|lit-html|lit-element|@lit\/[^'"]+)['"]\)/);
  expect(declarations).toMatch(/^declare class LitElement extends ReactiveElement \{/m);
});

test('the classic bundle defines the global ImageChat with configure and attach; the module bundle is production Lit', () => {
  const iife = readFileSync(join(scratch, 'node_modules/@image-chat/widget/dist/image-chat.iife.js'), 'utf8');
  expect(iife).toMatch(/^"use strict";var ImageChat=/);
  expect(iife).toMatch(/configure:\(\)=>/);
  expect(iife).toMatch(/attach:\(\)=>/);
  const esm = readFileSync(join(scratch, 'node_modules/@image-chat/widget/dist/image-chat.js'), 'utf8');
  expect(esm).not.toContain('Lit is in dev mode');
  expect(esm).not.toMatch(/^import\b|\bfrom"[^".]/m);
  // The plain HTML example loads the classic bundle by its path in node_modules.
  const html = readFileSync(join(scratch, 'src/html/index.html'), 'utf8');
  const script = /<script src="\.\/(node_modules\/[^"]+)"><\/script>/.exec(html)?.[1];
  expect(script).toBe('node_modules/@image-chat/widget/dist/image-chat.iife.js');
  expect(existsSync(join(scratch, script!))).toBe(true);
  expect(html).toContain("ImageChat.configure({ server: 'https://chat.example.com' })");
});

test('custom-elements.json describes <image-chat>: attributes, events, parts and custom properties', () => {
  const manifest = JSON.parse(readFileSync(join(scratch, 'node_modules/@image-chat/widget/dist/custom-elements.json'), 'utf8')) as {
    modules: { declarations?: { tagName?: string; attributes?: { name: string }[]; events?: { name: string }[]; cssParts?: { name: string }[]; cssProperties?: { name: string }[] }[]; exports?: { kind: string; name: string }[] }[];
  };
  const elements = manifest.modules.flatMap((module) => module.declarations ?? []).filter((declaration) => declaration.tagName);
  expect(elements.map((element) => element.tagName)).toEqual(['image-chat']);
  const element = elements[0]!;
  expect(element.attributes?.map((attribute) => attribute.name)).toEqual(['tenant-id', 'url-id', 'src', 'alt', 'server', 'locale', 'readonly', 'sso', 'simple-sso', 'page-font', 'theme']);
  expect(element.events?.map((event) => event.name)).toEqual(['image-chat-status', 'image-chat-open', 'image-chat-error']);
  expect(element.cssParts?.map((part) => part.name)).toEqual(expect.arrayContaining(['image', 'marker', 'thread', 'composer', 'status']));
  expect(element.cssProperties?.map((property) => property.name)).toContain('--image-chat-accent');
  expect(manifest.modules.flatMap((module) => module.exports ?? [])).toContainEqual(expect.objectContaining({ kind: 'custom-element-definition', name: 'image-chat' }));
});

test('the React 19 and Vue 3 examples and the type checks pass tsc against the installed package', () => {
  writeFileSync(join(scratch, 'src/checks.tsx'), `
import { configure, type ImageChat } from '@image-chat/widget/react';
import { attach } from '@image-chat/widget';

const widget: ImageChat = document.createElement('image-chat');
const found: ImageChat | null = document.querySelector('image-chat');
void widget.updateComplete.then(() => widget.requestUpdate());
widget.tenantId = 'acme';
widget.addEventListener('image-chat-open', (event) => { const id: string = event.detail.chatId; void id; });
widget.addEventListener('image-chat-status', (event) => { const state: 'live' | 'connecting' | 'offline' = event.detail.state; void state; });
document.addEventListener('image-chat-error', (event) => { const code: string = event.detail.code; void code; });
// @ts-expect-error: image-chat-open's detail has no such field
widget.addEventListener('image-chat-open', (event) => event.detail.nope);
// @ts-expect-error: the server is a URL string
configure({ server: 8080 });
// @ts-expect-error: configure needs the server
configure({});
// @ts-expect-error: theme is light, dark or auto
export const badTheme = <image-chat tenant-id="acme" theme="blue" />;
// @ts-expect-error: tenant-id is a string
export const badTenant = <image-chat tenant-id={42} />;
// @ts-expect-error: the event handler's detail is typed
export const badHandler = <image-chat tenant-id="acme" onimage-chat-open={(event) => event.detail.state.length} />;
export const attached: ImageChat = attach(new Image(), { tenantId: 'acme', server: 'https://chat.example.com' });
void found;
`);
  const result = typeCheck('tsconfig.checks', ['src/react/main.tsx', 'src/vue/main.ts', 'src/checks.tsx']);
  expect(result.output).toBe('');
  expect(result.status).toBe(0);
});

test('without @image-chat/widget/react, <image-chat> is not a JSX element (the React typings are what makes it one)', () => {
  writeFileSync(join(scratch, 'src/no-react-types.tsx'), `import '@image-chat/widget';\nexport const plan = <image-chat tenant-id="acme" />;\n`);
  const result = typeCheck('tsconfig.no-react-types', ['src/no-react-types.tsx']);
  expect(result.status).not.toBe(0);
  expect(result.output).toContain("Property 'image-chat' does not exist on type 'JSX.IntrinsicElements'");
});

test('esbuild bundles the React and Vue examples with the package\'s module bundle', async () => {
  for (const entry of ['src/react/main.tsx', 'src/vue/main.ts']) {
    const result = await build({
      absWorkingDir: scratch, entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true,
      jsx: 'automatic', logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' },
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs, entry).toContain('node_modules/@image-chat/widget/dist/image-chat.js');
    expect(inputs.some((input) => input.endsWith('image-chat.iife.js')), entry).toBe(false);
    expect(result.outputFiles[0]!.text, entry).toContain('"image-chat"');
  }
});

test('the Vue single-file component compiles <image-chat> as an element only with isCustomElement', async () => {
  const { compileTemplate, parse } = await import('vue/compiler-sfc');
  const source = readFileSync(join(scratch, 'src/vue/FloorPlan.vue'), 'utf8');
  const template = parse(source).descriptor.template!.content;
  const compile = (isCustomElement?: (tag: string) => boolean) => compileTemplate({
    source: template, filename: 'FloorPlan.vue', id: 'floor-plan', compilerOptions: isCustomElement ? { isCustomElement } : {},
  });
  const withOption = compile((tag) => tag === 'image-chat');
  expect(withOption.errors).toEqual([]);
  expect(withOption.code).toContain('_createElementVNode("image-chat"');
  expect(withOption.code).not.toContain('resolveComponent("image-chat")');
  expect(compile().code).toContain('resolveComponent("image-chat")');
});
