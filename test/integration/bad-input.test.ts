import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { LIMITS } from '../../shared/index.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WRITE_RATE_PER_SECOND: '5', WRITE_BURST: '10', FRAME_RATE_PER_SECOND: '20', FRAME_BURST: '40', FLOOD_CLOSE_AFTER: '20', MAX_CHATS_PER_IMAGE: '2', MAX_COMMENTS_PER_CHAT: '2', MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
});
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

/** Sends a frame, expects an error with `code`, then proves the connection still works with a ping. */
async function expectErrorAndAlive(client: TestClient, frame: string | Buffer | object, code: string): Promise<void> {
  const from = client.frames.length;
  if (typeof frame === 'string' || Buffer.isBuffer(frame)) client.sendRaw(frame);
  else client.send(frame);
  const error = await client.next((m) => m.type === 'error', 5000, from);
  expect(error).toMatchObject({ type: 'error', code });
  expect((error as { message: string }).message.length).toBeGreaterThan(5);
  client.send({ type: 'ping' });
  await client.next((m) => m.type === 'pong', 5000, from);
}

test('each bad frame gets its error code and the connection lives on', async () => {
  const c = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await c.subscribe('demo', urlId);
  const write = { broadcastId: randomUUID(), tenantId: 'demo', urlId };
  await expectErrorAndAlive(c, '{"type": "ping"', 'bad-request');
  await expectErrorAndAlive(c, 'null', 'bad-request');
  await expectErrorAndAlive(c, { type: 'take-over-the-world' }, 'unknown-type');
  await expectErrorAndAlive(c, { type: 'create-chat', ...write, y: 0.5, text: 'missing x' }, 'invalid-field');
  await expectErrorAndAlive(c, { type: 'create-chat', ...write, x: 'left', y: 0.5, text: 'typed x' }, 'invalid-field');
  await expectErrorAndAlive(c, { type: 'create-chat', ...write, x: 1.5, y: 0.5, text: 'out of range' }, 'invalid-field');
  await expectErrorAndAlive(c, { type: 'create-chat', ...write, x: 0.5, y: 0.5, text: 'x'.repeat(LIMITS.MAX_TEXT_LENGTH + 1) }, 'too-large');
  await expectErrorAndAlive(c, Buffer.from('binary'), 'bad-request');
  // The error to a bad write names the write, so the client can roll back the right change.
  c.send({ type: 'move-chat', ...write, chatId: 'c', x: 2, y: 0 });
  expect(await c.nextOfType('error')).toMatchObject({ code: 'invalid-field', broadcastId: write.broadcastId, for: 'move-chat' });
  expect(c.closeCode).toBeNull();
  c.close();
});

test('an unknown tenant is refused exactly like a known one that refuses the origin, so ids cannot be enumerated', async () => {
  await server.store.createTenant({ id: 'walled', name: 'Walled', origins: ['https://walled.example'], secretHash: 'h' });
  const c = await TestClient.connect(server.wsUrl, { origin: 'https://stranger.example' });
  const refused = (tenantId: string) => ({ type: 'error', code: 'forbidden', message: `tenant "${tenantId}" does not exist or does not allow this page's origin`, for: 'subscribe', tenantId, urlId: 'img' });
  expect(await c.subscribe('no-such-tenant', 'img')).toEqual(refused('no-such-tenant'));
  expect(await c.subscribe('walled', 'img')).toEqual(refused('walled'));
  const unknownWrite = await c.write({ type: 'create-chat', tenantId: 'no-such-tenant', urlId: 'img', x: 0.5, y: 0.5, text: 'hi' });
  const walledWrite = await c.write({ type: 'create-chat', tenantId: 'walled', urlId: 'img', x: 0.5, y: 0.5, text: 'hi' });
  expect(unknownWrite).toMatchObject({ type: 'error', code: 'forbidden', for: 'create-chat' });
  // Alike but for the names the client itself sent (the tenant id, the broadcastId) and the message quoting them.
  expect({ ...unknownWrite, broadcastId: '', message: '', tenantId: '' }).toEqual({ ...walledWrite, broadcastId: '', message: '', tenantId: '' });
  c.close();
});

