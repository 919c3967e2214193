/**
 * The processes of the fan-out benchmark and what is read from them: the image-chat server (from dist/) with its
 * inspector and, if asked, a CPU profile; the raw `ws` and Socket.IO servers; their memory over the inspector,
 * their CPU and RSS from /proc; pinning them to cores. Starting, tracking and stopping processes is
 * bench/lib/processes.mjs's.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { freePort } from '../../test/helpers/free-port.mjs';
import { waitForHttp } from '../../test/helpers/server-process.mjs';
import { socketIoUrl } from '../lib/engine-io.mjs';
import { spawnBenchServer, track } from '../lib/processes.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HERE = join(ROOT, 'bench', 'fanout');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The image-chat server from dist/, on a fresh SQLite file in `dir`, with the per-connection rate limits out of the way. */
export async function startImageChat(dir, profileDir, env = {}) {
  const port = await freePort();
  const nodeArgs = ['--inspect=127.0.0.1:0', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const logFile = join(dir, 'image-chat.log');
  const child = spawnBenchServer(port, { logFile, nodeArgs, pipeStderr: true, env: { DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`, ...env } });
  const inspector = inspectorUrl(child, createWriteStream(logFile, { flags: 'a' }));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 15_000);
  return { child, url: `ws://127.0.0.1:${port}/ws`, inspector: await inspector };
}

/** The raw `ws` broadcast server, the baseline. */
export async function startRaw() {
  const { child, port, inspector } = await startScript('raw-ws-server.mjs');
  return { child, url: `ws://127.0.0.1:${port}/ws`, inspector };
}

/** The Socket.IO 4 server (bench/fanout/socketio-server.mjs); `url` is its Engine.IO WebSocket endpoint. */
export async function startSocketIo() {
  const { child, port, inspector } = await startScript('socketio-server.mjs');
  return { child, url: socketIoUrl(`http://127.0.0.1:${port}`), inspector };
}

/** One of the comparison servers in bench/fanout/ (tracked), once it prints that it listens. */
async function startScript(file) {
  const port = await freePort();
  const child = track(spawn(process.execPath, ['--inspect=127.0.0.1:0', join(HERE, file)], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const inspector = inspectorUrl(child, process.stderr);
  await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${file} not ready`)), 10_000);
    child.once('exit', (code) => fail(new Error(`${file} exited with ${code}`)));
    child.stdout.once('data', () => { clearTimeout(timer); done(); });
  });
  child.stdout.resume();
  return { child, port, inspector: await inspector };
}

// ---------- cores ----------

/** True when `taskset` can pin processes here (util-linux, and more than one core to share out). */
export function canPin() {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of process `pid` to the cores in `list` (taskset's syntax, e.g. `0` or `1-3`). */
export function pin(pid, list) {
  execFileSync('taskset', ['-a', '-c', '-p', list, String(pid)], { stdio: 'ignore' });
}

// ---------- the inspector: the JS heap after a full GC ----------

/**
 * Each server runs with `--inspect=127.0.0.1:0` so that its memory can be read after a full GC (RSS alone also
 * counts garbage not yet collected). Resolves with the inspector's URL from the child's stderr; the rest of
 * stderr goes to `sink`, minus the inspector's own notices.
 */
function inspectorUrl(child, sink) {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('no inspector URL on stderr')), 10_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
      const rest = text.split('\n').filter((line) => line && !/^(Debugger |For help, see|Waiting for the debugger)/.test(line));
      if (rest.length) sink.write(`${rest.join('\n')}\n`);
    });
  });
}

/** A minimal Chrome DevTools Protocol session: `call(method, params)` resolves with the result. */
export async function openInspector(url) {
  const socket = await new Promise((done, fail) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => done(ws));
    ws.once('error', fail);
  });
  const pending = new Map();
  let nextId = 0;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const answer = pending.get(message.id);
    if (!answer) return;
    pending.delete(message.id);
    if (message.error) answer.reject(new Error(`${message.error.message}`));
    else answer.resolve(message.result);
  });
  const call = (method, params = {}) => new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    socket.send(JSON.stringify({ id, method, params }));
  });
  const close = () => new Promise((done) => { socket.once('close', done); socket.close(); });
  return { call, close };
}

/** Forces a full GC in the server, then reads its JS heap in use (bytes) and its RSS (KiB). */
export async function memoryAfterGc(inspector, pid) {
  await inspector.call('HeapProfiler.collectGarbage');
  const { usedSize } = await inspector.call('Runtime.getHeapUsage');
  return { heapUsed: usedSize, rssKiB: rssKiB(pid) };
}

// ---------- /proc ----------

/** Resident set size of a process, in KiB (/proc/PID/status VmRSS). */
export function rssKiB(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** user+system CPU time of a process, in ms. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** CPU time all cores spent busy since boot, in ms (/proc/stat: everything but idle and iowait). */
export function machineBusyMs() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
}
