/**
 * Finds a worker thread's script. The built server (dist/) has the compiled `.js` beside the module that
 * starts the worker. Tests run the TypeScript sources through vitest, where only the `.ts` exists and a
 * worker thread (plain Node 20) cannot load it: then the source is bundled once per process with esbuild (a
 * development dependency) into a temporary `.mjs`, so the worker runs exactly the code under test.
 *
 * @example
 * const script = await workerScript(new URL('./sqlite-worker.js', import.meta.url));
 * new Worker(script);
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundles = new Map<string, Promise<URL>>();

/** `script` (a `.js` URL) if it exists, else its `.ts` source bundled; a `.ts` URL is always bundled. */
export function workerScript(script: URL): Promise<URL> {
  const path = fileURLToPath(script);
  if (path.endsWith('.js') && existsSync(path)) return Promise.resolve(script);
  const source = path.replace(/\.js$/, '.ts');
  if (!existsSync(source)) return Promise.reject(new Error(`worker script not found: ${path} (nor its source ${source}); run npm run build`));
  let bundle = bundles.get(source);
  if (!bundle) {
    bundle = bundleSource(source);
    bundles.set(source, bundle);
  }
  return bundle;
}

async function bundleSource(source: string): Promise<URL> {
  const { build } = await import('esbuild');
  const require = createRequire(import.meta.url);
  const result = await build({
    entryPoints: [source], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent',
    plugins: [{
      // Packages stay outside the bundle, imported by absolute path: the bundle lives in a temp folder without node_modules.
      name: 'packages-by-path',
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') ? { external: true } : { path: require.resolve(args.path), external: true }));
      },
    }],
  });
  const code = result.outputFiles[0]!.contents;
  const dir = join(tmpdir(), 'image-chat-workers');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename(source, '.ts')}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    // Written aside and renamed: test files in other processes may bundle the same source at the same time.
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return pathToFileURL(file);
}
