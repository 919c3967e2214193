/**
 * Three nodes on a Redis Cluster (three masters, a replica each) under write traffic on two images that live on
 * different shards:
 * - the master serving one image is killed: its replica takes over, the image's subscribers resync and converge
 *   with the store, while the other image's subscribers keep getting every event live, never resync, and every
 *   node stays ready (one shard's failover is not an outage of the bus);
 * - one image's slot is moved to another master with `redis-cli --cluster reshard`: nothing is lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { imageTopic, type ImageKey } from '../../shared/index.js';
import { keySlot } from '../../server/bus/key-slot.js';
import { REDIS_PREFIX, startShardedCluster, type ShardedCluster } from '../helpers/cluster.js';
import { ModelClient } from '../helpers/model-client.js';
import { expectConverged, startTraffic } from '../helpers/traffic.js';

let cluster: ShardedCluster;
const models: ModelClient[] = [];
beforeAll(async () => { cluster = await startShardedCluster(3); }, 120_000);
afterAll(async () => {
  models.forEach((m) => m.stop());
  await cluster?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `imagechat_bus_lost_topics` as node `index` reports it on /metrics. */
async function lostTopics(index: number): Promise<number> {
  const text = await (await fetch(`${cluster.nodes[index]!.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('imagechat_bus_lost_topics '));
  if (!line) throw new Error('no imagechat_bus_lost_topics on /metrics');
  return Number(line.split(' ')[1]);
}
const channelOf = (key: ImageKey) => REDIS_PREFIX + imageTopic(key);

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

/** Two images whose channels live on different masters, the first on the master `port` if given. */
async function imagesOnTwoShards(name: string): Promise<[ImageKey, ImageKey]> {
  const first: ImageKey = { tenantId: 'demo', urlId: `${name}-a` };
  const firstMaster = await cluster.redisCluster.masterOf(channelOf(first));
  for (let i = 0; ; i += 1) {
    const other: ImageKey = { tenantId: 'demo', urlId: `${name}-b${i}` };
    if ((await cluster.redisCluster.masterOf(channelOf(other))) !== firstMaster) return [first, other];
  }
}

function clientsOf(key: ImageKey, count: number): ModelClient[] {
  const made = Array.from({ length: count }, (_, i) => new ModelClient(key, () => cluster.liveUrls(), i % 3));
  models.push(...made);
  return made;
}

test('a master killed under traffic: its image converges, the other shard\'s image is untouched, nodes stay ready', async () => {
  const [hit, spared] = await imagesOnTwoShards('failover');
  const hitClients = clientsOf(hit, 6);
  const sparedClients = clientsOf(spared, 6);
  await Promise.all([...hitClients, ...sparedClients].map((m) => m.start()));
  const hitTraffic = startTraffic(hitClients.slice(0, 3));
  const sparedTraffic = startTraffic(sparedClients.slice(0, 3));
  await pause(500);

  const redis = cluster.redisCluster;
  const victim = await redis.masterOf(channelOf(hit));
  const sparedBefore = sparedClients.map((m) => m.received);
  await redis.kill(victim);
  try {
    // Every node watches the hit image: each reports its subscription lost until the replica takes over.
    await until(async () => (await Promise.all([0, 1, 2].map(lostTopics))).every((lost) => lost >= 1), 'every node to report the lost topic on /metrics');
    // While the shard is down and until its replica takes over, the other image is delivered live everywhere.
    const ackedBefore = sparedTraffic.acked.size;
    await until(() => sparedTraffic.acked.size >= ackedBefore + 10, 'writes to the spared image during the outage');
    await until(() => sparedClients.every((m, i) => m.received >= sparedBefore[i]! + 10), 'live delivery of the spared image on every node');
    for (const node of cluster.nodes) expect((await fetch(`${node!.url}/readyz`)).status).toBe(200);
    await until(async () => (await redis.masterOf(channelOf(hit)).catch(() => victim)) !== victim, 'the replica to take over');
    await pause(1500);
  } finally {
    await redis.restart(victim);
  }
  await Promise.all([hitTraffic.stop(), sparedTraffic.stop()]);

  for (const node of cluster.nodes) expect(node!.child.exitCode).toBeNull();
  expect(hitTraffic.acked.size).toBeGreaterThan(10);
  const store = await cluster.openStore();
  await expectConverged(hitClients, store, hit, hitTraffic.acked);
  await expectConverged(sparedClients, store, spared, sparedTraffic.acked);
  // The hit image's subscribers were told to resync once its subscription was back on the new master; the
  // spared image's never were, and never needed a snapshot after their first.
  expect(hitClients.reduce((sum, m) => sum + m.resyncs, 0)).toBeGreaterThan(0);
  expect(sparedClients.map((m) => m.resyncs)).toEqual(sparedClients.map(() => 0));
  expect(sparedClients.map((m) => m.snapshots)).toEqual(sparedClients.map(() => 1));
  expect(await Promise.all([0, 1, 2].map(lostTopics))).toEqual([0, 0, 0]);
  await redis.waitHealthy();
}, 90_000);

test('an image\'s slot moved to another master under traffic loses nothing', async () => {
  const redis = cluster.redisCluster;
  const masters = await redis.masters();
  // An image near the start of its master's slots, so that the reshard moves few slots with it.
  let key: ImageKey | null = null;
  for (let i = 0; !key; i += 1) {
    const candidate: ImageKey = { tenantId: 'demo', urlId: `moving-${i}` };
    const slot = keySlot(channelOf(candidate));
    const nearStart = masters.some((m) => m.slots.some((range) => { const from = Number(range.split('-')[0]); return slot >= from && slot < from + 40; }));
    if (nearStart) key = candidate;
  }
  const slot = keySlot(channelOf(key));
  const from = (await redis.ownerOfSlot(slot)).port;
  const to = masters.find((m) => m.port !== from)!.port;
  const clients = clientsOf(key, 6);
  await Promise.all(clients.map((m) => m.start()));
  const traffic = startTraffic(clients.slice(0, 3));
  await pause(500);
  await redis.moveSlot(slot, to);
  await redis.waitForOwner(slot, to);
  await pause(1500);
  await traffic.stop();

  expect(traffic.acked.size).toBeGreaterThan(10);
  const store = await cluster.openStore();
  await expectConverged(clients, store, key, traffic.acked);
  // Every node with a subscriber of the image is subscribed to its channel on the new master.
  const channel = channelOf(key);
  expect(await redis.command(to, 'PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, 3]);
}, 90_000);
