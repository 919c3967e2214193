/**
 * Probing random tenant ids: past the node's budget of store lookups for uncached ids, subscribes are answered
 * `unavailable` (clients retry) instead of costing a store read each; a tenant already cached is served
 * throughout, and the answers never tell an unknown tenant from a known one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MISS_LOOKUPS_PER_REQUESTER_PER_SECOND } from '../../server/core/tenant-cache.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: '127.0.0.1', FRAME_BURST: '2000', FRAME_RATE_PER_SECOND: '2000', MAX_SUBSCRIPTIONS_PER_CONNECTION: '2000', FLOOD_CLOSE_AFTER: '100000' });
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

test('a burst of subscribes to random tenants costs at most one address\'s share of lookups; the cached tenant is served throughout, and a new tenant\'s first visitor from another address too', async () => {
  const client = await TestClient.connect(server.wsUrl);
  expect(await client.subscribe('demo', 'before')).toMatchObject({ type: 'subscribed' });
  let lookups = 0;
  const getTenant = server.store.getTenant.bind(server.store);
  server.store.getTenant = (id) => { lookups += 1; return getTenant(id); };
  const probes = 30 * MISS_LOOKUPS_PER_REQUESTER_PER_SECOND;
  for (let i = 0; i < probes; i += 1) client.send({ type: 'subscribe', tenantId: `probe-${randomUUID()}`, urlId: 'img' });
  client.send({ type: 'subscribe', tenantId: 'demo', urlId: 'during' });
  await client.next((m) => m.type === 'subscribed' && m.urlId === 'during', 10_000);
  const errors = () => client.frames.filter((m) => m.type === 'error' && m.for === 'subscribe');
  const deadline = Date.now() + 10_000;
  while (errors().length < probes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const codes = errors().map((m) => (m.type === 'error' ? m.code : ''));
  expect(codes).toHaveLength(probes);
  // A few seconds' shares may pass while the burst is answered.
  expect(lookups).toBeLessThanOrEqual(5 * MISS_LOOKUPS_PER_REQUESTER_PER_SECOND);
  expect(codes.filter((code) => code === 'forbidden')).toHaveLength(lookups);
  expect(codes.filter((code) => code === 'unavailable')).toHaveLength(probes - lookups);
  client.close();
});

test('while one address probes, a tenant nobody has visited yet is served to another address', async () => {
  await server.store.createTenant({ id: 'fresh', name: 'Fresh', origins: [], secretHash: 'h' });
  const prober = await TestClient.connect(server.wsUrl, { 'x-forwarded-for': '198.51.100.7' });
  const visitor = await TestClient.connect(server.wsUrl, { 'x-forwarded-for': '203.0.113.9' });
  for (let i = 0; i < 1000; i += 1) prober.send({ type: 'subscribe', tenantId: `probe-${randomUUID()}`, urlId: 'img' });
  // Well into the probe: with one node-wide budget it would be spent by now.
  const deadline = Date.now() + 10_000;
  while (prober.frames.filter((m) => m.type === 'error').length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(await visitor.subscribe('fresh', 'first-visit')).toMatchObject({ type: 'subscribed', tenantId: 'fresh' });
  prober.close();
  visitor.close();
});
