/**
 * Tenant access: the REST usage API answers 401 for a missing or wrong secret, 403 for another tenant's,
 * 400 for bad dates; `subscribe-tenant` opens only with the tenant's own secret, and the admin connection
 * can delete anyone's content of its tenant, live, and nothing of another tenant.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hashTenantSecret, newTenantSecret } from '../../server/auth/tenant-secret.js';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { collectAdminFrames } from '../helpers/admin-frames.js';

let server: TestServer;
let demoSecret: string;
const acmeSecret = newTenantSecret();
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  demoSecret = server.demoSecret!;
  await server.store.createTenant({ id: 'acme', name: 'Acme', origins: ['https://acme.example'], secretHash: hashTenantSecret(acmeSecret) });
});
afterAll(async () => {
  clients.forEach((client) => client.close());
  await server.close();
  removeDir(server.dataDir);
});

async function get(path: string, secret?: string): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, secret === undefined ? {} : { headers: { authorization: `Bearer ${secret}` } });
  return { status: response.status, body: await response.json() as { error?: { code: string; message: string } } };
}

test('usage API: 401 without or with a wrong secret, 403 with another tenant\'s, 200 with its own', async () => {
  expect(await get('/api/v1/tenants/demo/usage')).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'send the tenant\'s API secret as "Authorization: Bearer <secret>"' } } });
  expect(await get('/api/v1/tenants/demo/usage', 'ics_wrong')).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'the API secret is not valid' } } });
  expect(await get('/api/v1/tenants/demo/usage', acmeSecret)).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'this secret belongs to another tenant' } } });
  expect((await get('/api/v1/tenants/nobody/usage', acmeSecret)).status).toBe(403);
  expect((await get('/api/v1/tenants/demo/live', acmeSecret)).status).toBe(403);
  expect((await get('/api/v1/tenants/demo/top-images', 'ics_wrong')).status).toBe(401);
  const own = await get('/api/v1/tenants/acme/usage?from=2026-01-01&to=2026-01-03', acmeSecret);
  expect(own).toEqual({ status: 200, body: {
    tenantId: 'acme', from: '2026-01-01', to: '2026-01-03',
    days: ['2026-01-01', '2026-01-02', '2026-01-03'].map((day) => ({ day, pubSubMessageCount: 0, pubSubBandwidth: 0, conversationCreateCount: 0, peakConnections: 0 })),
    totals: { pubSubMessageCount: 0, pubSubBandwidth: 0, conversationCreateCount: 0, peakConnections: 0 },
  } });
  const defaults = await get('/api/v1/tenants/acme/usage', acmeSecret);
  expect(defaults.body.days).toHaveLength(30);
});

test('usage API: 400 for bad dates and ranges', async () => {
  const bad = async (query: string) => (await get(`/api/v1/tenants/demo/usage?${query}`, demoSecret));
  expect(await bad('from=2026-02-30&to=2026-03-01')).toEqual({ status: 400, body: { error: { code: 'invalid-field', message: '"from" must be a date as YYYY-MM-DD' } } });
  expect(await bad('from=2026-01-01&to=yesterday')).toEqual({ status: 400, body: { error: { code: 'invalid-field', message: '"to" must be a date as YYYY-MM-DD' } } });
  expect(await bad('from=2026-03-02&to=2026-03-01')).toEqual({ status: 400, body: { error: { code: 'invalid-field', message: '"from" must not be after "to"' } } });
  expect(await bad('from=2024-01-01&to=2026-01-01')).toEqual({ status: 400, body: { error: { code: 'invalid-field', message: 'a range holds at most 366 days' } } });
  expect((await get('/api/v1/tenants/demo/top-images?limit=0', demoSecret)).status).toBe(400);
});

test('usage API: a range of millions of days is refused at once, not listed (it used to hold the node for 12 s)', async () => {
  const tooLong = { status: 400, body: { error: { code: 'invalid-field', message: 'a range holds at most 366 days' } } };
  for (const query of ['from=0000-01-01&to=9999-12-31', 'from=0000-01-01&to=9999-12-30', 'from=1000-01-01&to=9999-12-31']) {
    expect(await get(`/api/v1/tenants/demo/usage?${query}`, demoSecret)).toEqual(tooLong);
    expect(await get(`/api/v1/tenants/demo/top-images?${query}`, demoSecret)).toEqual(tooLong);
  }
  const lastDays = await get('/api/v1/tenants/demo/usage?from=9999-12-30&to=9999-12-31', demoSecret);
  expect((lastDays.body.days as { day: string }[]).map((day) => day.day)).toEqual(['9999-12-30', '9999-12-31']);
});

test('subscribe-tenant without the tenant\'s own secret is forbidden', async () => {
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  const forbidden = { type: 'error', code: 'forbidden', message: 'only the tenant\'s API secret opens its admin feed', for: 'subscribe-tenant' };
  for (const attempt of [{ tenantId: 'demo' }, { tenantId: 'demo', secret: 'ics_wrong' }, { tenantId: 'demo', secret: acmeSecret }, { tenantId: 'nobody', secret: demoSecret }]) {
    const from = client.frames.length;
    client.send({ type: 'subscribe-tenant', ...attempt });
    expect(await client.next((m) => m.type === 'error', 5000, from)).toEqual({ ...forbidden, tenantId: attempt.tenantId });
  }
});

test('the admin feed shows every write of its tenant only, and the admin deletes anyone\'s marker for everyone', async () => {
  const admin = await TestClient.connect(server.wsUrl);
  const otherAdmin = await TestClient.connect(server.wsUrl, { origin: 'https://acme.example' });
  const reader = await TestClient.connect(server.wsUrl);
  clients.push(admin, otherAdmin, reader);
  const feed = collectAdminFrames(admin.socket);
  const otherFeed = collectAdminFrames(otherAdmin.socket);
  admin.send({ type: 'subscribe-tenant', tenantId: 'demo', secret: demoSecret });
  otherAdmin.send({ type: 'subscribe-tenant', tenantId: 'acme', secret: acmeSecret });
  await reader.subscribe('demo', 'moderated');
  const deadline = Date.now() + 5000;
  while (feed.frames.length === 0 || otherFeed.frames.length === 0) {
    if (Date.now() > deadline) throw new Error('no admin subscribed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(feed.frames[0]).toEqual({ type: 'subscribed', role: 'admin', tenantId: 'demo' });

  const ack = await reader.write({ type: 'create-chat', tenantId: 'demo', urlId: 'moderated', x: 0.4, y: 0.6, text: '<b>spam</b>' });
  if (ack.type !== 'ack') throw new Error(JSON.stringify(ack));
  const created = await feed.nextEvent((f) => f.event.broadcastId === ack.broadcastId);
  expect(created).toMatchObject({ type: 'tenant-event', tenantId: 'demo', event: { type: 'new-image-chat', urlId: 'moderated', seq: ack.seq, chat: { comments: [{ text: '<b>spam</b>' }] } } });
  const chatId = created.event.chatId;

  // Another tenant's admin neither sees nor may touch it.
  expect(otherFeed.frames.filter((f) => f.type === 'tenant-event')).toEqual([]);
  expect(await otherAdmin.write({ type: 'delete-chat', tenantId: 'demo', urlId: 'moderated', chatId })).toMatchObject({ type: 'error', code: 'forbidden' });

  // The demo admin, not subscribed to the image and not its author, deletes it; the reader sees it go.
  expect(await admin.write({ type: 'delete-chat', tenantId: 'demo', urlId: 'moderated', chatId })).toMatchObject({ type: 'ack', seq: ack.seq + 1 });
  await reader.waitForEvents(2);
  expect(reader.events[1]).toMatchObject({ type: 'deleted-image-chat', chatId, seq: ack.seq + 1 });
  expect(await feed.nextEvent((f) => f.event.type === 'deleted-image-chat')).toMatchObject({ event: { chatId } });
});

test('a rotated secret ends an open admin connection\'s moderation at its next write, and its feed at the next check', async () => {
  const secret = newTenantSecret();
  await server.store.createTenant({ id: 'rotating', name: 'Rotating', origins: [], secretHash: hashTenantSecret(secret) });
  const admin = await TestClient.connect(server.wsUrl);
  const watcher = await TestClient.connect(server.wsUrl);
  const reader = await TestClient.connect(server.wsUrl);
  clients.push(admin, watcher, reader);
  const feed = collectAdminFrames(admin.socket);
  const watched = collectAdminFrames(watcher.socket);
  admin.send({ type: 'subscribe-tenant', tenantId: 'rotating', secret });
  watcher.send({ type: 'subscribe-tenant', tenantId: 'rotating', secret });
  await reader.subscribe('rotating', 'img');
  const first = await reader.write({ type: 'create-chat', tenantId: 'rotating', urlId: 'img', x: 0.1, y: 0.1, text: 'one' });
  const second = await reader.write({ type: 'create-chat', tenantId: 'rotating', urlId: 'img', x: 0.2, y: 0.2, text: 'two' });
  if (first.type !== 'ack' || second.type !== 'ack') throw new Error('writes refused');
  const [one, two] = await reader.waitForEvents(2);
  await feed.nextEvent((f) => f.event.chatId === two!.chatId);
  await watched.nextEvent((f) => f.event.chatId === two!.chatId);
  expect(await admin.write({ type: 'delete-chat', tenantId: 'rotating', urlId: 'img', chatId: one!.chatId })).toMatchObject({ type: 'ack' });

  await server.store.rotateTenantSecret('rotating', { secretHash: hashTenantSecret(newTenantSecret()), ssoKey: 'unused', keepPreviousUntil: 0 });
  expect(await admin.write({ type: 'delete-chat', tenantId: 'rotating', urlId: 'img', chatId: two!.chatId })).toMatchObject({ type: 'error', code: 'forbidden' });
  const seen = feed.frames.length;
  await reader.write({ type: 'add-comment', tenantId: 'rotating', urlId: 'img', chatId: two!.chatId, text: 'after rotation' });
  await reader.waitForEvents(4);
  expect(feed.frames.length).toBe(seen);

  // The watcher never writes: the periodic check drops it and says why.
  await watched.nextEvent((f) => f.event.type === 'image-chat-updated');
  await server.tenantFeed.revalidate();
  expect(await watcher.next((m) => m.type === 'error')).toEqual({
    type: 'error', code: 'forbidden', message: 'the tenant\'s API secret changed; subscribe again with the new one', for: 'subscribe-tenant', tenantId: 'rotating',
  });
  const watchedBefore = watched.frames.length;
  await reader.write({ type: 'add-comment', tenantId: 'rotating', urlId: 'img', chatId: two!.chatId, text: 'after the check' });
  await reader.waitForEvents(5);
  expect(watched.frames.length).toBe(watchedBefore);
});
