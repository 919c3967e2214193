/**
 * Usage counters equal what clients received: the sum of event deliveries and presence frames and of their
 * bytes, across a graceful restart (counts still in memory are flushed on close) and with batched frames.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { countReceived, total, type Received } from '../helpers/received.js';
import { until } from '../helpers/wait.js';

const dir = makeTempDir();
const servers: TestServer[] = [];
const clients: TestClient[] = [];
afterAll(async () => {
  clients.forEach((client) => client.close());
  for (const server of servers) await server.close();
  removeDir(dir);
});

/** Flushes only on request and on close, so the test decides when counts reach the store. */
const ENV = { USAGE_FLUSH_MS: '600000' };

async function start(): Promise<TestServer> {
  const server = await startTestServer(ENV, dir);
  servers.push(server);
  return server;
}

async function connect(server: TestServer, images: string[]): Promise<{ client: TestClient; received: Received }> {
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  const received = countReceived(client.socket);
  for (const urlId of images) expect(await client.subscribe('demo', urlId)).toMatchObject({ type: 'subscribed' });
  return { client, received };
}


/** Waits for a presence delta of the image with this count (the frame that follows the last join). */
function presenceCount(client: TestClient, urlId: string, count: number): Promise<unknown> {
  return client.next((m) => m.type === 'presence' && m.urlId === urlId && m.count === count && m.snapshot !== true);
}

async function usage(server: TestServer, secret: string, path = 'usage') {
  const response = await fetch(`${server.url}/api/v1/tenants/demo/${path}`, { headers: { authorization: `Bearer ${secret}` } });
  expect(response.status).toBe(200);
  return response.json() as Promise<{ totals: Record<string, number>; days: Record<string, number | string>[]; images: { urlId: string; pubSubMessageCount: number; pubSubBandwidth: number }[] }>;
}

test('each counter equals what the clients received, across a graceful restart', async () => {
  const img1 = `img-${randomUUID()}`;
  const img2 = `img-${randomUUID()}`;
  let server = await start();
  const secret = server.demoSecret!;

  // Phase 1: four connections; a, b, c watch img1, c and d watch img2.
  const a = await connect(server, [img1]);
  const b = await connect(server, [img1]);
  const c = await connect(server, [img1, img2]);
  const d = await connect(server, [img2]);
  // Presence settles first (the last joins' deltas): from then on presence sends nothing until the sockets close.
  await Promise.all([presenceCount(a.client, img1, 3), presenceCount(c.client, img2, 2)]);
  const created = await a.client.write({ type: 'create-chat', tenantId: 'demo', urlId: img1, x: 0.1, y: 0.2, text: 'first' });
  if (created.type !== 'ack') throw new Error(JSON.stringify(created));
  const chatId = (a.client.events.find((e) => e.broadcastId === created.broadcastId) ?? (await a.client.waitForEvents(1))[0])!.chatId;
  await b.client.write({ type: 'add-comment', tenantId: 'demo', urlId: img1, chatId, text: 'a reply with "quotes" and ünïcode' });
  await d.client.write({ type: 'create-chat', tenantId: 'demo', urlId: img2, x: 0.5, y: 0.5, text: 'on two' });
  // A burst without waiting for acks: several events leave in one turn, so some go out as batches.
  for (let i = 0; i < 8; i += 1) a.client.send({ type: 'add-comment', broadcastId: randomUUID(), tenantId: 'demo', urlId: img1, chatId, text: `burst ${i}` });
  for (let i = 0; i < 3; i += 1) d.client.send({ type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId: img2, x: 0.3, y: 0.3, text: `burst ${i}` });
  const img1Events = 10;
  const img2Events = 4;
  await until(() => a.received.events === img1Events && b.received.events === img1Events && c.received.events === img1Events + img2Events && d.received.events === img2Events, 'every delivery');

  await server.close(); // graceful: what is counted in memory is flushed before the store closes
  await Promise.all(clients.map((client) => client.waitClosed()));

  // Phase 2: a restarted node on the same database, two connections.
  server = await start();
  const e = await connect(server, [img1]);
  const f = await connect(server, [img1]);
  await presenceCount(e.client, img1, 2);
  await e.client.write({ type: 'resolve-chat', tenantId: 'demo', urlId: img1, chatId, resolved: true });
  await f.client.write({ type: 'move-chat', tenantId: 'demo', urlId: img1, chatId, x: 0.9, y: 0.9 }).then((answer) => expect(answer).toMatchObject({ type: 'error', code: 'forbidden' }));
  await f.client.write({ type: 'create-chat', tenantId: 'demo', urlId: img1, x: 0.7, y: 0.7, text: 'after restart' });
  await until(() => e.received.events === 2 && f.received.events === 2, 'deliveries after the restart');

  expect(await server.usage.flush()).toBe(true);
  const all = total([a, b, c, d, e, f].map((x) => x.received));
  expect(all.events).toBe(3 * img1Events + 2 * img2Events + 4);
  const body = await usage(server, secret);
  expect(all.presence).toBeGreaterThan(0);
  expect(body.totals).toEqual({
    pubSubMessageCount: all.events + all.presence,
    pubSubBandwidth: all.bytes + all.presenceBytes,
    conversationCreateCount: 1 + 1 + 3 + 1,
    // Four connections at once before the restart; the restarted node's two are not added to them.
    peakConnections: 4,
  });
  const top = await usage(server, secret, 'top-images');
  const messages = (urlId: string): number => (all.perImage.get(urlId) ?? 0) + (all.presencePerImage.get(urlId) ?? 0);
  expect(top.images.map((i) => [i.urlId, i.pubSubMessageCount])).toEqual([[img1, messages(img1)], [img2, messages(img2)]]);
  expect(top.images.reduce((sum, i) => sum + i.pubSubBandwidth, 0)).toBe(all.bytes + all.presenceBytes);
});
