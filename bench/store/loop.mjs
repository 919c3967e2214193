#!/usr/bin/env node
/**
 * What the SQLite store costs the main thread, in one process without sockets (so little else on a shared
 * machine gets in the way): writes at --rates per second, open loop, to a store on disk under the temp folder,
 * with the store on the event loop (`SqliteStore`, as before) and in its worker thread (`SqliteWorkerStore`),
 * taking turns. Reports per rate the write latency (call to durable answer: what the ack waits for), the main
 * thread's event-loop utilization and its event-loop delay (how late a timer fires: how long a frame would wait).
 * Built server (dist/) only.
 *
 *   npm run build && node bench/store/loop.mjs --rates=25,50,100,400 --seconds=5 --repeat=3
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore } from '../../dist/server/store/sqlite.js';
import { SqliteWorkerStore } from '../../dist/server/store/sqlite-worker-store.js';
import { writeTarget } from '../../dist/server/core/plan.js';
import { plannerFor } from '../../dist/server/core/plan-recipe.js';
import { LIMITS } from '../../dist/shared/index.js';
import { parseOptions } from '../lib/options.mjs';

const options = parseOptions(process.argv.slice(2), { rates: [25, 50, 100, 400], seconds: 5, repeat: 3, text: 100 });
const actor = { id: 'bench', name: 'Bench', moderator: false, mayResolveOthers: true };
const limits = { ...LIMITS, MAX_CHATS_PER_PERSON_PER_IMAGE: 1e9, MAX_CHATS_PER_IMAGE: 1e9, MAX_IMAGE_BYTES: 1e12 };
const STORES = {
  'event loop': (path) => new SqliteStore({ path, eventLogKeep: 1000 }),
  worker: (path) => new SqliteWorkerStore({ path, eventLogKeep: 1000 }),
};

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function phase(store, rate) {
  const latencies = [];
  const writes = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const total = Math.round(rate * options.seconds);
  const elu = performance.eventLoopUtilization();
  delay.enable();
  const start = performance.now();
  for (let n = 0; n < total; n += 1) {
    const wait = start + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const message = { type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId: 'loop', x: 0.5, y: 0.5, text: 'x'.repeat(options.text) };
    const sent = performance.now();
    writes.push(store.write({ tenantId: 'demo', urlId: 'loop' }, writeTarget(message, actor), plannerFor({ kind: 'write', message, actor, limits }))
      .then(() => latencies.push(performance.now() - sent)));
  }
  await Promise.all(writes);
  delay.disable();
  const used = performance.eventLoopUtilization(elu);
  latencies.sort((a, b) => a - b);
  return {
    writeP50: percentile(latencies, 0.5), writeP99: percentile(latencies, 0.99),
    loopDelayP99: delay.percentile(99) / 1e6, loopDelayMax: delay.max / 1e6, utilization: used.utilization * 100,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'image-chat-loop-'));
  const results = [];
  try {
    for (let repeat = 0; repeat < options.repeat; repeat += 1) {
      const order = repeat % 2 ? ['worker', 'event loop'] : ['event loop', 'worker'];
      for (const name of order) {
        const store = STORES[name](join(dir, `${name.replace(' ', '-')}-${repeat}.db`));
        await store.init();
        await store.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
        for (const rate of options.rates) {
          const result = { name, rate, ...(await phase(store, rate)) };
          results.push(result);
          console.error(`${name} @ ${rate}/s: write p50 ${result.writeP50.toFixed(2)} ms, p99 ${result.writeP99.toFixed(2)} ms; loop delay p99 ${result.loopDelayP99.toFixed(2)} ms, max ${result.loopDelayMax.toFixed(2)} ms; main thread busy ${result.utilization.toFixed(1)}%`);
        }
        await store.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const cell = (rows, key) => `${median(rows.map((r) => r[key])).toFixed(2)} [${Math.min(...rows.map((r) => r[key])).toFixed(2)}–${Math.max(...rows.map((r) => r[key])).toFixed(2)}]`;
  console.log(`${options.seconds} s per rate, ${options.repeat} runs each; median [min–max]`, '\n');
  console.log('| writes/s | store on | write p50 (ms) | write p99 (ms) | event-loop delay p99 (ms) | event-loop delay max (ms) | main thread busy (%) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const rate of options.rates) {
    for (const name of Object.keys(STORES)) {
      const rows = results.filter((r) => r.rate === rate && r.name === name);
      console.log(`| ${rate} | ${name} | ${cell(rows, 'writeP50')} | ${cell(rows, 'writeP99')} | ${cell(rows, 'loopDelayP99')} | ${cell(rows, 'loopDelayMax')} | ${cell(rows, 'utilization')} |`);
    }
  }
}

// No process.exit on success: it could cut off the table still being written to a pipe. The stores are closed, so the process ends.
main().catch((error) => { console.error(error); process.exitCode = 1; });
