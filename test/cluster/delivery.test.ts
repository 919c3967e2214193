/**
 * Three nodes (separate processes) over one Redis and one PostgreSQL: a write on any node reaches every
 * subscriber once, in seq order, with the writer's broadcastId; a node without subscribers of an image gets
 * no Redis traffic for it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, REDIS_PREFIX, type Cluster } from '../helpers/cluster.js';
import { TENANT_CHANGES_TOPIC } from '../../server/fanout/tenant-changes.js';
import { TestClient } from '../helpers/ws-client.js';
import type { ImageEvent } from '../../shared/index.js';

let cluster: Cluster;
const clients: TestClient[] = [];
beforeAll(async () => { cluster = await startCluster(3); });
afterAll(async () => {
  clients.forEach((c) => c.close());
  await cluster?.stop();
});

async function connect(node: number): Promise<TestClient> {
  const client = await TestClient.connect(cluster.nodes[node]!.wsUrl);
  clients.push(client);
  return client;
}

test('a write on any node reaches every client on every node once, in seq order, with the writer\'s broadcastId', async () => {
  const [a, b, c] = await Promise.all([connect(0), connect(1), connect(2)]);
  for (const client of [a!, b!, c!]) expect(await client.subscribe('demo', 'three-nodes')).toMatchObject({ type: 'subscribed', seq: 0 });
  const perClient = 10;
  // All three write at once, so seqs interleave across nodes and Redis delivers them in any order.
  const writes = [a!, b!, c!].flatMap((client, index) => Array.from({ length: perClient }, (_, i) =>
    client.write({ type: 'create-chat', tenantId: 'demo', urlId: 'three-nodes', x: (index + 1) / 4, y: (i + 1) / 12, text: `node ${index} #${i}` })));
  const acks = await Promise.all(writes);
  const bySeq = new Map<number, string>();
  for (const ack of acks) {
    if (ack.type !== 'ack') throw new Error(`write refused: ${JSON.stringify(ack)}`);
    bySeq.set(ack.seq, ack.broadcastId);
  }
  const total = perClient * 3;
  expect([...bySeq.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  for (const client of [a!, b!, c!]) {
    const events = await client.waitForEvents(total, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.map((e: ImageEvent) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(events.map((e) => e.broadcastId)).toEqual(events.map((e) => bySeq.get(e.seq)));
  }
  // Same bytes everywhere.
  expect(b!.events).toEqual(a!.events);
  expect(c!.events).toEqual(a!.events);
});

test('a node with no subscriber of an image receives no Redis traffic for it', async () => {
  const channel = `${REDIS_PREFIX}demo quiet`;
  // Every node always listens to one channel: tenant changes (rules), which carry no image's events.
  const control = `${REDIS_PREFIX}${TENANT_CHANGES_TOPIC}`;
  // Start from no image subscriptions at all, whatever ran before.
  for (const client of clients.splice(0)) client.close();
  await until(async () => ((await cluster.redis.command('PUBSUB', 'CHANNELS', `${REDIS_PREFIX}*`)) as string[]).every((name) => name === control), 'every node to unsubscribe');
  const [a, b] = await Promise.all([connect(0), connect(1)]);
  await a!.subscribe('demo', 'quiet');
  await b!.subscribe('demo', 'quiet');
  // Two nodes are subscribed to the image's channel; the third is not.
  expect(await cluster.redis.command('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 2]);
  const subscribers = String(await cluster.redis.command('CLIENT', 'LIST'))
    .split('\n').filter((line) => line.includes('name=image-chat-sub-'))
    .map((line) => Number(/ sub=(\d+)/.exec(line)?.[1]) + Number(/ psub=(\d+)/.exec(line)?.[1]));
  expect(subscribers).toHaveLength(3);
  // Node 3 is subscribed to the control channel only, and to no pattern, so Redis sends it nothing of this image's traffic.
  expect(subscribers.filter((count) => count === 1)).toHaveLength(1);
  expect(await cluster.redis.command('PUBSUB', 'NUMSUB', control)).toEqual([control, 3]);
  const ack = await a!.write({ type: 'create-chat', tenantId: 'demo', urlId: 'quiet', x: 0.5, y: 0.5, text: 'hush' });
  expect(ack.type).toBe('ack');
  await b!.waitForEvents(1, 10_000);
  // When the last subscriber on a node leaves, the node unsubscribes.
  b!.close();
  await b!.waitClosed();
  await until(async () => ((await cluster.redis.command('PUBSUB', 'NUMSUB', channel)) as [string, number])[1] === 1, 'node 2 to unsubscribe');
});

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
