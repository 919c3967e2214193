#!/usr/bin/env node
/**
 * Fan-out benchmark, single node: one image, N subscribers on loopback in a separate process, one writer at
 * a fixed rate. Measures, for the built image-chat server (dist/) and beside it a minimal raw-`ws`
 * broadcast server with the same subscribers, rate and payload size: deliveries per second, write-to-delivery
 * latency (p50/p99/max), server CPU, and server memory per connection.
 *
 *   npm run bench:fanout                        # builds, then runs with the defaults below
 *   node bench/fanout/run.mjs --rates=20,100 --seconds=8 --subscribers=1000 --text=100
 *   node bench/fanout/run.mjs --profile         # also CPU-profiles the image-chat server (node --cpu-prof)
 *   node bench/fanout/run.mjs --json=out.json   # also writes the raw figures as JSON
 *   node bench/fanout/summarize.mjs run1.json run2.json run3.json   # median [min–max] over runs
 *
 * Options: --rates (writes/s, comma-separated), --seconds (per rate), --subscribers, --text (comment length),
 * --only=image-chat|raw, --profile, --json=FILE.
 *
 * Timestamps: the writer puts `performance.timeOrigin + performance.now()` (wall-clock based, sub-ms) into
 * each comment's text; the subscriber process takes the same expression when a frame arrives. Both run on
 * this machine, so they share the clock. The writer does not wait for acks (open loop): a slow server shows
 * up as growing latency, not as a lower send rate.
 *
 * Also measured: server CPU per phase (/proc/PID/stat), the subscriber process's CPU, and the "other load" on
 * the machine (busy CPU from /proc/stat minus the benchmark's own processes: on a shared machine, the noise);
 * server memory before and after connecting the subscribers, as RSS (/proc/PID/status VmRSS) and as JS heap in
 * use after a full GC (read over the inspector, which each server runs with on a loopback port 0).
 *
 * Every phase stops by itself (a fixed number of writes, then at most a few seconds of draining), the whole
 * run is capped by a watchdog, and every child process is killed on exit or failure.
 */
import { fork, spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { formatSummary, summarizeProfile } from './profile-top.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HERE = join(ROOT, 'bench', 'fanout');
const TENANT = 'demo';
const URL_ID = 'bench-img';
const WATCHDOG_MS = 170_000;
const DRAIN_IDLE_MS = 2_000;
const DRAIN_MAX_MS = 15_000;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

// ---------- options ----------

function parseArgs(argv) {
  const options = { rates: [20, 100], seconds: 8, subscribers: 1000, text: 100, only: null, profile: false, json: null };
  for (const arg of argv) {
    const [name, value] = arg.replace(/^--/, '').split('=');
    if (name === 'rates') options.rates = value.split(',').map(Number);
    else if (name === 'seconds') options.seconds = Number(value);
    else if (name === 'subscribers') options.subscribers = Number(value);
    else if (name === 'text') options.text = Number(value);
    else if (name === 'only') options.only = value;
    else if (name === 'profile') options.profile = true;
    else if (name === 'json') options.json = value;
    else throw new Error(`unknown option ${arg}`);
  }
  const bad = options.rates.some((r) => !(r > 0)) || !(options.seconds > 0) || !(options.subscribers > 0) || !(options.text >= 40);
  if (bad) throw new Error('rates, seconds and subscribers must be positive; --text at least 40');
  if (options.only && !['image-chat', 'raw'].includes(options.only)) throw new Error('--only is image-chat or raw');
  return options;
}

// ---------- child processes ----------

const children = new Set();
let tempDir = null;

function track(child) {
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

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { console.error(`\n${signal}: stopping`); process.exit(130); });

async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/** The image-chat server from dist/, on a fresh SQLite file, with the per-connection rate limits out of the way. */
async function startImageChat(profileDir) {
  const port = await freePort();
  const log = openSync(join(tempDir, 'image-chat.log'), 'w');
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(tempDir, 'bench.db')}`,
    LOG_LEVEL: 'warn',
    DRAIN_MS: '0',
    WRITE_RATE_PER_SECOND: '1000000',
    WRITE_BURST: '1000000',
    FRAME_RATE_PER_SECOND: '1000000',
    FRAME_BURST: '1000000',
    MAX_CHATS_PER_IMAGE: '1000000',
  };
  const args = ['--inspect=127.0.0.1:0', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = track(spawn(process.execPath, [...args, join(ROOT, 'dist/server/main.js')], { cwd: ROOT, env, stdio: ['ignore', log, 'pipe'] }));
  closeSync(log);
  const inspector = inspectorUrl(child, createWriteStream(join(tempDir, 'image-chat.log'), { flags: 'a' }));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
  return { child, url: `ws://127.0.0.1:${port}/ws`, inspector: await inspector };
}

