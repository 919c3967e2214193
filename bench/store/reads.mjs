#!/usr/bin/env node
/**
 * Should reads share the SQLite store's worker with the writes, or have a connection (and thread) of their own?
 * Measures how long a subscriber's read (`store.read`: a snapshot of an image with --chats markers) takes while
 * writes commit at --rate per second to another image (each group commit one fsync, synchronous=FULL, on disk
 * under the temp folder), two ways, taking turns: reads sent to the writes' own worker, and reads sent to a
 * second store worker on the same file (what a read-only connection in its own thread would give). Built
 * server (dist/) only.
 *
 *   npm run build && node bench/store/reads.mjs --rate=100 --seconds=5 --repeat=3
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteWorkerStore } from '../../dist/server/store/sqlite-worker-store.js';
import { writeTarget } from '../../dist/server/core/plan.js';
import { plannerFor } from '../../dist/server/core/plan-recipe.js';
import { LIMITS } from '../../dist/shared/index.js';
import { parseOptions } from '../lib/options.mjs';

const options = parseOptions(process.argv.slice(2), { rate: 100, seconds: 5, repeat: 3, chats: 100, readEveryMs: 5 });
const actor = { id: 'bench', name: 'Bench', moderator: false, mayResolveOthers: true };
const limits = { ...LIMITS, MAX_CHATS_PER_PERSON_PER_IMAGE: 1e9, MAX_CHATS_PER_IMAGE: 1e9, MAX_IMAGE_BYTES: 1e12 };

function write(store, urlId, text) {
  const message = { type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId, x: 0.5, y: 0.5, text };
  return store.write({ tenantId: 'demo', urlId }, writeTarget(message, actor), plannerFor({ kind: 'write', message, actor, limits }));
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

/** Writes at `rate` to one image while `reader` reads the seeded image every readEveryMs; answers the read times. */
async function phase(writer, reader) {
  const reads = [];
  const writes = [];
  const until = performance.now() + options.seconds * 1000;
  const writing = (async () => {
    const start = performance.now();
    for (let n = 0; performance.now() < until; n += 1) {
      const wait = start + (n * 1000) / options.rate - performance.now();
      if (wait > 0) await sleep(wait);
      writes.push(write(writer, 'written', `w${n}`));
    }
  })();
  while (performance.now() < until) {
    const started = performance.now();
    await reader.read({ tenantId: 'demo', urlId: 'read' });
    reads.push(performance.now() - started);
    await sleep(options.readEveryMs);
  }
  await writing;
  await Promise.all(writes);
  return reads.sort((a, b) => a - b);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'image-chat-reads-'));
  const path = join(dir, 'reads.db');
  const writer = new SqliteWorkerStore({ path, eventLogKeep: 1000 });
  await writer.init();
  await writer.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
  await Promise.all(Array.from({ length: options.chats }, (_, i) => write(writer, 'read', `seeded ${i} `.padEnd(200, 'x'))));
  const second = new SqliteWorkerStore({ path, eventLogKeep: 1000 });
  await second.init();
  const results = { 'same worker': [], 'second worker': [] };
  try {
    for (let repeat = 0; repeat < options.repeat; repeat += 1) {
      const order = repeat % 2 ? ['second worker', 'same worker'] : ['same worker', 'second worker'];
      for (const name of order) {
        const reads = await phase(writer, name === 'same worker' ? writer : second);
        results[name].push({ p50: percentile(reads, 0.5), p99: percentile(reads, 0.99), reads: reads.length });
        console.error(`${name}: ${reads.length} reads, p50 ${percentile(reads, 0.5).toFixed(2)} ms, p99 ${percentile(reads, 0.99).toFixed(2)} ms`);
      }
    }
  } finally {
    await second.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`reads of a ${options.chats}-marker image while ${options.rate} writes/s commit, ${options.repeat} runs each; ms, median [min–max]:`);
  for (const [name, runs] of Object.entries(results)) {
    const cell = (key) => `${median(runs.map((r) => r[key])).toFixed(2)} [${Math.min(...runs.map((r) => r[key])).toFixed(2)}–${Math.max(...runs.map((r) => r[key])).toFixed(2)}]`;
    console.log(`${name}: p50 ${cell('p50')}, p99 ${cell('p99')}`);
  }
}

// No process.exit on success: it could cut off the table still being written to a pipe. The stores are closed, so the process ends.
main().catch((error) => { console.error(error); process.exitCode = 1; });