test('count limits answer limit-reached', async () => {
  const c = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await c.subscribe('demo', urlId);
  const chatId = randomUUID();
  await c.write({ type: 'create-chat', chatId, tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'one' });
  await c.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'two' });
  expect(await c.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'three' })).toMatchObject({ code: 'limit-reached' });
  await c.write({ type: 'add-comment', chatId, tenantId: 'demo', urlId, text: 'second' });
  expect(await c.write({ type: 'add-comment', chatId, tenantId: 'demo', urlId, text: 'third' })).toMatchObject({ code: 'limit-reached' });
  await c.subscribe('demo', `${urlId}-b`);
  expect(await c.subscribe('demo', `${urlId}-c`)).toMatchObject({ type: 'error', code: 'limit-reached' });
  c.close();
});

test('an oversized frame closes the connection with 1009; other clients are untouched', async () => {
  const bystander = await TestClient.connect(server.wsUrl);
  const c = await TestClient.connect(server.wsUrl);
  c.sendRaw(JSON.stringify({ type: 'ping', pad: 'x'.repeat(LIMITS.MAX_FRAME_BYTES) }));
  expect(await c.waitClosed()).toBe(1009);
  bystander.send({ type: 'ping' });
  await bystander.nextOfType('pong');
  bystander.close();
});

