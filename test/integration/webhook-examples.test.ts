/**
 * The Node verifier in examples/webhooks (docs/webhooks.md#verifying) accepts what a real node sends, and refuses a
 * changed body, a wrong secret and a stale timestamp.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startReceiver, verifyDelivery } from '../../examples/webhooks/verify.mjs';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { rest } from '../helpers/rest.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_POLL_MS: '50' }); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

test('the example receiver verifies a real delivery and hands the event over once', async () => {
  const tenant = await createTestTenant(server);
  const events: { type: string; urlId: string }[] = [];
  let secret = '';
  const receiver = startReceiver({ port: 0, secrets: [], onEvent: (event) => events.push(event as { type: string; urlId: string }) });
  await new Promise((resolve) => receiver.once('listening', resolve));
  const port = (receiver.address() as AddressInfo).port;
  // The example takes its secrets when started; a test learns the secret only once the endpoint exists, so it restarts.
  receiver.close();
  const made = await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/webhooks`, { url: `http://127.0.0.1:${port}/` });
  secret = made.body.secret as string;
  const verifying = startReceiver({ port, secrets: [secret], onEvent: (event) => events.push(event as { type: string; urlId: string }) });
  await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/writes`, { urlId: 'photo-1', type: 'create-chat', x: 0.5, y: 0.5, text: 'hi' });
  for (let i = 0; i < 100 && events.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  verifying.close();
  expect(events).toMatchObject([{ type: 'chat.created', urlId: 'photo-1' }]);
  const webhookId = (made.body.webhook as { id: string }).id;
  const deliveries = (await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/webhooks/${webhookId}/deliveries`)).body.deliveries;
  expect(deliveries).toMatchObject([{ state: 'delivered', lastStatus: 204 }]);
});

test('the example verifier refuses a changed body, a wrong secret and a timestamp over five minutes off', () => {
  const secret = 'whsec_example';
  const now = Date.now();
  const timestamp = String(Math.floor(now / 1000));
  const body = '{"id":"e1","type":"chat.created"}';
  const signature = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  expect(verifyDelivery(body, timestamp, signature, [secret], now)).toBe(true);
  expect(verifyDelivery(body, timestamp, `sha256=${'0'.repeat(64)},${signature}`, [secret], now)).toBe(true);
  expect(verifyDelivery(body.replace('e1', 'e2'), timestamp, signature, [secret], now)).toBe(false);
  expect(verifyDelivery(body, timestamp, signature, ['whsec_other'], now)).toBe(false);
  expect(verifyDelivery(body, timestamp, signature, [secret], now + 301_000)).toBe(false);
  expect(verifyDelivery(body, undefined, signature, [secret], now)).toBe(false);
});
