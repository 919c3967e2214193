/**
 * Starting and stopping as an operator does (issue 13, item 6): a taken port is a one-line message naming what
 * to set, not a stack trace; `npm run serve` (what `npm start` ends in) hands SIGTERM to the server, which drains
 * and exits, leaving no node behind.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.mjs';

const dir = makeTempDir();
afterAll(() => removeDir(dir));

/** Runs `command` to its exit (or `stop` it), collecting what it printed. */
function run(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: `sqlite:${join(dir, 'start.db')}`, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a port in use is one line that says to set PORT, and exit code 2', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  const node = run(process.execPath, ['dist/server/main.js'], { PORT: String(port), HOST: '127.0.0.1' });
  expect(await node.exited).toBe(2);
  holder.close();
  expect(node.output()).toContain(`image-chat: port ${port} is in use; set PORT to a free port`);
  expect(node.output()).not.toMatch(/\n\s+at /);
});

test('`npm start` builds, then becomes `npm run serve` (exec), so a signal to npm reaches the server', () => {
  // Running `npm start` here would rebuild dist/ under the other tests' feet; its shape is what passes the signal on.
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.start).toMatch(/&& exec npm run serve$/);
  expect(scripts.serve).toMatch(/^exec node dist\/server\/main\.js$/);
});

test('SIGTERM to `npm run serve` reaches the server: it drains, stops and frees its port', async () => {
  const port = await freePort();
  const npm = run('npm', ['run', '--silent', 'serve'], { PORT: String(port), HOST: '127.0.0.1', DRAIN_MS: '0' });
  await until(() => npm.output().includes('image-chat listening'), 'the server to listen');
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  npm.child.kill('SIGTERM');
  await npm.exited;
  await until(() => npm.output().includes('"msg":"stopped"'), 'the server to stop');
  expect(npm.output()).toContain('"signal":"SIGTERM"');
  // Nothing holds the port any more: the server itself exited, not only npm.
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
});

test('a node whose stdout reader is gone still stops on SIGTERM (it used to hang at exit, flushing its log forever)', async () => {
  const port = await freePort();
  const node = spawn(process.execPath, ['dist/server/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', DRAIN_MS: '0', DATABASE_URL: `sqlite:${join(dir, 'pipe.db')}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  node.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => node.once('exit', (code) => resolve(code)));
  await until(() => output.includes('image-chat listening'), 'the node to listen');
  // The log collector dies: the pipe's reading end closes.
  node.stdout.destroy();
  node.stderr.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  node.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
  if (code === 'hung') node.kill('SIGKILL');
  expect(code).toBe(0);
});
