/**
 * `npm run tenant`: create (with --json for scripts), list, rotate-secret and rules, against the database of a
 * node running in the test process: what the CLI changes is checked through that node's REST API and WebSocket.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ServerMessage } from '../../shared/index.js';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { helloAnswer } from '../helpers/tenants.js';
import { tenantCli } from '../helpers/tenant-cli.js';

const dir = makeTempDir();
const databaseUrl = `sqlite:${join(dir, 'test.db')}`;
let server: TestServer;

beforeAll(async () => { server = await startTestServer({}, dir); });
afterAll(async () => { await server.close(); removeDir(dir); });

const tenant = (...args: string[]) => tenantCli(databaseUrl, args);

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

const created = async (name: string): Promise<{ tenantId: string; secret: string }> => {
  const result = await tenant('create', '--name', name, '--json');
  expect(result).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as { tenantId: string; secret: string };
};

const restRules = async (tenantId: string, secret: string): Promise<unknown> =>
  (await (await fetch(`${server.url}/api/v1/tenants/${tenantId}/rules`, { headers: { authorization: `Bearer ${secret}` } })).json() as { rules: unknown }).rules;

const rulesText = (tenantId: string, lines: [string, string, string, string, string, string]): string =>
  `rules of tenant "${tenantId}":\n  write:          ${lines[0]}\n  resolve:        ${lines[1]}\n  presence:       ${lines[2]}\n  presence names: ${lines[3]}\n`
  + `  simple SSO:     ${lines[4]}\n  login URL:      ${lines[5]}\n`;

test('rules shows a tenant\'s rules and changes only those asked for; --json prints them as the REST API does', async () => {
  const { tenantId, secret } = await created('Rules Shop');
  expect(await tenant('rules', tenantId)).toEqual({ code: 0, stderr: '', stdout: rulesText(tenantId, ['anyone', 'anyone', 'on', 'on', 'off', 'none']) });

  const changed = await tenant('rules', tenantId, '--write', 'sso-only', '--login-url', 'https://shop.example/login', '--json');
  expect(changed.code).toBe(0);
  const expected = { write: 'sso-only', resolve: 'anyone', presence: true, presenceNames: true, simpleSso: false, loginUrl: 'https://shop.example/login' };
  expect(JSON.parse(changed.stdout)).toEqual({ tenantId, rules: expected });
  expect(await restRules(tenantId, secret)).toEqual(expected);

  expect(await tenant('rules', tenantId, '--resolve', 'authors-and-moderators', '--presence-names', 'off', '--simple-sso', 'on'))
    .toMatchObject({ code: 0, stdout: rulesText(tenantId, ['sso-only', 'authors-and-moderators', 'on', 'off', 'on', 'https://shop.example/login']) });
  expect(await tenant('rules', tenantId, '--write', 'nobody', '--login-url', 'none', '--presence', 'off'))
    .toMatchObject({ code: 0, stdout: rulesText(tenantId, ['nobody', 'authors-and-moderators', 'off', 'off', 'on', 'none']) });
  expect(await restRules(tenantId, secret)).toEqual({ write: 'nobody', resolve: 'authors-and-moderators', presence: false, presenceNames: false, simpleSso: true, loginUrl: null });
});

test('rules refuses bad values with exit code 2 and a message naming them, and changes nothing', async () => {
  const { tenantId, secret } = await created('Strict Shop');
  const refusals: [string[], string][] = [
    [['--write', 'everyone'], 'tenant: "write" must be one of anyone, sso-only, nobody'],
    [['--resolve', 'authors'], 'tenant: "resolve" must be one of anyone, authors-and-moderators'],
    [['--presence-names', 'maybe'], 'tenant: --presence-names must be "on" or "off", got "maybe"'],
    [['--presence', 'no'], 'tenant: --presence must be "on" or "off", got "no"'],
    [['--simple-sso', 'true'], 'tenant: --simple-sso must be "on" or "off", got "true"'],
    [['--login-url', 'http://shop.example/login'], 'tenant: "loginUrl" must be an https URL (http only for localhost) or null'],
    [['--write', 'sso-only', '--login-url', 'javascript:alert(1)'], 'tenant: "loginUrl" must be an https URL'],
    [['--wrte', 'nobody'], "tenant: Unknown option '--wrte'"],
  ];
  for (const [args, message] of refusals) {
    const result = await tenant('rules', tenantId, ...args);
    expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
    expect(result.stderr).toContain(message);
  }
  expect(await tenant('rules', 'no-such-tenant')).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant "no-such-tenant"') });
  expect(await tenant('rules')).toMatchObject({ code: 2, stderr: expect.stringContaining('rules needs one tenant id') });
  expect(await restRules(tenantId, secret)).toEqual({ write: 'anyone', resolve: 'anyone', presence: true, presenceNames: true, simpleSso: false, loginUrl: null });
});

/** A Secure SSO payload, signed here from the published scheme (independent of the product and the examples). */
function signed(userId: string, secret: string) {
  const userDataJSONBase64 = Buffer.from(JSON.stringify({ id: userId })).toString('base64');
  const timestamp = Date.now();
  return { userDataJSONBase64, timestamp, verificationHash: createHmac('sha256', secret).update(`${timestamp}${userDataJSONBase64}`).digest('hex') };
}