test('a write flood gets rate-limited, then the connection is closed with 1008', async () => {
  const c = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await c.subscribe('demo', urlId);
  for (let i = 0; i < 200; i += 1) c.send({ type: 'resolve-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId, chatId: 'c', resolved: true });
  await c.next((m) => m.type === 'error' && m.code === 'rate-limited');
  expect(await c.waitClosed()).toBe(1008);
});

test('a ping flood is closed too', async () => {
  const c = await TestClient.connect(server.wsUrl);
  for (let i = 0; i < 500; i += 1) c.send({ type: 'ping' });
  expect(await c.waitClosed()).toBe(1008);
  expect(c.frames.some((m) => m.type === 'error' && m.code === 'rate-limited')).toBe(true);
});

test('a tenant limited to some origins refuses pages from others', async () => {
  await server.store.createTenant({ id: 'shop', name: 'Shop', origins: ['https://shop.example'], secretHash: 'x' });
  const allowed = await TestClient.connect(server.wsUrl, { origin: 'https://shop.example' });
  expect(await allowed.subscribe('shop', 'img')).toMatchObject({ type: 'subscribed' });
  const other = await TestClient.connect(server.wsUrl, { origin: 'https://evil.example' });
  expect(await other.subscribe('shop', 'img')).toMatchObject({ type: 'error', code: 'forbidden' });
  expect(await other.write({ type: 'create-chat', tenantId: 'shop', urlId: 'img', x: 0.5, y: 0.5, text: 'spam' })).toMatchObject({ type: 'error', code: 'forbidden' });
  allowed.close(); other.close();
});

test('subscribes sent together: the cap holds, a repeated subscribe leaves no stray subscription, unsubscribe is not overtaken', async () => {
  const c = await TestClient.connect(server.wsUrl);
  const base = `img-${randomUUID()}`;
  // Five different images in one burst against a cap of 2.
  for (let i = 0; i < 5; i += 1) c.send({ type: 'subscribe', tenantId: 'demo', urlId: `${base}-${i}` });
  await c.next(() => c.frames.filter((m) => m.type === 'subscribed' || (m.type === 'error' && m.for === 'subscribe')).length === 5);
  expect(c.frames.filter((m) => m.type === 'subscribed')).toHaveLength(2);
  expect(c.frames.filter((m) => m.type === 'error' && m.code === 'limit-reached')).toHaveLength(3);
  c.close();
  await c.waitClosed();

  const d = await TestClient.connect(server.wsUrl);
  const topicsBefore = server.hub.topicCount;
  d.send({ type: 'subscribe', tenantId: 'demo', urlId: base });
  d.send({ type: 'subscribe', tenantId: 'demo', urlId: base });
  await d.next(() => d.frames.filter((m) => m.type === 'subscribed').length === 2);
  d.send({ type: 'subscribe', tenantId: 'demo', urlId: `${base}-x` });
  d.send({ type: 'unsubscribe', tenantId: 'demo', urlId: `${base}-x` });
  await d.nextOfType('unsubscribed');
  expect(server.hub.topicCount).toBe(topicsBefore + 1);
  d.close();
  await d.waitClosed();
  // Nothing is left behind holding events for an answer that never comes.
  const deadline = Date.now() + 5000;
  while (server.hub.topicCount !== topicsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(server.hub.topicCount).toBe(topicsBefore);
});

test('an unsubscribe waits only for subscribes of its own image, not behind another image\'s slow read', async () => {
  const c = await TestClient.connect(server.wsUrl);
  const base = `img-${randomUUID()}`;
  expect(await c.subscribe('demo', `${base}-watched`)).toMatchObject({ type: 'subscribed' });
  const read = server.store.read.bind(server.store);
  let finish = () => {};
  const slow = new Promise<void>((resolve) => { finish = resolve; });
  server.store.read = async (key, since, epoch) => {
    if (key.urlId === `${base}-slow`) await slow;
    return read(key, since, epoch);
  };
  const answered = (type: string, urlId: string) => c.frames.some((m) => m.type === type && 'urlId' in m && m.urlId === urlId);
  try {
    // An image already watched leaves at once; one subscribed in the same burst leaves right after its subscribe,
    // both while the slow image's read (sent between them) still waits.
    c.send({ type: 'subscribe', tenantId: 'demo', urlId: `${base}-new` });
    c.send({ type: 'subscribe', tenantId: 'demo', urlId: `${base}-slow` });
    c.send({ type: 'unsubscribe', tenantId: 'demo', urlId: `${base}-watched` });
    c.send({ type: 'unsubscribe', tenantId: 'demo', urlId: `${base}-new` });
    await c.next(() => answered('unsubscribed', `${base}-watched`) && answered('unsubscribed', `${base}-new`));
    expect(answered('subscribed', `${base}-new`)).toBe(true);
    expect(answered('subscribed', `${base}-slow`)).toBe(false);
    const order = c.frames.filter((m) => m.type === 'subscribed' || m.type === 'unsubscribed').map((m) => `${m.type} ${'urlId' in m ? m.urlId : ''}`);
    expect(order.indexOf(`subscribed ${base}-new`)).toBeLessThan(order.indexOf(`unsubscribed ${base}-new`));
    finish();
    await c.next(() => answered('subscribed', `${base}-slow`));
  } finally {
    server.store.read = read;
    finish();
    c.close();
  }
});

test('a subscribe the store cannot answer gets unavailable naming the image, and the connection lives on', async () => {
  const failing = await startTestServer();
  try {
    const c = await TestClient.connect(failing.wsUrl);
    await c.subscribe('demo', 'warm-up'); // the tenant is cached from here on
    const read = failing.store.read.bind(failing.store);
    failing.store.read = async () => { throw new Error('database is down'); };
    const answer = await c.subscribe('demo', 'img-down');
    expect(answer).toMatchObject({ type: 'error', code: 'unavailable', for: 'subscribe', tenantId: 'demo', urlId: 'img-down' });
    failing.store.read = read;
    expect(await c.subscribe('demo', 'img-down')).toMatchObject({ type: 'subscribed', seq: 0 });
    c.close();
  } finally {
    await failing.close();
    removeDir(failing.dataDir);
  }
});
