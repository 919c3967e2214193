/**
 * Two nodes (separate processes) over one Redis and one PostgreSQL: usage counters flushed by both equal
 * what the clients received, periodic flushes and the final flush on SIGTERM included; the cluster-wide
 * peak and live numbers add both nodes; the admin feed on one node shows writes made on the other, and its
 * delete reaches readers on the other node.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, REDIS_PREFIX, type Cluster } from '../helpers/cluster.js';
import { TestClient } from '../helpers/ws-client.js';
import { countReceived, total, type Received } from '../helpers/received.js';
import { collectAdminFrames } from '../helpers/admin-frames.js';
import { addDays, utcDay } from '../../server/metering/utc-day.js';

let cluster: Cluster;
const clients: TestClient[] = [];
beforeAll(async () => { cluster = await startCluster(2, { USAGE_FLUSH_MS: '200' }); });
afterAll(async () => {
  clients.forEach((c) => c.close());
  await cluster?.stop();
});

async function connect(node: number, images: string[]): Promise<{ client: TestClient; received: Received }> {
  const client = await TestClient.connect(cluster.nodes[node]!.wsUrl);
  clients.push(client);
  const received = countReceived(client.socket);
  for (const urlId of images) expect(await client.subscribe('demo', urlId)).toMatchObject({ type: 'subscribed' });
  return { client, received };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('counters from two nodes equal what clients received; peak, live numbers and the admin feed span both nodes', async () => {
  const store = await cluster.openStore();
  const secret = await store.getOrCreateSetting('demo-tenant-secret', () => 'never used: the nodes made it');
  const img1 = `img-${randomUUID()}`;
  const img2 = `img-${randomUUID()}`;
  const today = utcDay(Date.now());

  const admin = await TestClient.connect(cluster.nodes[1]!.wsUrl);
  clients.push(admin);
  const feed = collectAdminFrames(admin.socket);
  admin.send({ type: 'subscribe-tenant', tenantId: 'demo', secret });
  await until(async () => feed.frames.length, (n) => n > 0, 'the admin subscription');
  // Only the node with an admin subscriber listens to the tenant's feed topic.
  const feedChannel = `${REDIS_PREFIX}feed:demo`;
  expect(await cluster.redis.command('PUBSUB', 'NUMSUB', feedChannel)).toEqual([feedChannel, 1]);

  const a = await connect(0, [img1]);
  const b = await connect(1, [img1]);
  const c = await connect(1, [img1, img2]);
  // Presence settles: three people on img1 over both nodes (its frames are metered like events).
  const presenceOf = (client: TestClient, count: number) => client.next((m) => m.type === 'presence' && m.urlId === img1 && m.count === count, 10_000);
  await Promise.all([a.client, b.client, c.client].map((client) => presenceOf(client, 3)));

  const ack = await a.client.write({ type: 'create-chat', tenantId: 'demo', urlId: img1, x: 0.2, y: 0.2, text: 'made on node 0' });
  if (ack.type !== 'ack') throw new Error(JSON.stringify(ack));
  // The admin on node 1 sees the write made on node 0.
  const created = await feed.nextEvent((f) => f.event.broadcastId === ack.broadcastId, 10_000);
  await b.client.write({ type: 'add-comment', tenantId: 'demo', urlId: img1, chatId: created.event.chatId, text: 'reply on node 1' });
  await c.client.write({ type: 'create-chat', tenantId: 'demo', urlId: img2, x: 0.8, y: 0.8, text: 'image two' });
  // A burst sent at once (some deliveries go out as batches); all acknowledged before the marker is deleted.
  const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => b.client.write({ type: 'add-comment', tenantId: 'demo', urlId: img1, chatId: created.event.chatId, text: `burst ${i}` })));
  expect(burst.map((answer) => answer.type)).toEqual(Array(6).fill('ack'));
  // The admin (node 1) deletes the marker made on node 0; the reader on node 0 sees it go.
  expect(await admin.write({ type: 'delete-chat', tenantId: 'demo', urlId: img1, chatId: created.event.chatId })).toMatchObject({ type: 'ack' });
  const img1Events = 9;
  await until(async () => [a, b, c].map((x) => x.received.events), (n) => n[0] === img1Events && n[1] === img1Events && n[2] === img1Events + 1, 'every delivery');
  expect(a.client.events.at(-1)).toMatchObject({ type: 'deleted-image-chat', chatId: created.event.chatId });

  // Three connections at once over two nodes (1 + 2): the sampled cluster-wide peak sees all three.
  await until(() => store.readUsage('demo', today, today), (days) => days[0]?.peakConnections === 3, 'the cluster-wide peak');
  const live = await until(
    async () => (await fetch(`${cluster.nodes[0]!.url}/api/v1/tenants/demo/live`, { headers: { authorization: `Bearer ${secret}` } })).json() as Promise<Record<string, unknown>>,
    (body) => body.connections === 3 && JSON.stringify(body.images) === JSON.stringify([{ urlId: img1, viewers: 3 }, { urlId: img2, viewers: 1 }]),
    'live numbers of both nodes, and img1 viewed by three people over them');
  expect(live).toMatchObject({ tenantId: 'demo', connections: 3, watchedImages: 3, nodes: 2 });

  // Graceful shutdown of both nodes flushes what they still hold.
  expect(await cluster.stopNode(0, 'SIGTERM')).toBe(0);
  expect(await cluster.stopNode(1, 'SIGTERM')).toBe(0);
  const received = total([a, b, c].map((x) => x.received));
  const days = await store.readUsage('demo', addDays(today, -1), addDays(today, 1));
  const sum = (field: 'pubSubMessageCount' | 'pubSubBandwidth' | 'conversationCreateCount') => days.reduce((s, d) => s + d[field], 0);
  expect(received.presence).toBeGreaterThan(0);
  expect(sum('pubSubMessageCount')).toBe(received.events + received.presence);
  expect(sum('pubSubBandwidth')).toBe(received.bytes + received.presenceBytes);
  expect(sum('conversationCreateCount')).toBe(2);
  expect(await store.readTopImages('demo', addDays(today, -1), addDays(today, 1), 10)).toEqual([
    { urlId: img1, pubSubMessageCount: received.perImage.get(img1)! + received.presencePerImage.get(img1)!, pubSubBandwidth: expect.any(Number) },
    { urlId: img2, pubSubMessageCount: received.perImage.get(img2)! + received.presencePerImage.get(img2)!, pubSubBandwidth: expect.any(Number) },
  ]);
  // Both nodes withdrew their presence on the way out.
  expect(await store.readLive('demo', 0)).toEqual({ connections: 0, watchedImages: 0, nodes: 0, images: [] });
});
