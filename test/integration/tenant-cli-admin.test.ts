/**
 * `npm run tenant -- show | update | delete | help` against the database of a node running in the test process:
 * a change is seen by the node (its REST API and WebSocket), a deletion takes the tenant's conversations with it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { rest } from '../helpers/rest.js';
import { tenantCli } from '../helpers/tenant-cli.js';

const dir = makeTempDir();
const databaseUrl = `sqlite:${join(dir, 'test.db')}`;
let server: TestServer;

beforeAll(async () => { server = await startTestServer({}, dir); });
afterAll(async () => { await server.close(); removeDir(dir); });

const tenant = (...args: string[]) => tenantCli(databaseUrl, args);

test('help exits 0 with the usage on stdout; an unknown command exits 2 naming it', async () => {
  for (const word of ['help', '--help']) {
    const help = await tenant(word);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npm run tenant -- delete TENANT_ID --yes');
  }
  expect(await tenant('explode')).toMatchObject({ code: 2, stderr: expect.stringContaining('no command "explode"') });
});

test('show and update print the tenant (JSON on request); update changes what the node allows', async () => {
  const { tenantId, secret } = JSON.parse((await tenant('create', '--name', 'Acme', '--origin', 'https://a.example', '--json')).stdout) as { tenantId: string; secret: string };
  await rest(server.url, secret, 'POST', `/api/v1/tenants/${tenantId}/writes`, { urlId: 'img', type: 'create-chat', x: 0.5, y: 0.5, text: 'hi' });
  const shown = JSON.parse((await tenant('show', tenantId, '--json')).stdout) as Record<string, unknown>;
  expect(shown).toMatchObject({ tenantId, name: 'Acme', origins: ['https://a.example'], images: 1, webhooks: 0, ssoReady: true, rules: { write: 'anyone' } });
  expect(JSON.stringify(shown)).not.toContain(secret);
  expect((await tenant('show', tenantId)).stdout).toContain('origins:   https://a.example');

  const updated = JSON.parse((await tenant('update', tenantId, '--name', 'Acme Shop', '--origin', 'https://b.example', '--origin', 'https://c.example', '--json')).stdout) as Record<string, unknown>;
  expect(updated).toMatchObject({ name: 'Acme Shop', origins: ['https://b.example', 'https://c.example'] });
  expect(await server.store.getTenant(tenantId)).toMatchObject({ name: 'Acme Shop', origins: ['https://b.example', 'https://c.example'] });
  expect(JSON.parse((await tenant('update', tenantId, '--any-origin', '--json')).stdout)).toMatchObject({ origins: [] });
  expect(await tenant('update', tenantId)).toMatchObject({ code: 2, stderr: expect.stringContaining('update needs --name, --origin or --any-origin') });
  expect(await tenant('update', tenantId, '--origin', 'https://a.example/page')).toMatchObject({ code: 2, stderr: expect.stringContaining('bare origin') });
  expect(await tenant('show', 'nobody')).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant "nobody"') });
});

test('delete needs --yes, then removes the tenant with its conversations: its secret and images are gone', async () => {
  const { tenantId, secret } = JSON.parse((await tenant('create', '--name', 'Doomed', '--json')).stdout) as { tenantId: string; secret: string };
  await rest(server.url, secret, 'POST', `/api/v1/tenants/${tenantId}/writes`, { urlId: 'img', type: 'create-chat', x: 0.5, y: 0.5, text: 'hi' });
  expect(await tenant('delete', tenantId)).toMatchObject({ code: 2, stderr: expect.stringContaining('add --yes') });
  expect(await server.store.getTenant(tenantId)).not.toBeNull();
  const deleted = await tenant('delete', tenantId, '--yes', '--json');
  expect(JSON.parse(deleted.stdout)).toEqual({ tenantId, deleted: true });
  expect(await server.store.getTenant(tenantId)).toBeNull();
  expect((await server.store.listImages(tenantId, null, 10)).images).toEqual([]);
  expect((await rest(server.url, secret, 'GET', `/api/v1/tenants/${tenantId}/images`)).status).toBe(401);
  expect(await tenant('delete', tenantId, '--yes')).toMatchObject({ code: 2, stderr: expect.stringContaining(`no tenant "${tenantId}"`) });
});