/** The running node's answer to a sign-in on `tenantId`: a welcome or the hello's refusal. */
const signIn = (tenantId: string, sso: ReturnType<typeof signed>): Promise<ServerMessage> => helloAnswer(server.wsUrl, tenantId, { sso });

const secretIn = (stdout: string): string => {
  const printed = /secret: +(ics_\S+)/.exec(stdout)?.[1];
  if (!printed) throw new Error(`no secret in:\n${stdout}`);
  return printed;
};

// Each tenant is first used on the node after its rotation, so the node's tenant cache (refreshed every 10 s,
// as docs/sso.md says) holds no copy from before it.
test('rotate-secret prints the new secret; payloads signed with the old one still sign in for the grace period', async () => {
  const { tenantId, secret: first } = await created('Rotating Shop');
  const beforeRotation = signed('r-1', first);
  const rotatedAt = Date.now();
  const rotated = await tenant('rotate-secret', tenantId);
  expect(rotated.code).toBe(0);
  // The grace lasts as long as a payload signed just before the rotation stays valid: 2 days.
  const { previous, previousUntil } = (await server.store.getTenant(tenantId))!.ssoKeys;
  expect(previous).not.toBeNull();
  expect(previousUntil).toBeGreaterThanOrEqual(rotatedAt + 2 * 24 * 3600 * 1000);
  expect(previousUntil).toBeLessThanOrEqual(Date.now() + 2 * 24 * 3600 * 1000);
  expect(rotated.stdout).toContain(`New secret for tenant "${tenantId}" (the old one no longer opens the dashboard or API; SSO payloads signed with it are taken for 2 more days).`);
  expect(rotated.stdout).toContain('Keep the secret now: it is not shown again.');
  const second = secretIn(rotated.stdout);
  expect(second).not.toBe(first);
  expect(await signIn(tenantId, beforeRotation)).toMatchObject({ type: 'welcome', tenantId, user: { id: 'sso:r-1', kind: 'sso' } });
  expect(await signIn(tenantId, signed('r-2', second))).toMatchObject({ type: 'welcome', tenantId, user: { id: 'sso:r-2' } });
});

test('rotate-secret --revoke-previous: payloads signed with the old secret no longer sign in', async () => {
  const { tenantId, secret: first } = await created('Leaky Shop');
  const beforeRotation = signed('r-1', first);
  const rotated = await tenant('rotate-secret', tenantId, '--revoke-previous');
  expect(rotated.code).toBe(0);
  expect(rotated.stdout).toContain(`New secret for tenant "${tenantId}" (the old one no longer works anywhere).`);
  expect((await server.store.getTenant(tenantId))!.ssoKeys).toMatchObject({ previous: null, previousUntil: 0 });
  const second = secretIn(rotated.stdout);
  expect(await signIn(tenantId, beforeRotation)).toMatchObject({ type: 'error', for: 'hello', tenantId, code: 'sso-signature' });
  expect(await signIn(tenantId, signed('r-2', second))).toMatchObject({ type: 'welcome', tenantId, user: { id: 'sso:r-2' } });
});