async function startRaw() {
  const port = await freePort();
  const child = track(spawn(process.execPath, ['--inspect=127.0.0.1:0', join(HERE, 'raw-ws-server.mjs')], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const inspector = inspectorUrl(child, process.stderr);
  await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('raw ws server not ready')), 10_000);
    child.once('exit', (code) => fail(new Error(`raw ws server exited with ${code}`)));
    child.stdout.once('data', () => { clearTimeout(timer); done(); });
  });
  child.stdout.resume();
  return { child, url: `ws://127.0.0.1:${port}/ws`, inspector: await inspector };
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
async function openInspector(url) {
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
async function memoryAfterGc(inspector, pid) {
  await inspector.call('HeapProfiler.collectGarbage');
  const { usedSize } = await inspector.call('Runtime.getHeapUsage');
  return { heapUsed: usedSize, rssKiB: rssKiB(pid) };
}

/** The subscriber process, with a request/answer helper over IPC. */
function startSubscribers() {
  const child = track(fork(join(HERE, 'subscribers.mjs'), [], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waiting = [];
  child.on('message', (message) => waiting.shift()?.resolve(message));
  child.once('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`subscriber process exited with ${code}`)); });
  const ask = (message) => new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    child.send(message);
  });
  return { child, ask };
}

// ---------- /proc ----------

function rssKiB(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** user+system CPU time of a process, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** CPU time all cores spent busy since boot, in ms (/proc/stat: everything but idle and iowait). */
function machineBusyMs() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
}

// ---------- the writer ----------

const now = () => performance.timeOrigin + performance.now();
const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);

/** `bench <sendTimeMs> #<n>` padded to `length` characters: the subscriber reads both back. */
function benchText(sentAt, n, length) {
  const head = `bench ${sentAt.toFixed(3)} #${n} `;
  return head + 'x'.repeat(Math.max(0, length - head.length));
}

function openWriter(url) {
  return new Promise((done, fail) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      socket.removeListener('error', fail);
      socket.on('error', (error) => console.error('writer socket:', error.message));
      done(socket);
    });
    socket.once('error', fail);
  });
}

/** Sends `total` writes at `rate` per second on a fixed schedule; `send(n)` makes and sends write n. */
async function paced(rate, total, send) {
  const period = 1000 / rate;
  const start = performance.now();
  let n = 0;
  let maxLagMs = 0;
  while (n < total) {
    const wait = start + n * period - performance.now();
    if (wait > 1) await sleep(wait - 0.5);
    else await new Promise((r) => setImmediate(r));
    while (n < total && start + n * period <= performance.now()) {
      maxLagMs = Math.max(maxLagMs, performance.now() - (start + n * period));
      send(n);
      n += 1;
    }
  }
  return { maxLagMs, ms: performance.now() - start };
}

/** Writer side of image-chat: `create-chat` (a new marker per write, so no thread grows), acks timed. */
function imageChatWriter(socket, textLength) {
  const sent = new Map();
  const ackLatencies = [];
  let errors = 0;
  socket.on('message', (data) => {
    const received = now();
    const message = JSON.parse(data.toString());
    if (message.type === 'ack') {
      ackLatencies.push(received - sent.get(message.broadcastId));
      sent.delete(message.broadcastId);
    } else if (message.type === 'error') {
      errors += 1;
      if (errors <= 3) console.error('image-chat error:', message);
    }
  });
  return {
    send(n) {
      const broadcastId = randomUUID();
      const sentAt = now();
      sent.set(broadcastId, sentAt);
      socket.send(JSON.stringify({ type: 'create-chat', broadcastId, tenantId: TENANT, urlId: URL_ID, x: 0.5, y: 0.5, text: benchText(sentAt, n, textLength) }));
    },
    pending: () => sent.size,
    takeAcks() {
      const result = { acks: ackLatencies.splice(0).sort((a, b) => a - b), errors };
      errors = 0;
      return result;
    },
  };
}

