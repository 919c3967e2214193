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
import { parseOptions } from '../lib/options.mjs';
import { sampleCrowdArrival } from './crowd-allocation-sites.mjs';

const options = parseOptions(process.argv.slice(2), { count: 10_000, server: null, top: 30 });
options.server ??= 'image-chat';
const SAMPLING_BYTES = 512;

/** Bytes sampled per allocation site while `count` subscribers connect, and for 1 s after, ended by a full GC. */
function sampledAllocations(withCollected) {
  return sampleCrowdArrival({
    server: options.server, count: options.count, urlId: 'connect-garbage.png',
    sampling: { samplingInterval: SAMPLING_BYTES, includeObjectsCollectedByMajorGC: withCollected, includeObjectsCollectedByMinorGC: false },
    beforeStop: async (inspector) => {
      // Scavenges first, so that what is still young and dead is collected by one (not sampled), not by the full
      // GC below: short-lived garbage of several times the young generation's size, made in the server.
      await inspector.call('Runtime.evaluate', { expression: '{ let last; for (let i = 0; i < 3e6; i += 1) last = [i, i]; 0 }' });
      await inspector.call('HeapProfiler.collectGarbage');
    },
  });
}

const withCollected = await sampledAllocations(true);
const live = await sampledAllocations(false);
const sum = (map) => [...map.values()].reduce((total, bytes) => total + bytes, 0);
const perConnection = (bytes) => (bytes / options.count).toFixed(0).padStart(8);
console.log(`${options.server}: ${options.count} subscribers connected; live after a full GC ~${perConnection(sum(live)).trim()} B per connection, promoted and then dead ~${perConnection(sum(withCollected) - sum(live)).trim()} B`);
console.log('promoted-dead    live  allocation site (bytes per connection)');
const rows = [...withCollected].map(([site, bytes]) => ({ site, dead: bytes - (live.get(site) ?? 0), live: live.get(site) ?? 0 }));
for (const row of rows.sort((a, b) => b.dead - a.dead).slice(0, options.top)) console.log(`${perConnection(row.dead)}  ${perConnection(row.live)}  ${row.site}`);
