#!/usr/bin/env node
/**
 * Fan-out benchmark, single node: one image, N subscribers on loopback in a separate process, one writer at
 * a fixed rate. Side by side in one run, taking turns per rate: the built image-chat server (dist/), a minimal
 * raw-`ws` broadcast server and Socket.IO 4 (one room per image), all with the same subscribers, rate and
 * payload size. Measures deliveries per second, write-to-delivery latency (p50/p99/max), server CPU per
 * delivery, server memory per connection, and checks that every event reached every subscriber once, in order.
 *
 *   npm run bench                               # builds, then the whole comparison into docs/benchmarks.md (< 10 min)
 *   npm run bench:fanout                        # builds, then one quick run with the defaults below
 *   node bench/fanout/run.mjs --rates=25,50,100 --seconds=4 --subscribers=1000,2000 --idle=10000 --repeat=3
 *   node bench/fanout/run.mjs --servers=image-chat,raw --profile   # also CPU-profiles the image-chat server
 *   node bench/fanout/run.mjs --json=out.json --svg=chart.svg --docs=docs/benchmarks.md
 *   node bench/fanout/summarize.mjs run1.json run2.json run3.json  # the same tables over several runs' JSON
 *
 * Options: --servers (comma-separated: image-chat, raw, socket.io; --only=NAME for one), --rates (writes/s),
 * --seconds (of writing per rate), --subscribers (comma-separated counts: the rate sweep runs for each), --idle
 * (connections for the idle-memory measurement, one server at a time; 0: none), --idleRepeats (in how many of the
 * repeats to take it; 0: all), --repeat (sweeps, for medians),
 * --drain (s to wait at most for a phase's deliveries), --text (comment length), --settle (ms after the idle
 * connections connect before RSS is read; past 1000, a full GC first), --idleWatch (s: also read RSS after the
 * idle connections sat that long with no forced GC; V8's memory reducer runs within ~30 s), --profile, --json, --svg
 * (the chart), --docs (a markdown file whose generated section is replaced; see report.mjs).
 *
 * Structure: for each repeat, first the idle measurement (each server alone: connect, full GC, read memory,
 * disconnect), then for each subscriber count a session: every server gets its subscribers (all on a fresh
 * image) and a writer, and for each rate the servers take turns, the order rotating every rate. Every repeat
 * starts fresh server processes. Servers run pinned to core 0, the subscriber process to core 1 (`taskset`, when
 * there are two cores or more).
 *
 * Timestamps: the writer puts `performance.timeOrigin + performance.now()` (wall-clock based, sub-ms) into
 * each comment's text; the subscriber process takes the same expression when a frame arrives. Both run on
 * this machine, so they share the clock. The writer does not wait for acks (open loop): a slow server shows
 * up as growing latency and fewer deliveries per second, not as a lower send rate.
 *
 * Also measured: the subscriber process's CPU, and the "other load" on the machine (busy CPU from /proc/stat
 * minus the benchmark's own processes: on a shared machine, the noise), with the load average and the busiest
 * other processes printed before and after.
 *
 * Every phase stops by itself (a fixed number of writes, then at most --drain seconds of draining), the whole
 * run is capped by a watchdog, and every child process is killed on exit or failure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatSummary, summarizeProfile } from './profile-top.mjs';
import { renderChart } from './chart.mjs';
import { replaceGeneratedSection, report } from './report.mjs';
import { stopChild } from '../../test/helpers/child-exit.mjs';
import { openSocketIo } from '../lib/engine-io.mjs';
import { busiestOtherProcesses, describeCommit, describeMachine, loadAverage } from '../lib/machine.mjs';
import { parseOptions } from '../lib/options.mjs';
import { cleanUpOnExit, startSubscribers } from '../lib/processes.mjs';
import { canPin, cpuMs, machineBusyMs, memoryAfterGc, openInspector, pin, rssKiB, startImageChat, startRaw, startSocketIo } from './processes.mjs';
import { TENANT, URL_ID, hrtimeUs, imageChatWriter, now, openWriter, paced, rawWriter, socketIoWriter } from '../lib/writer.mjs';

const DRAIN_IDLE_MS = 2_000;
const SERVER_CORE = '0';
const SUBSCRIBER_CORE = '1';

/** How each server under test is started, subscribed to and written to. */
const SERVERS = {
  'image-chat': {
    start: (tempDir, profileDir) => startImageChat(tempDir, profileDir),
    writer: async (url, text, urlId) => { const socket = await openWriter(url); return { socket, ...imageChatWriter(socket, text, urlId) }; },
  },
  raw: {
    start: () => startRaw(),
    writer: async (url, text) => { const socket = await openWriter(url); return { socket, ...rawWriter(socket, text) }; },
  },
  'socket.io': {
    start: () => startSocketIo(),
    writer: async (url, text, urlId) => { const socket = await openSocketIo(url); return { socket, ...socketIoWriter(socket, text, urlId) }; },
  },
};

