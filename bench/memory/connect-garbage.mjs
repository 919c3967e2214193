#!/usr/bin/env node
/**
 * What connecting a crowd leaves in the old generation: garbage that lived long enough to be promoted out of the
 * young generation before it died, which no minor GC collects and which an RSS read 1 s after connecting still
 * counts (issue 14: RSS per connection). Where it was allocated, per connection.
 *
 * Two runs on fresh servers, the same `--count` subscribers each, with V8's sampling heap profiler: one that keeps
 * the samples of objects a major GC collected (`includeObjectsCollectedByMajorGC`) and one that does not;
 * scavenges and then a full GC end each. Their difference per allocation site is what was promoted and then died
 * (over the whole burst: what a major GC during it collected counts too). The scavenges first, so that what is
 * still young and dead is not counted: only `(anonymous) :0`, the short-lived arrays that force them, is left of
 * it. Sampled, and two runs rather than one: read it as an estimate (about ±100 bytes per site between runs).
 *
 *   npm run build && node bench/memory/connect-garbage.mjs [--count=10000] [--server=image-chat|raw] [--top=30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInspector, startImageChat, startRaw } from '../fanout/processes.mjs';
import { startSubscribers } from '../lib/processes.mjs';
import { parseOptions } from '../lib/options.mjs';

const options = parseOptions(process.argv.slice(2), { count: 10_000, server: null, top: 30 });
options.server ??= 'image-chat';
const SAMPLING_BYTES = 512;

/** A function's name and place, or, for a native one (no script), the JS function that called it. */
function siteOf(node, caller) {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url && caller) return `${functionName || '(native)'} < ${caller}`;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
}

/** Bytes sampled per allocation site while `count` subscribers connect, and for 1 s after. */
async function sampledAllocations(withCollected) {
  const dir = mkdtempSync(join(tmpdir(), 'connect-garbage-'));
  const server = options.server === 'raw' ? await startRaw() : await startImageChat(dir);
  const subscribers = startSubscribers();
  try {
    const inspector = await openInspector(server.inspector);
    await inspector.call('HeapProfiler.enable');
    await inspector.call('HeapProfiler.collectGarbage');
    await inspector.call('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_BYTES, includeObjectsCollectedByMajorGC: withCollected, includeObjectsCollectedByMinorGC: false,
    });
    const mode = options.server === 'raw' ? 'raw' : 'image-chat';
    const answer = await subscribers.ask({ cmd: 'connect', group: 'crowd', url: server.url, count: options.count, mode, tenantId: 'demo', urlId: 'connect-garbage.png' });
    if (answer.open !== options.count) throw new Error(`only ${answer.open} of ${options.count} connected`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Scavenges first, so that what is still young and dead is collected by one (not sampled), not by the full
    // GC below: short-lived garbage of several times the young generation's size, made in the server.
    await inspector.call('Runtime.evaluate', { expression: '{ let last; for (let i = 0; i < 3e6; i += 1) last = [i, i]; 0 }' });
    await inspector.call('HeapProfiler.collectGarbage');
    const { profile } = await inspector.call('HeapProfiler.stopSampling');
    await inspector.close();
    const bySite = new Map();
    const walk = (node, caller) => {
      const site = siteOf(node, caller);
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      const next = node.callFrame.url ? `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}` : caller;
      for (const child of node.children) walk(child, next);
    };
    walk(profile.head, null);
    return bySite;
  } finally {
    subscribers.child.kill();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const withCollected = await sampledAllocations(true);
const live = await sampledAllocations(false);
const sum = (map) => [...map.values()].reduce((total, bytes) => total + bytes, 0);
const perConnection = (bytes) => (bytes / options.count).toFixed(0).padStart(8);
console.log(`${options.server}: ${options.count} subscribers connected; live after a full GC ~${perConnection(sum(live)).trim()} B per connection, promoted and then dead ~${perConnection(sum(withCollected) - sum(live)).trim()} B`);
console.log('promoted-dead    live  allocation site (bytes per connection)');
const rows = [...withCollected].map(([site, bytes]) => ({ site, dead: bytes - (live.get(site) ?? 0), live: live.get(site) ?? 0 }));
for (const row of rows.sort((a, b) => b.dead - a.dead).slice(0, options.top)) console.log(`${perConnection(row.dead)}  ${perConnection(row.live)}  ${row.site}`);
