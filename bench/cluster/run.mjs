#!/usr/bin/env node
/**
 * Three-node benchmark over Redis and PostgreSQL, beside single-node figures in the same run.
 *
 *   npm run bench:cluster                                   # builds, then runs with the defaults below
 *   node bench/cluster/run.mjs --rates=20,100 --seconds=6 --subscribers=600 --text=100 --json=out.json
 *
 * Targets, one after another (only one target's processes run at a time):
 * - `1 node, SQLite`: the embedded default (in-process bus), all subscribers on it;
 * - `1 node, PostgreSQL`: the same with the PostgreSQL store, to separate the store's cost from the bus's;
 * - `3 nodes, PostgreSQL + Redis`: subscribers split evenly over the three nodes, the writer on node 1. Node 1's
 *   subscribers get events locally; nodes 2 and 3 get them over Redis (cross-node).
 *
 * One image, one writer at a fixed rate (open loop, `create-chat` per write), subscribers in separate processes
 * (bench/fanout/subscribers.mjs, one process per node). Latency is write-sent to event-received on the same
 * machine's clock; deliveries/s counts events received by all subscribers over the phase.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild } from '../../test/helpers/child-exit.mjs';
import { freePort } from '../../test/helpers/free-port.mjs';
import { startPostgres } from '../../test/helpers/postgres.mjs';
import { startRedis } from '../../test/helpers/redis.mjs';
import { waitForHttp } from '../../test/helpers/server-process.mjs';
import { parseOptions } from '../lib/options.mjs';
import { cleanUpOnExit, spawnBenchServer, startSubscribers } from '../lib/processes.mjs';
import { TENANT, imageChatWriter, now, openWriter, paced } from '../lib/writer.mjs';

const WATCHDOG_MS = 240_000;
const DRAIN_IDLE_MS = 2000;
const DRAIN_MAX_MS = 15_000;

function parseArgs(argv) {
  const options = parseOptions(argv, { rates: [20, 100], seconds: 6, subscribers: 600, text: 100, json: null });
  if (options.rates.some((r) => !(r > 0)) || !(options.seconds > 0) || !(options.subscribers >= 3)) throw new Error('rates, seconds and subscribers (≥ 3) must be positive');
  return options;
}

// ---------- processes ----------

let tempDir = null;

async function startNode(name, env) {
  const port = await freePort();
  const child = spawnBenchServer(port, { logFile: join(tempDir, `${name}.log`), env });
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, child, 20_000);
  return { child, url: `ws://127.0.0.1:${port}/ws` };
}

const stopNode = (node) => stopChild(node.child, 5000);

const percentile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

// ---------- one target ----------

/**
 * @param groups one entry per node: its URL and how many subscribers connect to it
 * @param writerUrl the node the writer talks to
 */
async function measure(name, groups, writerUrl, options) {
  const urlId = `bench-${randomUUID()}`;
  const processes = groups.map(() => startSubscribers());
  for (const [index, group] of groups.entries()) {
    const connected = await processes[index].ask({ cmd: 'connect', group: `g${index}`, url: group.url, count: group.count, mode: 'image-chat', tenantId: TENANT, urlId });
    if (connected.failed > 0) throw new Error(`${name}: ${connected.failed} subscribers could not connect to ${group.label}`);
    group.open = connected.open;
  }
  const socket = await openWriter(writerUrl);
  const writer = imageChatWriter(socket, options.text, urlId);
  await sleep(500);
  const phases = [];
  for (const rate of options.rates) {
    const total = Math.round(rate * options.seconds);
    const expected = total * groups.reduce((sum, g) => sum + g.open, 0);
    await Promise.all(processes.map((p, index) => p.ask({ cmd: 'start', group: `g${index}` })));
    const firstSend = now();
    await paced(rate, total, (n) => writer.send(n));
    const deadline = Date.now() + DRAIN_MAX_MS;
    let last = -1;
    let lastChange = Date.now();
    while (Date.now() < deadline) {
      const counts = await Promise.all(processes.map((p) => p.ask({ cmd: 'count' })));
      const delivered = counts.reduce((sum, c) => sum + c.deliveries, 0);
      if (delivered >= expected && writer.pending() === 0) break;
      if (delivered !== last) { last = delivered; lastChange = Date.now(); }
      if (Date.now() - lastChange > DRAIN_IDLE_MS) break;
      await sleep(100);
    }
    const stats = await Promise.all(processes.map((p) => p.ask({ cmd: 'stop' })));
    const { acks, errors } = writer.takeAcks();
    const deliveries = stats.reduce((sum, s) => sum + s.deliveries, 0);
    const lastReceive = Math.max(...stats.map((s) => s.lastReceive));
    const phase = {
      rate, writes: total, expected, deliveries, errors,
      deliveriesPerSecond: deliveries / ((lastReceive - firstSend) / 1000),
      outOfOrder: stats.reduce((sum, s) => sum + s.outOfOrder, 0),
      ackP50: percentile(acks, 0.5), ackP99: percentile(acks, 0.99),
      groups: groups.map((g, index) => ({ label: g.label, subscribers: g.open, deliveries: stats[index].deliveries, p50: stats[index].p50, p99: stats[index].p99, max: stats[index].max })),
    };
    phases.push(phase);
    console.error(`${name} @ ${rate}/s: ${deliveries}/${expected} delivered, ${Math.round(phase.deliveriesPerSecond)}/s, ack p50 ${phase.ackP50.toFixed(1)} ms; ` +
      phase.groups.map((g) => `${g.label} p50 ${g.p50.toFixed(1)} p99 ${g.p99.toFixed(1)} ms`).join('; '));
    await sleep(300);
  }
  socket.terminate();
  await Promise.all(processes.map((p) => p.ask({ cmd: 'disconnect' })));
  for (const p of processes) p.child.kill();
  return { name, phases };
}

