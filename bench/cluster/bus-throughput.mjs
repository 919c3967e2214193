#!/usr/bin/env node
/**
 * How many events per second the bus itself carries between nodes: the product's own bus classes (built, from
 * dist/), without sockets or a store, on one Redis and on a Redis Cluster of three masters (sharded pub/sub).
 *
 *   npm run build && node bench/cluster/bus-throughput.mjs            # both buses, defaults below
 *   node bench/cluster/bus-throughput.mjs --bus=cluster --seconds=10 --topics=3000 --subscribers=3
 *
 * One publisher process (one bus, like a node publishing its writes) keeps `window` publishes in flight over
 * `topics` image topics with a `bytes`-long event each; one subscriber process holds `subscribers` buses (like
 * as many other nodes), each subscribed to every topic. Reported: publishes/s acknowledged by Redis, and
 * messages/s received per subscribing bus, over the middle of the run; lost = published − received per bus once
 * the subscribers stopped receiving (a subscriber far behind may have been cut off by Redis's pub/sub output
 * buffer limit: that shows as lost).
 * The publisher and the subscribers are separate processes, so each has a core of this 2-core machine when the
 * machine is otherwise idle; Redis shares them.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../dist/server/log.js';
import { RedisBus } from '../../dist/server/bus/redis.js';
import { ShardedRedisBus } from '../../dist/server/bus/redis-cluster.js';
import { startRedis } from '../../test/helpers/redis.mjs';
import { startRedisCluster } from '../../test/helpers/redis-cluster.mjs';
import { parseOptions } from '../lib/options.mjs';
import { describeCommit, describeMachine, loadAverage } from '../lib/machine.mjs';

const log = createLogger('silent');
const PREFIX = 'bench:';

function openBus(target) {
  if (target.kind === 'cluster') return new ShardedRedisBus({ nodes: target.nodes, prefix: PREFIX, log });
  return new RedisBus({ url: target.url, prefix: PREFIX, log });
}

const topicsOf = (count) => Array.from({ length: count }, (_, i) => `bench image-${i}`);

/** Child process: `count` buses subscribed to every topic, counting what arrives; reports on request. */
async function subscriberRole(target, count, topics) {
  const received = Array.from({ length: count }, () => 0);
  const buses = [];
  for (let i = 0; i < count; i += 1) {
    const bus = openBus(target);
    await bus.waitUntilHealthy(10_000);
    bus.setHandler({ handleBusMessage: () => { received[i] += 1; }, handleBusDown() {}, handleBusUp() {}, handleTopicsResubscribed() {} });
    for (const topic of topicsOf(topics)) await bus.subscribe(topic);
    buses.push(bus);
  }
  process.send({ ready: true });
  process.on('message', async (message) => {
    if (message === 'count') process.send({ received: [...received] });
    if (message === 'close') {
      await Promise.all(buses.map((bus) => bus.close()));
      process.exit(0);
    }
  });
}

const ask = (child, message, key) => new Promise((resolve) => {
  const onMessage = (answer) => {
    if (!(key in answer)) return;
    child.off('message', onMessage);
    resolve(answer[key]);
  };
  child.on('message', onMessage);
  child.send(message);
});

async function measure(target, options) {
  const child = fork(fileURLToPath(import.meta.url), ['--role=subscriber', `--target=${JSON.stringify(target)}`, `--subscribers=${options.subscribers}`, `--topics=${options.topics}`]);
  await new Promise((resolve) => child.on('message', (m) => m.ready && resolve()));
  const bus = openBus(target);
  await bus.waitUntilHealthy(10_000);
  const topics = topicsOf(options.topics);
  const payload = `{"seq":1,"text":"${'x'.repeat(Math.max(0, options.bytes - 20))}"}`;
  let published = 0;
  let failed = 0;
  let running = true;
  let next = 0;
  const workers = Array.from({ length: options.window }, async () => {
    while (running) {
      const topic = topics[next++ % topics.length];
      await bus.publish(topic, payload).then(() => { published += 1; }, () => { failed += 1; });
    }
  });
  // Warm up, then measure the middle of the run.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const startPublished = published;
  const startReceived = await ask(child, 'count', 'received');
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const endPublished = published;
  const endReceived = await ask(child, 'count', 'received');
  running = false;
  await Promise.all(workers);
  // Subscribers that fell behind catch up before anything counts as lost (until counts stop moving, at most 15 s).
  let finalReceived = await ask(child, 'count', 'received');
  for (let waited = 0; waited < 15_000; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await ask(child, 'count', 'received');
    const moved = now.some((count, i) => count !== finalReceived[i]);
    finalReceived = now;
    if (!moved && now.every((count) => count >= published)) break;
    if (!moved && waited >= 2000) break;
  }
  child.send('close');
  await bus.close();
  return {
    bus: target.kind,
    publishesPerSecond: Math.round((endPublished - startPublished) / seconds),
    receivedPerSecondPerBus: endReceived.map((r, i) => Math.round((r - startReceived[i]) / seconds)),
    publisherCpuShare: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)),
    lostPerBus: finalReceived.map((r) => published - r),
    failed,
  };
}

async function main() {
  const options = parseOptions(process.argv.slice(2), {
    role: null, target: null, bus: 'both', seconds: 5, topics: 3000, subscribers: 3, window: 64, bytes: 450,
  });
  if (options.role === 'subscriber') return subscriberRole(JSON.parse(options.target), options.subscribers, options.topics);
  console.log(`machine: ${describeMachine()}; commit ${describeCommit()}; load before: ${loadAverage()}`);
  const results = [];
  if (options.bus === 'both' || options.bus === 'redis') {
    const redis = await startRedis();
    try {
      results.push(await measure({ kind: 'redis', url: redis.url }, options));
    } finally {
      await redis.stop();
    }
  }
  if (options.bus === 'both' || options.bus === 'cluster') {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    try {
      results.push(await measure({ kind: 'cluster', nodes: cluster.startupNodes }, options));
    } finally {
      await cluster.stop();
    }
  }
  for (const result of results) console.log(JSON.stringify(result));
  console.log(`load after: ${loadAverage()}`);
}

await main();
