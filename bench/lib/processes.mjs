/**
 * The child processes of a benchmark run: the built server with the settings every benchmark node runs with,
 * the subscriber process, and killing them all (and removing the run's temp directory) however the run ends.
 */
import { closeSync, openSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnServer } from '../../test/helpers/server-process.mjs';
import { LOAD_TEST_LIMITS } from '../load-limits.mjs';

// Written for the fan-out benchmark, which docs/benchmarks.md describes; the cluster benchmark reuses it.
const SUBSCRIBERS = fileURLToPath(new URL('../fanout/subscribers.mjs', import.meta.url));

const children = new Set();
let tempDir = null;

/** Kills `child` if it is still running when this process exits. */
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAll() {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}

/** Kills every tracked child process, and removes `dir`, however this process ends (but SIGKILL). */
export function cleanUpOnExit(dir) {
  tempDir = dir;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { console.error(`\n${signal}: stopping`); process.exit(130); });
}

/**
 * Spawns the built server (tracked) as a benchmark runs it: in production mode, with the demo tenant (which
 * production leaves off; the writer and subscribers use it) and LOAD_TEST_LIMITS; stdout (and stderr, unless
 * `pipeStderr`) to `logFile`. It does not wait for the server to listen.
 * @param {number} port
 * @param {{ logFile: string, env?: Record<string, string>, nodeArgs?: string[], pipeStderr?: boolean }} options
 */
export function spawnBenchServer(port, { logFile, env = {}, nodeArgs = [], pipeStderr = false }) {
  const log = openSync(logFile, 'w');
  const child = track(spawnServer({
    port,
    nodeArgs,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', DEMO_TENANT: 'on', ...LOAD_TEST_LIMITS, ...env },
    stdio: ['ignore', log, pipeStderr ? 'pipe' : log],
  }));
  closeSync(log);
  return child;
}

/** The subscriber process (bench/fanout/subscribers.mjs, tracked), with a request/answer helper over IPC. */
export function startSubscribers() {
  const child = track(fork(SUBSCRIBERS, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waiting = [];
  child.on('message', (message) => waiting.shift()?.resolve(message));
  child.once('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`subscriber process exited with ${code}`)); });
  const ask = (message) => new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    child.send(message);
  });
  return { child, ask };
}