/**
 * Writer side of the raw server: the same event an image-chat subscriber gets (a `new-image-chat` with the
 * whole chat), built the same way, so the frames have the same size.
 */
function rawWriter(socket, textLength) {
  const author = { id: randomUUID(), name: 'Guest' };
  return {
    send(n) {
      const sentAt = now();
      const chatId = randomUUID();
      const createdAt = Date.now();
      const comment = { id: randomUUID(), author, text: benchText(sentAt, n, textLength), createdAt, editedAt: null };
      const event = {
        type: 'new-image-chat', broadcastId: randomUUID(), tenantId: TENANT, urlId: URL_ID, chatId,
        chat: { id: chatId, x: 0.5, y: 0.5, author, createdAt, resolved: false, comments: [comment] }, seq: n + 1,
      };
      socket.send(JSON.stringify(event));
    },
    pending: () => 0,
    takeAcks: () => ({ acks: [], errors: 0 }),
  };
}

// ---------- one target ----------

const percentile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

async function waitForDeliveries(subscribers, expected, writer) {
  const deadline = Date.now() + DRAIN_MAX_MS;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const { deliveries } = await subscribers.ask({ cmd: 'count' });
    if (deliveries >= expected && writer.pending() === 0) return;
    if (deliveries !== last) { last = deliveries; lastChange = Date.now(); }
    if (Date.now() - lastChange > DRAIN_IDLE_MS) return;
    await sleep(100);
  }
}

/** Connects the subscribers to one server, measuring the server's RSS before and after. */
async function connectTarget(target, subscribers, options) {
  const pid = target.server.child.pid;
  const inspector = await openInspector(target.server.inspector);
  await sleep(500);
  const rssBefore = rssKiB(pid);
  const before = await memoryAfterGc(inspector, pid);
  const connected = await subscribers.ask({ cmd: 'connect', group: target.name, url: target.server.url, count: options.subscribers, mode: target.name === 'raw' ? 'raw' : 'image-chat', tenantId: TENANT, urlId: URL_ID });
  if (connected.open === 0) throw new Error(`${target.name}: no subscriber could connect`);
  await sleep(1000);
  const rssAfter = rssKiB(pid);
  const after = await memoryAfterGc(inspector, pid);
  // Closed now: a process exiting with a debugger attached waits for it to go.
  await inspector.close();
  target.open = connected.open;
  target.memory = {
    rssBeforeKiB: rssBefore, rssAfterKiB: rssAfter, perConnectionKiB: (rssAfter - rssBefore) / connected.open,
    heapBeforeKiB: before.heapUsed / 1024, heapAfterKiB: after.heapUsed / 1024, heapPerConnectionKiB: (after.heapUsed - before.heapUsed) / 1024 / connected.open,
    rssAfterGcKiB: after.rssKiB, connectMs: connected.ms, open: connected.open,
  };
  console.error(`${target.name}: ${connected.open} subscribers in ${connected.ms} ms, RSS ${(rssBefore / 1024).toFixed(1)} → ${(rssAfter / 1024).toFixed(1)} MiB, JS heap after GC ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB`);
  const socket = await openWriter(target.server.url);
  target.writer = target.name === 'raw' ? rawWriter(socket, options.text) : imageChatWriter(socket, options.text);
}