// ---------- options ----------

function parseArgs(argv) {
  const options = parseOptions(argv, {
    servers: 'image-chat,raw,socket.io', only: null, rates: [20, 100], seconds: 8, subscribers: [1000], idle: 0, idleRepeats: 0, repeat: 1,
    drain: 15, text: 100, settle: 1000, idleWatch: 0, profile: false, json: null, svg: null, docs: null,
  });
  options.servers = options.only ? [options.only] : options.servers.split(',');
  const unknown = options.servers.filter((name) => !Object.hasOwn(SERVERS, name));
  if (unknown.length) throw new Error(`unknown server ${unknown.join(', ')}: --servers takes ${Object.keys(SERVERS).join(', ')}`);
  const bad = options.rates.some((r) => !(r > 0)) || !(options.seconds > 0) || options.subscribers.some((n) => !(n > 0))
    || !(options.idle >= 0) || !(options.repeat >= 1) || !(options.drain > 0) || !(options.text >= 40);
  if (bad) throw new Error('rates, seconds, subscribers, repeat and drain must be positive, idle at least 0, --text at least 40');
  return options;
}

/** A cap on the whole run, from what it is asked to do: generous, it is there to stop a hung run. */
function watchdogMs(options) {
  const servers = options.servers.length;
  const phase = options.seconds + options.drain + 2;
  const idle = options.idle ? servers * (20 + options.idle / 200 + options.settle / 1000 + options.idleWatch) : 0;
  const sessions = options.subscribers.reduce((sum, n) => sum + servers * (5 + n / 200) + options.rates.length * servers * phase, 0);
  return (60 + Math.min(options.repeat, options.idleRepeats || Infinity) * idle + options.repeat * sessions) * 1000;
}

// ---------- connecting ----------

/**
 * Connects `count` subscribers of image `urlId` to one server as group `target.name`, reading the server's RSS
 * and JS heap after a full GC before and after: the memory the connections hold.
 */
