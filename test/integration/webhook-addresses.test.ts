/**
 * A tenant cannot make a node probe its own network through webhooks (docs/webhooks.md#limits): by default an
 * endpoint on a loopback, private or link-local address is refused when registered, and a delivery to one (an
 * endpoint stored while the operator allowed them, or a name that now resolves to one) is refused when sent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let server: TestServer;
let hook: WebhookReceiver;

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_DELAYS_MS: '60000' });
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
  await server.close();
  removeDir(server.dataDir);
});

test('private, loopback and link-local URLs are refused at registration by default', async () => {
  const tenant = await createTestTenant(server);
  const port = new URL(hook.url).port;
  for (const url of [
    hook.url, `http://localhost:${port}/hook`, `http://[::1]:${port}/`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/',
    'http://192.168.0.10/', `http://0x7f000001:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, 'http://0.0.0.0/', 'http://no-such-host.invalid/',
    `http://[::127.0.0.1]:${port}/`, 'http://[::a9fe:a9fe]/', 'http://[2002:7f00:1::]/', 'http://[64:ff9b:1::7f00:1]/',
  ]) {
    const answer = await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/webhooks`, { url });
    expect(answer.status, url).toBe(400);
    expect(answer.body.error, url).toMatchObject({ code: 'invalid-field', message: expect.stringMatching(/private|resolve/) });
  }
});

test('a delivery to a private address is refused when sent, and the dashboard is told why', async () => {
  const tenant = await createTestTenant(server);
  // As if registered while the operator allowed private addresses: stored directly.
  const webhookId = `wh_${randomUUID().replaceAll('-', '')}`;
  await server.store.createWebhookEndpoint({
    id: webhookId, tenantId: tenant.tenantId, url: hook.url, description: '', events: ['*'], enabled: true, disabledReason: null,
    createdAt: Date.now(), secrets: { current: server.secrets.seal('whsec_x'), previous: null, previousUntil: 0 },
  }, 10);
  await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/writes`, { urlId: 'img', type: 'create-chat', x: 0.5, y: 0.5, text: 'probe' });
  let delivery: { state: string; attempts: number; lastError: string | null } | undefined;
  for (let i = 0; i < 100 && !delivery?.attempts; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    delivery = ((await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/webhooks/${webhookId}/deliveries`)).body.deliveries as typeof delivery[])[0];
  }
  expect(delivery).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('private') });
  expect(hook.received).toHaveLength(0);
});
