/**
 * The REST API's write budgets (docs/api.md#rate-limits): the per-tenant budget of REST writes answers 429 with
 * Retry-After, and REST writes count toward the tenant's write budget that its widgets' writes share.
 */
import { afterEach, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { TestClient } from '../helpers/ws-client.js';
import { rest } from '../helpers/rest.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  server = undefined;
});

const create = (running: TestServer, tenant: { tenantId: string; secret: string }, text: string) =>
  rest(running.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/writes`, { type: 'create-chat', urlId: 'img', x: 0.5, y: 0.5, text });

test('past REST_WRITES_PER_MINUTE a tenant\'s REST writes are 429 with Retry-After; other tenants are not held back', async () => {
  server = await startTestServer({ REST_WRITES_PER_MINUTE: '3' });
  const tenant = await createTestTenant(server);
  const other = await createTestTenant(server);
  for (const text of ['1', '2', '3']) expect((await create(server, tenant, text)).status).toBe(200);
  const refused = await create(server, tenant, '4');
  expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate-limited', message: expect.stringMatching(/^this site passed 3 REST writes a minute on this server; try again in (19|20) s$/) } } });
  // One write's worth of a 3-a-minute budget comes back in 20 s.
  expect(['19', '20']).toContain(refused.headers.get('retry-after'));
  // Refused writes are not stored, and a retry with an idempotency key is not held as in flight.
  const image = await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=img`);
  expect(image.body).toMatchObject({ seq: 3 });
  expect((await create(server, other, 'x')).status).toBe(200);
});

test('REST writes count toward the tenant\'s write budget shared with its widgets', async () => {
  server = await startTestServer({ TENANT_WRITES_PER_MINUTE: '2' });
  const tenant = await createTestTenant(server);
  const client = await TestClient.connect(server.wsUrl);
  expect(await client.subscribe(tenant.tenantId, 'img')).toMatchObject({ type: 'subscribed' });
  expect(await client.write({ type: 'create-chat', tenantId: tenant.tenantId, urlId: 'img', x: 0.5, y: 0.5, text: 'widget' })).toMatchObject({ type: 'ack', seq: 1 });
  expect((await create(server, tenant, 'rest')).body).toMatchObject({ seq: 2 });
  const refused = await create(server, tenant, 'one too many');
  expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate-limited', message: expect.stringContaining('this site passed 2 writes a minute on this server') } } });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  // And the widget's next write finds the budget the REST write spent.
  expect(await client.write({ type: 'create-chat', tenantId: tenant.tenantId, urlId: 'img', x: 0.2, y: 0.2, text: 'widget again' }))
    .toMatchObject({ type: 'error', code: 'rate-limited' });
  client.close();
});