async function connectGroup(target, subscribers, count, urlId, options) {
  const pid = target.server.child.pid;
  const inspector = await openInspector(target.server.inspector);
  await sleep(300);
  const rssBefore = rssKiB(pid);
  const before = await memoryAfterGc(inspector, pid);
  const connected = await subscribers.ask({ cmd: 'connect', group: target.name, url: target.server.url, count, mode: target.name, tenantId: TENANT, urlId });
  if (connected.open === 0) throw new Error(`${target.name}: no subscriber could connect`);
  // --settle above 1000: a full GC, then the rest of the wait, before RSS is read: what the connections hold once
  // the garbage of connecting them is gone (RSS read 1 s after connecting also counts that garbage).
  if (options.settle > 1000) {
    await sleep(options.settle - 1000);
    await memoryAfterGc(inspector, pid);
  }
  await sleep(1000);
  const rssAfter = rssKiB(pid);
  // --idleWatch: RSS once the server has sat idle that long with no forced GC (V8's own idle-time GC, the
  // memory reducer, runs within about 30 s): what an operator's idle node settles at by itself.
  let rssSettled;
  if (options.idleWatch > 0) {
    await sleep(options.idleWatch * 1000);
    rssSettled = rssKiB(pid);
  }
  const after = await memoryAfterGc(inspector, pid);
  // Closed now: a process exiting with a debugger attached waits for it to go.
  await inspector.close();
  const memory = {
    connections: connected.open, failed: connected.failed, connectMs: connected.ms,
    rssBeforeKiB: rssBefore, rssAfterKiB: rssAfter, perConnectionKiB: (rssAfter - rssBefore) / connected.open,
    ...(rssSettled === undefined ? {} : { idleWatchS: options.idleWatch, perConnectionSettledKiB: (rssSettled - rssBefore) / connected.open }),
    // RSS after a full GC, before and after: without the garbage of connecting them, which a GC's timing makes vary.
    perConnectionAfterGcKiB: (after.rssKiB - before.rssKiB) / connected.open,
    heapBeforeKiB: before.heapUsed / 1024, heapAfterKiB: after.heapUsed / 1024, heapPerConnectionKiB: (after.heapUsed - before.heapUsed) / 1024 / connected.open,
  };
  console.error(`${target.name}: ${connected.open}/${count} subscribers in ${connected.ms} ms, RSS ${(rssBefore / 1024).toFixed(1)} → ${(rssAfter / 1024).toFixed(1)} MiB, JS heap after GC ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB`);
  return memory;
}

/** Memory per idle connection: `count` subscribers to each server in turn, alone, then disconnected. */
async function measureIdle(targets, subscribers, count, repeat, options) {
  for (const target of targets) {
    const memory = await connectGroup(target, subscribers, count, `idle-${repeat}`, options);
    target.memory.push({ repeat, idle: true, ...memory });
    await subscribers.ask({ cmd: 'disconnect', group: target.name });
    await sleep(500);
  }
}

// ---------- one phase ----------

const percentile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

async function waitForDeliveries(subscribers, expected, writer, drainMs) {
  const deadline = Date.now() + drainMs;
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

/** One measured phase: `rate` writes/s for `options.seconds` to one server, then its deliveries drain. */
async function runPhase(target, session, rate, subscribers, options) {
  const { writer } = session;
  const pid = target.server.child.pid;
  const total = Math.round(rate * options.seconds);
  const expected = total * session.open;
  // Writes are numbered on across the phases of one server, so that a late event of an earlier phase is told apart.
  const first = target.nextWrite;
  target.nextWrite += total;
  await subscribers.ask({ cmd: 'start', group: target.name, first, writes: total });
  const cpuStart = cpuMs(pid);
  const subscriberCpuStart = cpuMs(subscribers.child.pid);
  const selfCpuStart = process.cpuUsage();
  const machineStart = machineBusyMs();
  const wallStart = performance.now();
  const firstSend = now();
  const windowStart = hrtimeUs();
  const pacing = await paced(rate, total, (n) => writer.send(first + n));
  await waitForDeliveries(subscribers, expected, writer, options.drain * 1000);
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
    repeat: session.repeat, subscribers: session.open, rate, writes: total, expected, deliveries: stats.deliveries,
    deliveriesPerSecond: stats.deliveries / spanS,
    framesPerSecond: stats.frames / spanS,
    bytesPerDelivery: stats.bytes / Math.max(1, stats.deliveries),
    p50: stats.p50, p90: stats.p90, p99: stats.p99, max: stats.max, mean: stats.mean,
    outOfOrder: stats.outOfOrder, skipped: stats.skipped, short: stats.short, missing: stats.missing, stale: stats.stale,
    closedDuring: stats.closedDuring,
    serverCpuPct: (100 * cpu) / wallMs, serverCpuUsPerDelivery: (1000 * cpu) / Math.max(1, stats.deliveries),
    subscriberCpuPct: (100 * subscriberCpu) / wallMs,
    /** CPU used on this machine by processes outside the benchmark during the phase, in cores. */
    otherLoadCores: Math.max(0, otherCpu / wallMs),
    wallMs,
    ackP50: percentile(acks, 0.5), ackP99: percentile(acks, 0.99), acks: acks.length, errors,
    hasAcks: target.name === 'image-chat',
    writerMaxLagMs: pacing.maxLagMs, sample: stats.sample,
  };
  target.phases.push(phase);
  const check = phase.outOfOrder || phase.skipped || phase.short ? `, CHECK FAILED: ${phase.outOfOrder} out of order, ${phase.skipped} gaps, ${phase.short} subscribers short by ${phase.missing}` : '';
  console.error(`${target.name} × ${session.open} @ ${rate}/s: ${phase.deliveries}/${expected} delivered, ${Math.round(phase.deliveriesPerSecond)}/s, p50 ${phase.p50.toFixed(2)} ms, p99 ${phase.p99.toFixed(2)} ms, server CPU ${phase.serverCpuPct.toFixed(0)}% (${phase.serverCpuUsPerDelivery.toFixed(1)} µs/delivery), subscriber process ${phase.subscriberCpuPct.toFixed(0)}%, other load ${phase.otherLoadCores.toFixed(2)} cores${check}`);
  await sleep(300);
}

