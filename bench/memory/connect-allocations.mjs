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
import { parseOptions } from '../lib/options.mjs';
import { sampleCrowdArrival } from './crowd-allocation-sites.mjs';

const options = parseOptions(process.argv.slice(2), { count: 10_000, server: null, top: 30 });
options.server ??= 'image-chat';
const SAMPLING_BYTES = 256;

const bySite = await sampleCrowdArrival({
  server: options.server, count: options.count, urlId: 'connect-allocations.png',
  sampling: { samplingInterval: SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true },
});
const perConnection = (bytes) => (bytes / options.count).toFixed(0).padStart(8);
const total = [...bySite.values()].reduce((sum, bytes) => sum + bytes, 0);
console.log(`${options.server}: ${options.count} subscribers connected; allocated ~${perConnection(total).trim()} B per connection, garbage included`);
console.log('allocated  allocation site (bytes per connection)');
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, options.top)) console.log(`${perConnection(bytes)}   ${site}`);