/** One measured phase: `rate` writes/s for `options.seconds` to one server, then its deliveries drain. */
async function runPhase(target, rate, subscribers, options) {
  const { writer } = target;
  const pid = target.server.child.pid;
  const total = Math.round(rate * options.seconds);
  const expected = total * target.open;
  await subscribers.ask({ cmd: 'start', group: target.name });
  const cpuStart = cpuMs(pid);
  const subscriberCpuStart = cpuMs(subscribers.child.pid);
  const selfCpuStart = process.cpuUsage();
  const machineStart = machineBusyMs();
  const wallStart = performance.now();
  const firstSend = now();
  const windowStart = hrtimeUs();
  const pacing = await paced(rate, total, (n) => writer.send(n));
  await waitForDeliveries(subscribers, expected, writer);
  target.windows.push([windowStart, hrtimeUs()]);
  const wallMs = performance.now() - wallStart;
  const cpu = cpuMs(pid) - cpuStart;
  const subscriberCpu = cpuMs(subscribers.child.pid) - subscriberCpuStart;
  const selfCpu = process.cpuUsage(selfCpuStart);
  const otherCpu = machineBusyMs() - machineStart - cpu - subscriberCpu - (selfCpu.user + selfCpu.system) / 1000;
  const stats = await subscribers.ask({ cmd: 'stop' });
  const { acks, errors } = writer.takeAcks();
  const spanS = (stats.lastReceive - firstSend) / 1000;
  const phase = {
    rate, writes: total, expected, deliveries: stats.deliveries,
    deliveriesPerSecond: stats.deliveries / spanS,
    framesPerSecond: stats.frames / spanS,
    bytesPerDelivery: stats.bytes / Math.max(1, stats.deliveries),
    p50: stats.p50, p90: stats.p90, p99: stats.p99, max: stats.max, mean: stats.mean,
    outOfOrder: stats.outOfOrder, closedDuring: stats.closedDuring,
    serverCpuPct: (100 * cpu) / wallMs, serverCpuUsPerDelivery: (1000 * cpu) / Math.max(1, stats.deliveries),
    subscriberCpuPct: (100 * subscriberCpu) / wallMs,
    /** CPU used on this machine by processes outside the benchmark during the phase, in cores. */
    otherLoadCores: Math.max(0, otherCpu / wallMs),
    ackP50: percentile(acks, 0.5), ackP99: percentile(acks, 0.99), acks: acks.length, errors,
    writerMaxLagMs: pacing.maxLagMs, sample: stats.sample,
  };
  target.phases.push(phase);
  console.error(`${target.name} @ ${rate}/s: ${phase.deliveries}/${expected} delivered, ${Math.round(phase.deliveriesPerSecond)}/s, p50 ${phase.p50.toFixed(2)} ms, p99 ${phase.p99.toFixed(2)} ms, server CPU ${phase.serverCpuPct.toFixed(0)}%, subscriber process ${phase.subscriberCpuPct.toFixed(0)}%, other load ${phase.otherLoadCores.toFixed(2)} cores`);
  await sleep(300);
}

// ---------- report ----------

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const thousands = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');

