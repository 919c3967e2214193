/** `npm run tenant`: create (with --json for scripts), list and rotate-secret, against the server's database. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const dir = makeTempDir();
const databaseUrl = `sqlite:${join(dir, 'test.db')}`;
let server: TestServer;

beforeAll(async () => { server = await startTestServer({}, dir); });
afterAll(async () => { await server.close(); removeDir(dir); });

async function tenant(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'tenant', '--', ...args], { env: { ...process.env, DATABASE_URL: databaseUrl } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

const usageStatus = async (tenantId: string, secret: string): Promise<number> =>
  (await fetch(`${server.url}/api/v1/tenants/${tenantId}/usage`, { headers: { authorization: `Bearer ${secret}` } })).status;

test('create --json prints exactly {"tenantId","secret"}; the secret opens the usage API; rotate-secret replaces it', async () => {
  const created = await tenant('create', '--name', 'Acme Shop', '--origin', 'https://acme.example', '--json');
  expect(created.code).toBe(0);
  const parsed = JSON.parse(created.stdout) as { tenantId: string; secret: string };
  expect(Object.keys(parsed)).toEqual(['tenantId', 'secret']);
  expect(parsed.tenantId).toMatch(/^acme-shop-[a-z0-9]{6}$/);
  expect(parsed.secret).toMatch(/^ics_[A-Za-z0-9_-]{43}$/);
  expect(await usageStatus(parsed.tenantId, parsed.secret)).toBe(200);

  const listed = await tenant('list', '--json');
  expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ tenantId: parsed.tenantId, name: 'Acme Shop', origins: ['https://acme.example'] }));

  const rotated = await tenant('rotate-secret', parsed.tenantId, '--json');
  const next = JSON.parse(rotated.stdout) as { tenantId: string; secret: string };
  expect(next.tenantId).toBe(parsed.tenantId);
  expect(next.secret).not.toBe(parsed.secret);
  expect(await usageStatus(parsed.tenantId, parsed.secret)).toBe(401);
  expect(await usageStatus(parsed.tenantId, next.secret)).toBe(200);
});

test('mistakes exit with 2 and say what is wrong', async () => {
  expect(await tenant('create', '--name', 'X', '--id', 'acme')).toMatchObject({ code: 0 });
  expect(await tenant('create', '--name', 'Again', '--id', 'acme')).toMatchObject({ code: 2, stderr: expect.stringContaining('a tenant "acme" already exists') });
  expect(await tenant('create')).toMatchObject({ code: 2, stderr: expect.stringContaining('create needs --name') });
  expect(await tenant('create', '--name', 'Y', '--origin', 'https://acme.example/page')).toMatchObject({ code: 2, stderr: expect.stringContaining('--origin must be a bare origin') });
  expect(await tenant('rotate-secret', 'nobody')).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant "nobody"') });
  expect(await tenant('frobnicate')).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run tenant') });
});