// ---------- report ----------

const ms = (value) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const thousands = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');

function markdown(results, options) {
  const lines = [
    `${options.subscribers} subscribers of one image, one writer (create-chat, ${options.text}-character comment), ${options.seconds} s per rate; ` +
      `${cpus().length} cores shared by every process (nodes, PostgreSQL, Redis, subscriber processes, writer).`,
    '',
    '| setup | writes/s | delivered | deliveries/s | write→ack p50 / p99 (ms) | subscribers | write→event p50 / p99 (ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    for (const phase of result.phases) {
      phase.groups.forEach((group, index) => {
        const head = index === 0
          ? `| ${result.name} | ${phase.rate} | ${thousands(phase.deliveries)} / ${thousands(phase.expected)} | ${thousands(phase.deliveriesPerSecond)} | ${ms(phase.ackP50)} / ${ms(phase.ackP99)} |`
          : '| | | | | |';
        lines.push(`${head} ${group.label} (${group.subscribers}) | ${ms(group.p50)} / ${ms(group.p99)} |`);
      });
    }
  }
  const outOfOrder = results.flatMap((r) => r.phases).reduce((sum, p) => sum + p.outOfOrder, 0);
  lines.push('', `Events a subscriber received out of the writer's send order, or twice: ${outOfOrder} (by write number; delivery in seq order, each once, is what the cluster tests check).`);
  return lines.join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const watchdog = setTimeout(() => { console.error('watchdog: benchmark took too long'); process.exit(1); }, WATCHDOG_MS);
  watchdog.unref();
  tempDir = mkdtempSync(join(tmpdir(), 'image-chat-bench-cluster-'));
  cleanUpOnExit(tempDir);
  // Redis and PostgreSQL are stopped by their own exit hooks. fsync on (unlike the tests): the figures should
  // include a real commit.
  const redis = await startRedis();
  const postgres = await startPostgres({ fsync: true, maxConnections: 100 });
  const results = [];
  const perNode = Math.floor(options.subscribers / 3);
  const all = perNode * 3;

  const sqlite = await startNode('single-sqlite', { DATABASE_URL: `sqlite:${join(tempDir, 'bench.db')}` });
  results.push(await measure('1 node, SQLite', [{ label: 'node 1', url: sqlite.url, count: all }], sqlite.url, options));
  await stopNode(sqlite);

  const single = await startNode('single-postgres', { DATABASE_URL: await postgres.createDatabase('single') });
  results.push(await measure('1 node, PostgreSQL', [{ label: 'node 1', url: single.url, count: all }], single.url, options));
  await stopNode(single);

  const clusterDb = await postgres.createDatabase('cluster');
  const nodes = [];
  for (let i = 1; i <= 3; i += 1) nodes.push(await startNode(`node${i}`, { DATABASE_URL: clusterDb, REDIS_URL: redis.url }));
  results.push(await measure('3 nodes, PostgreSQL + Redis', [
    { label: 'node 1 (local)', url: nodes[0].url, count: perNode },
    { label: 'node 2 (over Redis)', url: nodes[1].url, count: perNode },
    { label: 'node 3 (over Redis)', url: nodes[2].url, count: perNode },
  ], nodes[0].url, options));
  await Promise.all(nodes.map(stopNode));

  const report = markdown(results, options);
  console.log(report);
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, results }, null, 2));
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
