#!/usr/bin/env node
/**
 * What an RSS read 1 s after a crowd connects is made of (issue 14: RSS per idle connection): V8's heap spaces at
 * that moment and after a full GC, run after run, for image-chat and raw `ws` taking turns on fresh processes.
 * Old space "used" at 1 s above what a full GC leaves live is promoted garbage no major GC has collected yet;
 * whether one ran before the read is what moves that reading from run to run. Also: how long the crowd took to
 * connect, the server's CPU time meanwhile, and the minor and major GCs from the burst to the read (with the
 * time of the last major one, from the burst's start).
 *
 *   npm run build && node bench/memory/burst-heap.mjs [--count=10000] [--runs=5] [--servers=image-chat,raw]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, openInspector, rssKiB, startImageChat, startRaw } from '../fanout/processes.mjs';
import { startSubscribers } from '../lib/processes.mjs';
import { parseOptions } from '../lib/options.mjs';

const options = parseOptions(process.argv.slice(2), { count: 10_000, runs: 5, servers: null });
const servers = (options.servers ?? 'image-chat,raw').split(',');
const MIB = 1024 * 1024;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const HEAP_SPACES = `JSON.stringify(process.getBuiltinModule('v8').getHeapSpaceStatistics()
  .map((space) => [space.space_name, space.space_size, space.space_used_size]))`;

/** Records the server's GCs from now on (kind and start in ms from now), for the columns on GCs during the burst. */
const GC_WATCH = `{
  const { PerformanceObserver, constants } = process.getBuiltinModule('perf_hooks');
  const start = performance.now();
  globalThis.__burstGcs = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const major = entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
      const minor = entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR;
      if (major || minor) globalThis.__burstGcs.push([major ? 'major' : 'minor', Math.round(entry.startTime - start)]);
    }
  }).observe({ entryTypes: ['gc'] });
}`;


/** One run on a fresh server: RSS and heap spaces before, 1 s after `count` subscribers connected, and after a full GC. */
async function oneRun(name) {
  const dir = mkdtempSync(join(tmpdir(), 'burst-heap-'));
  const server = name === 'raw' ? await startRaw() : await startImageChat(dir);
  const subscribers = startSubscribers();
  try {
    const inspector = await openInspector(server.inspector);
    const spaces = async () => {
      const { result } = await inspector.call('Runtime.evaluate', { expression: HEAP_SPACES });
      return Object.fromEntries(JSON.parse(result.value).map(([space, size, used]) => [space, { size, used }]));
    };
    await inspector.call('HeapProfiler.collectGarbage');
    await pause(1000);
    await inspector.call('Runtime.evaluate', { expression: GC_WATCH });
    const before = rssKiB(server.child.pid) * 1024;
    const cpuBefore = cpuMs(server.child.pid);
    const started = Date.now();
    const answer = await subscribers.ask({ cmd: 'connect', group: 'crowd', url: server.url, count: options.count, mode: name === 'raw' ? 'raw' : 'image-chat', tenantId: 'demo', urlId: 'burst-heap.png' });
    if (answer.open !== options.count) throw new Error(`only ${answer.open} of ${options.count} connected`);
    const burst = { connectMs: Date.now() - started, cpuMs: cpuMs(server.child.pid) - cpuBefore };
    await pause(1000);
    const atOneSecond = { rss: rssKiB(server.child.pid) * 1024, spaces: await spaces() };
    const { result } = await inspector.call('Runtime.evaluate', { expression: 'JSON.stringify(globalThis.__burstGcs)' });
    burst.gcs = JSON.parse(result.value);
    await inspector.call('HeapProfiler.collectGarbage');
    await pause(500);
    const afterGc = { rss: rssKiB(server.child.pid) * 1024, spaces: await spaces() };
    await inspector.close();
    return { before, atOneSecond, afterGc, burst };
  } finally {
    subscribers.child.kill();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const perConnection = (bytes) => (bytes / options.count / 1024).toFixed(2);
const mib = (bytes) => (bytes / MIB).toFixed(1);
console.log(`${options.count} subscribers of one image; RSS per connection in KiB, heap spaces in MiB`);
console.log('server     run  RSS/conn 1 s  after GC  new space 1 s  old used 1 s  old live (after GC)  garbage in old at 1 s  connect ms  server CPU ms  minor GCs  major GCs at ms');
for (let run = 1; run <= options.runs; run += 1) {
  for (const name of servers) {
    const { before, atOneSecond, afterGc, burst } = await oneRun(name);
    const majors = burst.gcs.filter(([kind]) => kind === 'major').map(([, at]) => at);
    const oldAt = atOneSecond.spaces.old_space.used;
    const oldLive = afterGc.spaces.old_space.used;
    console.log([
      name.padEnd(10), String(run).padStart(3), perConnection(atOneSecond.rss - before).padStart(13),
      perConnection(afterGc.rss - before).padStart(9), mib(atOneSecond.spaces.new_space.size).padStart(14),
      mib(oldAt).padStart(13), mib(oldLive).padStart(20), mib(oldAt - oldLive).padStart(22),
      String(burst.connectMs).padStart(11), String(Math.round(burst.cpuMs)).padStart(14),
      String(burst.gcs.length - majors.length).padStart(10), `  ${majors.join(', ') || '-'}`,
    ].join(' '));
  }
}
