/**
 * The built server (`dist/server/main.js`) as a child process. `spawnServer` and `waitForHttp` are how the tests
 * and the benchmarks start it; `ServerProcess` is the browser and end-to-end tests' handle on one: started on
 * a free port with a throwaway SQLite file, stoppable and restartable on the same port and database.
 * Needs the build (`ensureBuilt`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { stopChild } from './child-exit.mjs';
import { freePort } from './free-port.mjs';

/** The repository root: the server runs from there, as `npm start` runs it. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist/server/main.js');

/**
 * Builds the server, widget and demo (`scripts/build.mjs`) unless `IMAGE_CHAT_SKIP_BUILD` is set, as `npm test`
 * does after building once itself.
 */
export function ensureBuilt() {
  if (process.env.IMAGE_CHAT_SKIP_BUILD) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}

/**
 * Spawns `node [nodeArgs] dist/server/main.js` listening on 127.0.0.1:`port`, with no drain wait on SIGTERM;
 * `env` adds to this process's environment (PORT is always `port`). It does not wait for the server to listen.
 * @param {{ port: number, env?: Record<string, string>, nodeArgs?: string[], wrapper?: string[], stdio?: import('node:child_process').StdioOptions }} options
 *   `wrapper`: a command the server runs under, as an operator might (e.g. `['prlimit', '--nofile=128:128']`);
 *   it must exec node in place, so that `child.pid` is the server's
 */
export function spawnServer({ port, env = {}, nodeArgs = [], wrapper = [], stdio = ['ignore', 'pipe', 'pipe'] }) {
  const [command, ...args] = [...wrapper, process.execPath, ...nodeArgs, MAIN];
  return spawn(/** @type {string} */ (command), args, {
    cwd: ROOT,
    stdio,
    env: { ...process.env, HOST: '127.0.0.1', DRAIN_MS: '0', ...env, PORT: String(port) },
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `url` answers 2xx; fails when `child` exits first or after `timeoutMs`. */
export async function waitForHttp(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ${url} answered`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Servers started through `ServerProcess` in this process and not yet exited: killed when this process exits, so a
 * test file that fails before its cleanup runs (a browser that cannot be launched) leaves no server running.
 */
const running = new Set();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class ServerProcess {
  /**
   * @param {{ env?: Record<string, string>, port?: number, dataDir?: string }} options
   */
  constructor(options = {}) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
    this.env = options.env ?? {};
    this.port = options.port ?? 0;
    this.ownsDir = !options.dataDir;
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'image-chat-e2e-'));
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
    this.log = '';
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Starts the process (on the same port as before, if it ran already) and waits until it answers. */
  async start() {
    if (this.child) return;
    if (!this.port) this.port = await freePort();
    const child = spawnServer({
      port: this.port,
      env: { DATABASE_URL: `sqlite:${join(this.dataDir, 'image-chat.db')}`, LOG_LEVEL: 'warn', NODE_ENV: 'test', ...this.env },
    });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    child.stdout.on('data', (chunk) => { this.log = (this.log + chunk).slice(-20_000); });
    child.stderr.on('data', (chunk) => { this.log = (this.log + chunk).slice(-20_000); });
    child.once('exit', () => { if (this.child === child) this.child = null; });
    try {
      await waitForHttp(`${this.url}/healthz`, child, 30_000);
    } catch (error) {
      throw new Error(`image-chat server: ${error.message}:\n${this.log}`);
    }
  }

  /** Stops the process (SIGTERM; SIGKILL if it lingers) and waits for it to exit. */
  async stop() {
    const child = this.child;
    if (!child) return;
    await stopChild(child, 10_000);
    this.child = null;
  }

  /** Stops the process and removes its database (unless the directory was given). */
  async dispose() {
    await this.stop();
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Sends writes to an image while the main server is down, through a second server process on another port over
 * the same database, then stops that one. Clients of the main port certainly miss these events live.
 * @param {ServerProcess} main
 * @param {Array<Record<string, unknown>>} writes write messages without broadcastId
 * @returns {Promise<Array<Record<string, unknown>>>} the ack or error answering each write
 */
export async function writeWhileAway(main, writes) {
  if (main.child) throw new Error('writeWhileAway: stop the main server first');
  const side = new ServerProcess({ env: main.env, dataDir: main.dataDir });
  await side.start();
  try {
    const socket = new WebSocket(side.wsUrl);
    await new Promise((done, fail) => { socket.once('open', done); socket.once('error', fail); });
    const answers = [];
    for (const write of writes) {
      const broadcastId = randomUUID();
      const answer = new Promise((done) => {
        const listener = (data) => {
          const frame = JSON.parse(String(data));
          if ((frame.type === 'ack' || frame.type === 'error') && frame.broadcastId === broadcastId) {
            socket.off('message', listener);
            done(frame);
          }
        };
        socket.on('message', listener);
      });
      socket.send(JSON.stringify({ ...write, broadcastId }));
      answers.push(await answer);
    }
    socket.close();
    return answers;
  } finally {
    await side.stop();
  }
}
