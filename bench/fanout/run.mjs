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
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatSummary, summarizeProfile } from './profile-top.mjs';
import { stopChild } from '../../test/helpers/child-exit.mjs';
import { parseOptions } from '../lib/options.mjs';
import { cleanUpOnExit, startSubscribers } from '../lib/processes.mjs';
import { cpuMs, machineBusyMs, memoryAfterGc, openInspector, rssKiB, startImageChat, startRaw } from './processes.mjs';
import { TENANT, URL_ID, hrtimeUs, imageChatWriter, now, openWriter, paced, rawWriter } from '../lib/writer.mjs';

const WATCHDOG_MS = 170_000;
const DRAIN_IDLE_MS = 2_000;
const DRAIN_MAX_MS = 15_000;

// ---------- options ----------

function parseArgs(argv) {
  const options = parseOptions(argv, { rates: [20, 100], seconds: 8, subscribers: 1000, text: 100, only: null, profile: false, json: null });
  const bad = options.rates.some((r) => !(r > 0)) || !(options.seconds > 0) || !(options.subscribers > 0) || !(options.text >= 40);
  if (bad) throw new Error('rates, seconds and subscribers must be positive; --text at least 40');
  if (options.only && !['image-chat', 'raw'].includes(options.only)) throw new Error('--only is image-chat or raw');
  return options;
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
  const tempDir = mkdtempSync(join(tmpdir(), 'image-chat-fanout-'));
  cleanUpOnExit(tempDir);
  const profileDir = options.profile ? join(tempDir, 'profile') : null;
  const subscribers = startSubscribers();
  const targets = [];
  if (options.only !== 'raw') targets.push({ name: 'image-chat', server: await startImageChat(tempDir, profileDir), phases: [], windows: [] });
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
