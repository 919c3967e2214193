/**
 * The example signers in examples/sso/ (shown in docs/sso.md) against a real node: their payloads sign a user
 * in on a fresh tenant, with the user's non-ASCII name intact (base64 of UTF-8 JSON), and only with that
 * tenant's secret and a fresh timestamp. The Python example runs as a child process with `python3`; the PHP one
 * is not run here (no PHP in the suite's environment, said so in docs/sso.md).
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServerMessage } from '../../shared/index.js';
import { signSsoUser, type SsoPayload } from '../../examples/sso/sign.mjs';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant, helloAnswer } from '../helpers/tenants.js';

const run = promisify(execFile);
const DAY = 24 * 3600 * 1000;
const USER = { id: 'ex-42', displayName: 'Zoë Ångström', email: 'zoe@example.com', avatar: 'https://avatars.example/zoe.png', isModerator: true };
const WELCOMED = { id: 'sso:ex-42', name: 'Zoë Ångström', avatar: 'https://avatars.example/zoe.png', moderator: true, kind: 'sso' };

const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('python3 is not installed: the Python SSO example (examples/sso/sign.py) is not tested');
const pythonTest = hasPython ? test : test.skip;

let server: TestServer;
let tenantId: string;
let secret: string;

beforeAll(async () => {
  server = await startTestServer();
  ({ tenantId, secret } = await createTestTenant(server));
});
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

/** The node's answer to a hello with `sso` for the test's tenant: a welcome or the refusal. */
const helloWith = (sso: unknown): Promise<ServerMessage> => helloAnswer(server.wsUrl, tenantId, { sso });

/** `python3 -c PYTHON_SIGN_AT USER_JSON SECRET NOW_MS`: the Python example's function, imported as a web app would. */
const PYTHON_SIGN_AT = 'import json, sys; sys.path.insert(0, "examples/sso"); from sign import sign_sso_user; '
  + 'print(json.dumps(sign_sso_user(json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]))))';

const parsePayload = (stdout: string): SsoPayload => JSON.parse(stdout) as SsoPayload;

describe('the Node example (examples/sso/sign.mjs)', () => {
  test('signSsoUser signs a user in, as a moderator, with their name and avatar; a wrong secret or an old timestamp is refused', async () => {
    expect(await helloWith(signSsoUser(USER, secret))).toMatchObject({ type: 'welcome', tenantId, user: WELCOMED });
    expect(await helloWith(signSsoUser(USER, `${secret}x`))).toMatchObject({ type: 'error', code: 'sso-signature' });
    expect(await helloWith(signSsoUser(USER, secret, Date.now() - 3 * DAY))).toMatchObject({ type: 'error', code: 'sso-expired' });
  });

  test('run as a command, it prints a payload the node accepts (secret as an argument or from IMAGE_CHAT_API_SECRET)', async () => {
    const byArgument = await run(process.execPath, ['examples/sso/sign.mjs', JSON.stringify(USER), secret]);
    expect(await helloWith(parsePayload(byArgument.stdout))).toMatchObject({ type: 'welcome', user: WELCOMED });
    const byEnvironment = await run(process.execPath, ['examples/sso/sign.mjs', JSON.stringify({ id: 7, username: 'seven' })], { env: { ...process.env, IMAGE_CHAT_API_SECRET: secret } });
    expect(await helloWith(parsePayload(byEnvironment.stdout))).toMatchObject({ type: 'welcome', user: { id: 'sso:7', name: 'seven', moderator: false } });
  });
});

describe('the Python example (examples/sso/sign.py)', () => {
  pythonTest(`run with python3, it prints a payload the node accepts${hasPython ? '' : ' (skipped: python3 is not installed)'}`, async () => {
    const printed = await run('python3', ['examples/sso/sign.py', JSON.stringify(USER)], { env: { ...process.env, IMAGE_CHAT_API_SECRET: secret } });
    const payload = parsePayload(printed.stdout);
    expect(Math.abs(payload.timestamp - Date.now())).toBeLessThan(60_000);
    expect(await helloWith(payload)).toMatchObject({ type: 'welcome', tenantId, user: WELCOMED });
    const withArgument = await run('python3', ['examples/sso/sign.py', JSON.stringify({ id: 'py-1' }), secret]);
    expect(await helloWith(parsePayload(withArgument.stdout))).toMatchObject({ type: 'welcome', user: { id: 'sso:py-1', name: 'User' } });
  });

  pythonTest(`sign_sso_user signs exactly as the Node example for the same user, secret and time${hasPython ? '' : ' (skipped: python3 is not installed)'}`, async () => {
    const now = Date.now() - DAY;
    const printed = await run('python3', ['-c', PYTHON_SIGN_AT, JSON.stringify(USER), secret, String(now)]);
    const payload = parsePayload(printed.stdout);
    expect(payload).toEqual(signSsoUser(USER, secret, now));
    expect(await helloWith(payload)).toMatchObject({ type: 'welcome', user: WELCOMED });
    const stale = parsePayload((await run('python3', ['-c', PYTHON_SIGN_AT, JSON.stringify(USER), secret, String(Date.now() - 3 * DAY)])).stdout);
    expect(await helloWith(stale)).toMatchObject({ type: 'error', code: 'sso-expired' });
  });
});

/** The worked example in docs/sso.md, for checking a port of the signer. */
const WORKED = {
  secret: 'ics_example-secret-not-a-real-one', user: { id: '42', displayName: 'Ann' }, timestamp: 1796000000000,
  payload: { userDataJSONBase64: 'eyJpZCI6IjQyIiwiZGlzcGxheU5hbWUiOiJBbm4ifQ==', verificationHash: '28175c47a0dde607c06ec0918c1244f6bb1542fa88bbd1d9615a61f7d51c911c', timestamp: 1796000000000 },
};

test('both examples reproduce the worked example in docs/sso.md, and the document shows it', async () => {
  expect(signSsoUser(WORKED.user, WORKED.secret, WORKED.timestamp)).toEqual(WORKED.payload);
  const doc = readFileSync('docs/sso.md', 'utf8');
  for (const value of [WORKED.secret, WORKED.payload.userDataJSONBase64, WORKED.payload.verificationHash, String(WORKED.timestamp)]) expect(doc).toContain(value);
  if (!hasPython) return;
  const printed = await run('python3', ['-c', PYTHON_SIGN_AT, JSON.stringify(WORKED.user), WORKED.secret, String(WORKED.timestamp)]);
  expect(parsePayload(printed.stdout)).toEqual(WORKED.payload);
});

test('a mistake in running an example exits with 2 and says how to run it', async () => {
  const env = { ...process.env, IMAGE_CHAT_API_SECRET: '' };
  await expect(run(process.execPath, ['examples/sso/sign.mjs'], { env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
  if (hasPython) await expect(run('python3', ['examples/sso/sign.py'], { env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
});