/** One subscriber count: every server gets its subscribers on a fresh image, then the rates, servers taking turns. */
async function runSession(targets, subscribers, count, repeat, options, turn) {
  const urlId = `${URL_ID}-${repeat}-${count}`;
  const sessions = new Map();
  for (const target of targets) {
    const memory = await connectGroup(target, subscribers, count, urlId, { settle: 1000 });
    target.memory.push({ repeat, idle: false, ...memory });
    sessions.set(target, { repeat, open: memory.connections, writer: await SERVERS[target.name].writer(target.server.url, options.text, urlId) });
  }
  for (const rate of options.rates) {
    // The order rotates every rate (A B C, B C A, …): every server meets much the same background load.
    const k = turn.next++ % targets.length;
    for (const target of [...targets.slice(k), ...targets.slice(0, k)]) await runPhase(target, sessions.get(target), rate, subscribers, options);
  }
  for (const target of targets) {
    sessions.get(target).writer.socket.close();
    await subscribers.ask({ cmd: 'disconnect', group: target.name });
  }
}

// ---------- main ----------

/** The other load on the machine, printed and kept: on a shared machine it decides the latency figures. */
function otherLoad(label, ownPids) {
  const snapshot = { at: new Date().toISOString(), loadAverage: loadAverage(), busiest: busiestOtherProcesses(ownPids) };
  console.error(`${label}: load average ${snapshot.loadAverage}; busiest other processes: ${snapshot.busiest.join(', ') || 'none'}`);
  return snapshot;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const limitMs = watchdogMs(options);
  const watchdog = setTimeout(() => { console.error(`watchdog: run exceeded ${Math.round(limitMs / 1000)} s, stopping`); process.exit(1); }, limitMs);
  watchdog.unref();
  const started = new Date();
  const tempDir = mkdtempSync(join(tmpdir(), 'image-chat-fanout-'));
  cleanUpOnExit(tempDir);
  const profileDir = options.profile ? join(tempDir, 'profile') : null;
  const subscribers = startSubscribers();
  const targets = options.servers.map((name) => ({ name, server: null, phases: [], memory: [], windows: [], nextWrite: 0 }));
  const pinned = canPin();
  console.error(pinned ? `pinning: servers to core ${SERVER_CORE}, subscribers to core ${SUBSCRIBER_CORE}, writer unpinned` : 'not pinned (no taskset, or one core)');
  if (pinned) pin(subscribers.child.pid, SUBSCRIBER_CORE);
  const ownPids = () => [process.pid, subscribers.child.pid, ...targets.flatMap((t) => (t.server ? [t.server.child.pid] : []))];
  const loadBefore = otherLoad('before', ownPids());
  let loadAfter = null;

  const turn = { next: 0 };
  for (let repeat = 1; repeat <= options.repeat; repeat += 1) {
    // Fresh servers every repeat (and a fresh SQLite file): the repeats are independent, and the idle memory is
    // measured on processes that have not yet held other connections. Only the first repeat is CPU-profiled.
    const dir = join(tempDir, `repeat-${repeat}`);
    mkdirSync(dir);
    for (const target of targets) {
      target.server = await SERVERS[target.name].start(dir, repeat === 1 ? profileDir : null);
      if (pinned) pin(target.server.child.pid, SERVER_CORE);
    }
    try {
      if (options.idle && (!options.idleRepeats || repeat <= options.idleRepeats)) await measureIdle(targets, subscribers, options.idle, repeat, options);
      for (const count of options.subscribers) await runSession(targets, subscribers, count, repeat, options, turn);
    } catch (error) {
      if (existsSync(join(dir, 'image-chat.log'))) console.error(`image-chat server log:\n${readFileSync(join(dir, 'image-chat.log'), 'utf8').slice(-2000)}`);
      throw error;
    }
    if (repeat === options.repeat) loadAfter = otherLoad('after', ownPids());
    await subscribers.ask({ cmd: 'disconnect' });
    for (const target of targets) await stopChild(target.server.child);
  }
  await stopChild(subscribers.child);

  const run = {
    date: started.toISOString(), finished: new Date().toISOString(), durationS: Math.round((Date.now() - started.getTime()) / 1000),
    command: `node bench/fanout/run.mjs ${process.argv.slice(2).join(' ')}`.trim(), commit: describeCommit(), machine: describeMachine(),
    pinned: pinned ? { servers: SERVER_CORE, subscribers: SUBSCRIBER_CORE } : null, load: { before: loadBefore, after: loadAfter },
    options, results: targets.map(({ name, memory, phases }) => ({ name, memory, phases })),
  };
  const chart = renderChart([run]);
  const chartLink = options.svg && options.docs ? relative(dirname(options.docs), options.svg) : options.svg;
  const text = report([run], { chart: chartLink });
  console.log(`\n${text}\n`);
  const profile = profileText(targets.find((t) => t.name === 'image-chat'), profileDir);
  if (profile) console.log(profile);
  if (options.json) writeFileSync(options.json, JSON.stringify(run, null, 2));
  if (options.svg) writeFileSync(options.svg, chart);
  if (options.docs) replaceGeneratedSection(options.docs, text);
  clearTimeout(watchdog);
}