function markdown(results, options) {
  const lines = [
    '| server | writes/s | deliveries/s | delivered | p50 ms | p99 ms | max ms | frames/s | server CPU | server CPU µs/delivery | subscriber process CPU | other load (cores) | ack p50 / p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rates = [...new Set(results.flatMap((t) => t.phases.map((p) => p.rate)))];
  for (const rate of rates) {
    for (const target of results) {
      const p = target.phases.find((phase) => phase.rate === rate);
      if (!p) continue;
      const delivered = `${fmt((100 * p.deliveries) / p.expected, 1)}%`;
      const ack = target.name === 'raw' ? '–' : `${fmt(p.ackP50, 1)} / ${fmt(p.ackP99, 1)}`;
      lines.push(`| ${target.name} | ${p.rate} | ${thousands(p.deliveriesPerSecond)} | ${delivered} | ${fmt(p.p50, 1)} | ${fmt(p.p99, 1)} | ${fmt(p.max, 0)} | ${thousands(p.framesPerSecond)} | ${fmt(p.serverCpuPct, 0)}% | ${fmt(p.serverCpuUsPerDelivery, 1)} | ${fmt(p.subscriberCpuPct, 0)}% | ${fmt(p.otherLoadCores, 2)} | ${ack} |`);
    }
  }
  lines.push('', '| server | RSS before | RSS with subscribers | RSS per connection | JS heap after GC, before → with subscribers | JS heap per connection |', '|---|---:|---:|---:|---:|---:|');
  for (const target of results) {
    const m = target.memory;
    lines.push(`| ${target.name} | ${fmt(m.rssBeforeKiB / 1024)} MiB | ${fmt(m.rssAfterKiB / 1024)} MiB | ${fmt(m.perConnectionKiB)} KiB | ${fmt(m.heapBeforeKiB / 1024)} → ${fmt(m.heapAfterKiB / 1024)} MiB | ${fmt(m.heapPerConnectionKiB)} KiB |`);
  }
  const anomalies = results.flatMap((t) => t.phases.flatMap((p) => {
    const notes = [];
    if (p.outOfOrder || p.closedDuring) notes.push(`${p.outOfOrder} deliveries out of order, ${p.closedDuring} subscriber sockets closed`);
    if (t.name !== 'raw' && (p.errors || p.acks < p.writes)) notes.push(`${p.acks}/${p.writes} writes acknowledged, ${p.errors} errors`);
    if (p.writerMaxLagMs > 50) notes.push(`the writer fell up to ${fmt(p.writerMaxLagMs, 0)} ms behind its schedule`);
    return notes.map((note) => `${t.name} @ ${p.rate}/s: ${note}`);
  }));
  if (anomalies.length) lines.push('', ...anomalies.map((a) => `- ${a}`));
  const bytes = results.map((t) => `${t.name} ${fmt(t.phases[0]?.bytesPerDelivery, 0)}`).join(', ');
  lines.push('', `${options.subscribers} subscribers, ${options.seconds} s per rate, ${options.text}-character comment text; bytes per delivery: ${bytes}.`);
  return lines.join('\n');
}

// ---------- main ----------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const watchdog = setTimeout(() => { console.error(`watchdog: run exceeded ${WATCHDOG_MS / 1000} s, stopping`); process.exit(1); }, WATCHDOG_MS);
  watchdog.unref();
  tempDir = mkdtempSync(join(tmpdir(), 'image-chat-fanout-'));
  const profileDir = options.profile ? join(tempDir, 'profile') : null;
  const subscribers = startSubscribers();
  const targets = [];
  if (options.only !== 'raw') targets.push({ name: 'image-chat', server: await startImageChat(profileDir), phases: [], windows: [] });
  if (options.only !== 'image-chat') targets.push({ name: 'raw', server: await startRaw(), phases: [], windows: [] });

  try {
    for (const target of targets) await connectTarget(target, subscribers, options);
    // Rates outer, servers inner, the order flipped every rate (A B, B A, …): both servers meet much the same
    // background load, whatever else runs on this machine.
    for (const [i, rate] of options.rates.entries()) {
      for (const target of i % 2 === 0 ? targets : [...targets].reverse()) await runPhase(target, rate, subscribers, options);
    }
  } catch (error) {
    if (existsSync(join(tempDir, 'image-chat.log'))) console.error(`image-chat server log:\n${readFileSync(join(tempDir, 'image-chat.log'), 'utf8').slice(-2000)}`);
    throw error;
  }
  await subscribers.ask({ cmd: 'disconnect' });
  for (const target of targets) await stopChild(target.server.child);
  await stopChild(subscribers.child);

  let profileSummary = null;
  const imageChat = targets.find((t) => t.name === 'image-chat');
  if (profileDir && imageChat) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      const kept = join(tmpdir(), `image-chat-fanout-${Date.now()}.cpuprofile`);
      writeFileSync(kept, readFileSync(join(profileDir, file)));
      // One table per rate: where the server's time goes changes with the load.
      const text = imageChat.phases.map((phase, i) => `#### ${phase.rate} writes/s\n\n${formatSummary(summarizeProfile(kept, { windows: [imageChat.windows[i]], top: 15 }))}`).join('\n\n');
      profileSummary = { file: kept, text };
    }
  }
  const results = targets.map(({ name, memory, phases }) => ({ name, memory, phases }));

  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`;
  const table = markdown(results, options);
  console.log(`\n## Fan-out (single node)\n\n${new Date().toISOString()} · ${machine}\n\n${table}\n`);
  if (profileSummary) console.log(`### image-chat server CPU profile (${profileSummary.file})\n\n${profileSummary.text}\n`);
  if (options.json) writeFileSync(options.json, JSON.stringify({ date: new Date().toISOString(), machine, options, results }, null, 2));
  clearTimeout(watchdog);
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
