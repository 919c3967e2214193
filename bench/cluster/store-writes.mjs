#!/usr/bin/env node
/**
 * How many writes per second one node stores on PostgreSQL (fsync on, as shipped) when the writes are spread over
 * many images: the store's group commit batches each image's queued writes into one transaction, and writes to
 * different images commit side by side on the node's pool.
 *
 *   npm run build && node bench/cluster/store-writes.mjs                       # 64 writers on 64 images, 6 s
 *   node bench/cluster/store-writes.mjs --writers=64 --images=8 --seconds=6
 *
 * `writers` WebSocket connections each keep one `create-chat` in flight (closed loop: the next is sent when the
 * ack arrives) on image `writer % images`. Reported: acks/s over the middle of the run and ack latency.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild } from '../../test/helpers/child-exit.mjs';
import { freePort } from '../../test/helpers/free-port.mjs';
import { startPostgres } from '../../test/helpers/postgres.mjs';
import { waitForHttp } from '../../test/helpers/server-process.mjs';
import { parseOptions } from '../lib/options.mjs';
import { cleanUpOnExit, spawnBenchServer } from '../lib/processes.mjs';
import { TENANT, openWriter } from '../lib/writer.mjs';
import { describeCommit, describeMachine, loadAverage } from '../lib/machine.mjs';

const options = parseOptions(process.argv.slice(2), { writers: 64, images: 64, seconds: 6, text: 100 });
const dir = mkdtempSync(join(tmpdir(), 'image-chat-store-writes-'));
cleanUpOnExit(dir);
console.log(`machine: ${describeMachine()}; commit ${describeCommit()}; load before: ${loadAverage()}`);
const postgres = await startPostgres({ fsync: true });
const databaseUrl = await postgres.createDatabase(`writes_${randomUUID().replace(/-/g, '')}`);
const port = await freePort();
const node = spawnBenchServer(port, { logFile: join(dir, 'node.log'), env: { DATABASE_URL: databaseUrl } });
try {
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, node);
  const sockets = await Promise.all(Array.from({ length: options.writers }, () => openWriter(`ws://127.0.0.1:${port}/ws`)));
  let acked = 0;
  let refused = 0;
  const latencies = [];
  let measuring = false;
  let running = true;
  const loops = sockets.map(async (socket, index) => {
    const urlId = `writes-${index % options.images}`;
    const pending = new Map();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      const sentAt = pending.get(message.broadcastId);
      if (sentAt === undefined) return;
      pending.delete(message.broadcastId);
      if (message.type === 'ack') {
        if (measuring) { acked += 1; latencies.push(performance.now() - sentAt); }
      } else refused += 1;
      pending.resolve?.();
    });
    while (running) {
      const broadcastId = randomUUID();
      const answered = new Promise((resolve) => { pending.resolve = resolve; });
      pending.set(broadcastId, performance.now());
      socket.send(JSON.stringify({ type: 'create-chat', broadcastId, tenantId: TENANT, urlId, x: 0.5, y: 0.5, text: 'w'.repeat(options.text) }));
      await Promise.race([answered, sleep(10_000)]);
    }
  });
  await sleep(1000);
  measuring = true;
  const started = performance.now();
  await sleep(options.seconds * 1000);
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(loops);
  sockets.forEach((socket) => socket.close());
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);
  console.log(JSON.stringify({ writers: options.writers, images: options.images, writesPerSecond: Math.round(acked / seconds), ackP50Ms: at(0.5), ackP99Ms: at(0.99), refused }));
} finally {
  await stopChild(node);
  await postgres.stop();
}
console.log(`load after: ${loadAverage()}`);