/**
 * The image-chat server's CPU profiles, one per thread (the main thread's, then its store worker's: Node names
 * each `CPU.<date>.<pid>.<thread id>.<n>.cpuprofile`), one table per phase: where its time goes changes with the load.
 */
function profileText(imageChat, profileDir) {
  if (!profileDir || !imageChat) return null;
  const threadOf = (file) => Number(file.split('.').at(-3));
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => threadOf(a) - threadOf(b));
  const sections = files.map((file) => {
    const thread = threadOf(file) === 0 ? 'main thread' : `worker thread ${threadOf(file)}`;
    const kept = join(tmpdir(), `image-chat-fanout-${Date.now()}-${threadOf(file)}.cpuprofile`);
    writeFileSync(kept, readFileSync(join(profileDir, file)));
    const tables = imageChat.phases.filter((phase) => phase.repeat === 1).map((phase, i) => `#### ${thread}: ${phase.subscribers} subscribers, ${phase.rate} writes/s\n\n${formatSummary(summarizeProfile(kept, { windows: [imageChat.windows[i]], top: 15 }))}`);
    return `### image-chat server CPU profile, ${thread} (${kept})\n\n${tables.join('\n\n')}\n`;
  });
  return sections.length > 0 ? sections.join('\n') : null;
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
