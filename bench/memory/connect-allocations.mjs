#!/usr/bin/env node
/**
 * Everything the server allocates while a crowd connects, per connection and by allocation site, garbage
 * included (issue 14: RSS per connection). Each young generation filled is a scavenge, and each scavenge
 * promotes what the connections being set up still hold: the more a connection's arrival allocates, the more
 * garbage reaches the old generation, which an RSS read 1 s later still counts (burst-heap.mjs).
 *
 * One run on a fresh server with V8's sampling heap profiler keeping the samples of collected objects, from
 * before the crowd connects to 1 s after. Sampled (every 256 bytes on average): read it as an estimate.
 *
 *   npm run build && node bench/memory/connect-allocations.mjs [--count=10000] [--server=image-chat|raw] [--top=30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInspector, startImageChat, startRaw } from '../fanout/processes.mjs';
import { startSubscribers } from '../lib/processes.mjs';
import { parseOptions } from '../lib/options.mjs';

const options = parseOptions(process.argv.slice(2), { count: 10_000, server: null, top: 30 });
options.server ??= 'image-chat';
const SAMPLING_BYTES = 256;

/** A function's name and place, or, for a native one (no script), the JS function that called it. */
function siteOf(node, caller) {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url && caller) return `${functionName || '(native)'} < ${caller}`;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
}

/** Bytes sampled per allocation site. */
function bytesBySite(profile) {
  const bySite = new Map();
  const walk = (node, caller) => {
    const site = siteOf(node, caller);
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    const next = node.callFrame.url ? `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}` : caller;
    for (const child of node.children) walk(child, next);
  };
  walk(profile.head, null);
  return bySite;
}

const dir = mkdtempSync(join(tmpdir(), 'connect-allocations-'));
const server = options.server === 'raw' ? await startRaw() : await startImageChat(dir);
const subscribers = startSubscribers();
try {
  const inspector = await openInspector(server.inspector);
  await inspector.call('HeapProfiler.enable');
  await inspector.call('HeapProfiler.collectGarbage');
  await inspector.call('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  const mode = options.server === 'raw' ? 'raw' : 'image-chat';
  const answer = await subscribers.ask({ cmd: 'connect', group: 'crowd', url: server.url, count: options.count, mode, tenantId: 'demo', urlId: 'connect-allocations.png' });
  if (answer.open !== options.count) throw new Error(`only ${answer.open} of ${options.count} connected`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const { profile } = await inspector.call('HeapProfiler.stopSampling');
  await inspector.close();
  const bySite = bytesBySite(profile);
  const perConnection = (bytes) => (bytes / options.count).toFixed(0).padStart(8);
  const total = [...bySite.values()].reduce((sum, bytes) => sum + bytes, 0);
  console.log(`${options.server}: ${options.count} subscribers connected; allocated ~${perConnection(total).trim()} B per connection, garbage included`);
  console.log('allocated  allocation site (bytes per connection)');
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, options.top)) console.log(`${perConnection(bytes)}   ${site}`);
} finally {
  subscribers.child.kill();
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
