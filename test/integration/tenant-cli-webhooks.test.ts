/**
 * `npm run tenant -- webhook …` against the database of a node running in the test process: an endpoint
 * registered from the command line gets the node's deliveries, signed with the secret printed once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { rest } from '../helpers/rest.js';
import { signatureValid, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { tenantCli } from '../helpers/tenant-cli.js';

const dir = makeTempDir();
const databaseUrl = `sqlite:${join(dir, 'test.db')}`;
let server: TestServer;
let hook: WebhookReceiver;

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_POLL_MS: '50' }, dir);
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
  await server.close();
  removeDir(dir);
});

const cli = (env: Record<string, string>, ...args: string[]) => tenantCli(databaseUrl, ['webhook', ...args], env);
const allowed = { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on' };

test('add prints the secret once; the node delivers signed with it; list, deliveries, disable, rotate-secret and remove', async () => {
  const tenant = await createTestTenant(server);
  const added = await cli(allowed, 'add', tenant.tenantId, '--url', hook.url, '--event', 'chat.created', '--description', 'from the CLI', '--json');
  expect(added.code, added.stderr).toBe(0);
  const { webhook, secret } = JSON.parse(added.stdout) as { webhook: { id: string; events: string[] }; secret: string };
  expect(webhook.events).toEqual(['chat.created']);
  await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/writes`, { urlId: 'img', type: 'create-chat', x: 0.5, y: 0.5, text: 'hello' });
  const [delivery] = await hook.waitFor((all) => all.some((d) => d.body.tenantId === tenant.tenantId));
  expect(signatureValid(delivery!, secret)).toBe(true);

  expect((await cli({}, 'list', tenant.tenantId)).stdout).toContain(`${webhook.id}\ton\tchat.created\t${hook.url}\tfrom the CLI`);
  for (let i = 0; i < 50 && !(await cli({}, 'deliveries', tenant.tenantId, webhook.id)).stdout.includes('delivered'); i += 1) await new Promise((r) => setTimeout(r, 50));
  expect((await cli({}, 'deliveries', tenant.tenantId, webhook.id)).stdout).toMatch(/chat\.created\timg\tseq 1\tdelivered\t1 attempts\t200/);
  expect((await cli({}, 'disable', tenant.tenantId, webhook.id)).stdout).toContain('off (turned off by the tenant)');
  const rotated = JSON.parse((await cli({}, 'rotate-secret', tenant.tenantId, webhook.id, '--revoke-previous', '--json')).stdout) as { secret: string; previousValidUntil: null };
  expect(rotated).toEqual({ secret: expect.stringMatching(/^whsec_/), previousValidUntil: null });
  expect((await cli({}, 'remove', tenant.tenantId, webhook.id)).code).toBe(0);
  expect((await cli({}, 'list', tenant.tenantId)).stdout).toContain('has no webhooks');
});

test('mistakes exit with 2 and say what is wrong; a private address is refused unless the operator allows it', async () => {
  const tenant = await createTestTenant(server);
  expect(await cli({}, 'add', tenant.tenantId, '--url', hook.url)).toMatchObject({ code: 2, stderr: expect.stringContaining('private') });
  expect(await cli(allowed, 'add', tenant.tenantId, '--url', hook.url, '--event', 'chat.exploded')).toMatchObject({ code: 2, stderr: expect.stringContaining('"events"') });
  expect(await cli({}, 'add', 'nobody', '--url', hook.url)).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant "nobody"') });
  expect(await cli({}, 'disable', tenant.tenantId, 'wh_missing')).toMatchObject({ code: 2, stderr: expect.stringContaining('has no webhook "wh_missing"') });
  expect(await cli({}, 'explode', tenant.tenantId)).toMatchObject({ code: 2, stderr: expect.stringContaining('webhook needs a command') });
});
