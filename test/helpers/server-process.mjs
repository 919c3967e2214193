/**
 * The built server (`dist/server/main.js`) as a child process, for the browser and end-to-end tests: started on
 * a free port with a throwaway SQLite file, stoppable and restartable on the same port and database.
 * Needs the build (`ensureBuilt`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { freePort } from './free-port.mjs';

const MAIN = resolve('dist/server/main.js');

/**
 * Builds the server, widget and demo (`scripts/build.mjs`) unless `IMAGE_CHAT_SKIP_BUILD` is set, as `npm test`
 * does after building once itself.
 */
export function ensureBuilt() {
  if (process.env.IMAGE_CHAT_SKIP_BUILD) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(this.dataDir, 'image-chat.db')}`,
        LOG_LEVEL: 'warn',
        DRAIN_MS: '0',
        NODE_ENV: 'test',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk) => { this.log = (this.log + chunk).slice(-20_000); });
    child.stderr.on('data', (chunk) => { this.log = (this.log + chunk).slice(-20_000); });
    child.once('exit', () => { if (this.child === child) this.child = null; });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!this.child) throw new Error(`image-chat server exited at start:\n${this.log}`);
      const ok = await fetch(`${this.url}/healthz`).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`image-chat server did not answer on ${this.url}:\n${this.log}`);
      await sleep(50);
    }
  }

  /** Stops the process (SIGTERM; SIGKILL if it lingers) and waits for it to exit. */
  async stop() {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
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
