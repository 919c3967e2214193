/**
 * Sign-in against a real node: Secure SSO payloads made by a signer written here from FastComments' published
 * scheme (not the product's code), every refusal with its own code, rules per tenant (write, resolve, simple
 * SSO) set through the REST API, roles, and tenant-scoped guest tokens.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHmac, randomUUID } from 'node:crypto';
import type { ServerMessage, WelcomeMessage } from '../../shared/index.js';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { createTestTenant } from '../helpers/tenants.js';
import { newSecret, rotation } from '../../server/auth/tenant-secrets.js';

let server: TestServer;
let demoSecret: string;

beforeAll(async () => {
  server = await startTestServer({ PERSON_WRITES_PER_MINUTE: '100000' });
  demoSecret = server.demoSecret!;
});
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

/** FastComments' Secure SSO, as a site's server does it: base64 of the user JSON, hex HMAC-SHA256 of timestamp + that. */
function sign(user: unknown, secret: string, timestamp = Date.now(), rawJson?: string) {
  const userDataJSONBase64 = Buffer.from(rawJson ?? JSON.stringify(user), 'utf8').toString('base64');
  const verificationHash = createHmac('sha256', secret).update(`${timestamp}${userDataJSONBase64}`).digest('hex');
  return { userDataJSONBase64, verificationHash, timestamp };
}

const DAY = 24 * 3600 * 1000;
const AVATAR = 'https://avatars.example/ann.png';

async function hello(client: TestClient, fields: Record<string, unknown>): Promise<ServerMessage> {
  const from = client.frames.length;
  client.send({ type: 'hello', tenantId: 'demo', ...fields });
  return client.next((m) => m.type === 'welcome' || (m.type === 'error' && m.for === 'hello'), 5000, from);
}

async function signedIn(user: Record<string, unknown>): Promise<TestClient> {
  const client = await TestClient.connect(server.wsUrl);
  const answer = await hello(client, { sso: sign(user, demoSecret) });
  if (answer.type !== 'welcome') throw new Error(`not signed in: ${JSON.stringify(answer)}`);
  return client;
}

async function setRules(tenantId: string, secret: string, change: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.url}/api/v1/tenants/${tenantId}/rules`, {
    method: 'PUT', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(change),
  });
}

describe('Secure SSO', () => {
  test('a signed user is welcomed as themselves, and their comments carry their id, name and avatar (never their email)', async () => {
    const client = await TestClient.connect(server.wsUrl);
    const welcome = await hello(client, { sso: sign({ id: 'ann-1', displayName: 'Ann', email: 'ann@example.com', avatar: AVATAR, unknownField: 7 }, demoSecret) }) as WelcomeMessage;
    expect(welcome).toMatchObject({ type: 'welcome', tenantId: 'demo', user: { id: 'sso:ann-1', name: 'Ann', avatar: AVATAR, moderator: false, kind: 'sso' }, rules: { write: 'anyone' } });
    const urlId = `img-${randomUUID()}`;
    const watcher = await TestClient.connect(server.wsUrl);
    await watcher.subscribe('demo', urlId);
    await client.subscribe('demo', urlId);
    expect(await client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'signed' })).toMatchObject({ type: 'ack' });
    const [event] = await watcher.waitForEvents(1);
    expect(event).toMatchObject({ chat: { author: { id: 'sso:ann-1', name: 'Ann' }, comments: [{ author: { id: 'sso:ann-1', name: 'Ann', avatar: AVATAR } }] } });
    expect(JSON.stringify(watcher.frames)).not.toContain('ann@example.com');
    client.close();
    watcher.close();
  });

  const good = { id: 'u-7', username: 'seven' };
  // Payloads are made when each test runs: the demo secret is known only once the node is up.
  const resigned = (payload: ReturnType<typeof sign>, userDataJSONBase64: string) =>
    ({ ...payload, userDataJSONBase64, verificationHash: createHmac('sha256', demoSecret).update(`${payload.timestamp}${userDataJSONBase64}`).digest('hex') });
  test.each<[string, () => ReturnType<typeof sign>, string]>([
    ['a wrong hash', () => ({ ...sign(good, demoSecret), verificationHash: 'ab'.repeat(32) }), 'sso-signature'],
    ['another tenant\'s secret', () => sign(good, 'ics_another-tenants-secret'), 'sso-signature'],
    ['a timestamp in the future', () => sign(good, demoSecret, Date.now() + 60 * 60 * 1000), 'sso-future'],
    ['a 3-day-old timestamp', () => sign(good, demoSecret, Date.now() - 3 * DAY), 'sso-expired'],
    ['malformed base64', () => { const p = sign(good, demoSecret); return resigned(p, `${p.userDataJSONBase64.slice(0, -2)}*=`); }, 'sso-encoding'],
    ['malformed JSON', () => sign(null, demoSecret, Date.now(), '{"id": "u-7",'), 'sso-json'],
    ['a user without an id', () => sign({ username: 'no id' }, demoSecret), 'sso-user'],
    ['an avatar that is not https or a data image', () => sign({ id: 'u-8', avatar: 'javascript:alert(1)' }, demoSecret), 'sso-user'],
    ['half a character in the name', () => sign(null, demoSecret, Date.now(), '{"id":"u-9","displayName":"Ann \\ud83d"}'), 'sso-user'],
  ])('%s is refused with its own code, and the connection lives on', async (_what, payload, code) => {
    const client = await TestClient.connect(server.wsUrl);
    expect(await hello(client, { sso: payload() })).toMatchObject({ type: 'error', for: 'hello', tenantId: 'demo', code });
    client.send({ type: 'ping' });
    await client.nextOfType('pong');
    // Still the tenant's guest: a plain hello for the tenant works.
    expect(await hello(client, {})).toMatchObject({ type: 'welcome', tenantId: 'demo', user: { kind: 'guest' } });
    client.close();
  });

  test('a payload signed with the previous secret still signs in after a rotation, unless the previous one was revoked', async () => {
    const tenantId = `rot-${randomUUID().slice(0, 8)}`;
    const box = server.secrets;
    const first = newSecret(box);
    await server.store.createTenant({ id: tenantId, name: 'Rotating', origins: [], secretHash: first.secretHash, ssoKey: first.ssoKey });
    const oldPayload = sign({ id: 'r-1' }, first.secret);
    const second = rotation(box, false);
    await server.store.rotateTenantSecret(tenantId, second.change);
    server.service.tenants.forget(tenantId);
    const client = await TestClient.connect(server.wsUrl);
    const answer = (fields: Record<string, unknown>) => {
      const from = client.frames.length;
      client.send({ type: 'hello', tenantId, ...fields });
      return client.next((m) => m.type === 'welcome' || m.type === 'error', 5000, from);
    };
    expect(await answer({ sso: oldPayload })).toMatchObject({ type: 'welcome', user: { id: 'sso:r-1' } });
    expect(await answer({ sso: sign({ id: 'r-1' }, second.secret) })).toMatchObject({ type: 'welcome', user: { id: 'sso:r-1' } });
    await server.store.rotateTenantSecret(tenantId, rotation(box, true).change);
    server.service.tenants.forget(tenantId);
    expect(await answer({ sso: oldPayload })).toMatchObject({ type: 'error', code: 'sso-signature' });
    client.close();
  });
});

test('a long name is cut by whole characters, never inside one, and its writes are stored', async () => {
  const client = await TestClient.connect(server.wsUrl);
  const welcome = await hello(client, { sso: sign({ id: 'emoji', displayName: `a${'😀'.repeat(100)}` }, demoSecret) }) as WelcomeMessage;
  expect(Array.from(welcome.user.name)).toHaveLength(64);
  expect(welcome.user.name.endsWith('😀')).toBe(true);
  const urlId = `img-${randomUUID()}`;
  await client.subscribe('demo', urlId);
  expect(await client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'emoji' })).toMatchObject({ type: 'ack' });
  client.close();
});

describe('roles and rules', () => {
  test('an SSO moderator deletes others\' comments and markers; a normal user cannot; an author deletes their own', async () => {
    const urlId = `img-${randomUUID()}`;
    const bob = await signedIn({ id: 'bob', displayName: 'Bob' });
    const cleo = await signedIn({ id: 'cleo', displayName: 'Cleo' });
    const ann = await signedIn({ id: 'ann', displayName: 'Ann', isModerator: true });
    for (const client of [bob, cleo, ann]) await client.subscribe('demo', urlId);
    const chatId = randomUUID();
    await bob.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.2, y: 0.2, text: 'first' });
    const reply = randomUUID();
    await bob.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, commentId: reply, text: 'second' });
    const own = randomUUID();
    await cleo.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, commentId: own, text: 'mine' });
    expect(await cleo.write({ type: 'delete-comment', tenantId: 'demo', urlId, chatId, commentId: reply })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await cleo.write({ type: 'delete-chat', tenantId: 'demo', urlId, chatId })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await cleo.write({ type: 'delete-comment', tenantId: 'demo', urlId, chatId, commentId: own })).toMatchObject({ type: 'ack' });
    expect(await ann.write({ type: 'delete-comment', tenantId: 'demo', urlId, chatId, commentId: reply })).toMatchObject({ type: 'ack' });
    expect(await ann.write({ type: 'delete-chat', tenantId: 'demo', urlId, chatId })).toMatchObject({ type: 'ack' });
    const events = await bob.waitForEvents(6);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['image-chat-updated', 'deleted-image-chat']);
    for (const client of [bob, cleo, ann]) client.close();
  });

  test('rules are the tenant\'s to set over REST: sso-only, resolve by authors and moderators, nobody; bad rules and other tenants\' secrets are refused', async () => {
    const { tenantId, secret } = await createTestTenant(server);
    expect((await setRules(tenantId, secret, { write: 'everyone' })).status).toBe(400);
    expect((await setRules(tenantId, demoSecret, { write: 'nobody' })).status).toBe(403);
    expect((await setRules(tenantId, secret, { wrte: 'nobody' })).status).toBe(400);
    const asText = await fetch(`${server.url}/api/v1/tenants/${tenantId}/rules`, {
      method: 'PUT', headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/plain' }, body: JSON.stringify({ write: 'nobody' }),
    });
    expect(asText.status).toBe(400);
    const put = await setRules(tenantId, secret, { write: 'sso-only', resolve: 'authors-and-moderators', loginUrl: 'https://shop.example/login' });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ tenantId, rules: { write: 'sso-only', resolve: 'authors-and-moderators', presence: true, presenceNames: true, simpleSso: false, loginUrl: 'https://shop.example/login' } });

    const urlId = `img-${randomUUID()}`;
    const guest = await TestClient.connect(server.wsUrl);
    const guestHello = await (async () => { guest.send({ type: 'hello', tenantId }); return guest.nextOfType('welcome'); })();
    expect(guestHello).toMatchObject({ tenantId, user: { kind: 'guest' }, rules: { write: 'sso-only', loginUrl: 'https://shop.example/login' } });
    await guest.subscribe(tenantId, urlId);
    const member = await TestClient.connect(server.wsUrl);
    member.send({ type: 'hello', tenantId, sso: sign({ id: 'm1', displayName: 'Member' }, secret) });
    await member.nextOfType('welcome');
    const other = await TestClient.connect(server.wsUrl);
    other.send({ type: 'hello', tenantId, sso: sign({ id: 'm2', displayName: 'Other' }, secret) });
    await other.nextOfType('welcome');
    const chatId = randomUUID();
    // The guest reads live, but cannot write.
    expect(await member.write({ type: 'create-chat', tenantId, urlId, chatId, x: 0.5, y: 0.5, text: 'members only' })).toMatchObject({ type: 'ack' });
    await guest.waitForEvents(1);
    expect(await guest.write({ type: 'add-comment', tenantId, urlId, chatId, text: 'me too' })).toMatchObject({ type: 'error', code: 'sign-in-required' });
    // Only the marker's author (or a moderator) resolves it.
    expect(await other.write({ type: 'resolve-chat', tenantId, urlId, chatId, resolved: true })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await member.write({ type: 'resolve-chat', tenantId, urlId, chatId, resolved: true })).toMatchObject({ type: 'ack' });

    expect((await setRules(tenantId, secret, { write: 'nobody' })).status).toBe(200);
    expect(await member.write({ type: 'add-comment', tenantId, urlId, chatId, text: 'closed?' })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await guest.write({ type: 'add-comment', tenantId, urlId, chatId, text: 'closed?' })).toMatchObject({ type: 'error', code: 'forbidden' });
    // The tenant's admin may still moderate a read-only site.
    const admin = await TestClient.connect(server.wsUrl);
    admin.send({ type: 'subscribe-tenant', tenantId, secret });
    await admin.nextOfType('subscribed');
    expect(await admin.write({ type: 'delete-chat', tenantId, urlId, chatId })).toMatchObject({ type: 'ack' });
    for (const client of [guest, member, other, admin]) client.close();
  });

  test('simple SSO is off by default; once on, the page\'s unsigned identity is taken and marked as such', async () => {
    const { tenantId, secret } = await createTestTenant(server);
    const client = await TestClient.connect(server.wsUrl);
    client.send({ type: 'hello', tenantId, simpleSso: { name: 'Pat', id: 'pat-9' } });
    expect(await client.next((m) => m.type === 'error' || m.type === 'welcome')).toMatchObject({ type: 'error', for: 'hello', code: 'forbidden' });
    expect((await setRules(tenantId, secret, { simpleSso: true })).status).toBe(200);
    const from = client.frames.length;
    client.send({ type: 'hello', tenantId, simpleSso: { name: 'Pat', id: 'pat-9' } });
    expect(await client.next((m) => m.type === 'welcome', 5000, from)).toMatchObject({ tenantId, user: { id: 'simple:pat-9', name: 'Pat', kind: 'simple', moderator: false } });
    // Turned off again (say, for impersonation): the unsigned identity ends at once and Pat goes on as a guest.
    const urlId = `img-${randomUUID()}`;
    await client.subscribe(tenantId, urlId);
    const rewelcome = client.next((m) => m.type === 'welcome', 5000, client.frames.length);
    expect((await setRules(tenantId, secret, { simpleSso: false, write: 'sso-only' })).status).toBe(200);
    expect(await rewelcome).toMatchObject({ tenantId, user: { name: 'Pat', kind: 'guest' }, rules: { simpleSso: false } });
    expect(await client.write({ type: 'create-chat', tenantId, urlId, x: 0.5, y: 0.5, text: 'still me?' })).toMatchObject({ type: 'error', code: 'sign-in-required' });
    client.close();
  });
});

describe('guest identities are per tenant', () => {
  test('a session token of tenant A is no identity on tenant B; on A it keeps the guest', async () => {
    const { tenantId: other } = await createTestTenant(server);
    const first = await TestClient.connect(server.wsUrl);
    first.send({ type: 'hello', tenantId: 'demo', name: 'Guest A' });
    const onDemo = (await first.nextOfType('welcome')) as WelcomeMessage;
    first.close();
    const second = await TestClient.connect(server.wsUrl);
    second.send({ type: 'hello', tenantId: 'demo', session: onDemo.session });
    expect(((await second.nextOfType('welcome')) as WelcomeMessage).user.id).toBe(onDemo.user.id);
    second.send({ type: 'hello', tenantId: other, session: onDemo.session });
    const onOther = (await second.nextOfType('welcome')) as WelcomeMessage;
    expect(onOther.tenantId).toBe(other);
    expect(onOther.user.id).not.toBe(onDemo.user.id);
    // A signed-in person's token does not make a guest of them either (logging out).
    const ann = await TestClient.connect(server.wsUrl);
    ann.send({ type: 'hello', tenantId: 'demo', sso: sign({ id: 'ann-out' }, demoSecret) });
    const signed = (await ann.nextOfType('welcome')) as WelcomeMessage;
    ann.send({ type: 'hello', tenantId: 'demo', session: signed.session });
    const loggedOut = (await ann.nextOfType('welcome')) as WelcomeMessage;
    expect(loggedOut.user).toMatchObject({ kind: 'guest' });
    expect(loggedOut.user.id).not.toBe('sso:ann-out');
    second.close();
    ann.close();
  });
});

describe('open connections hear rule changes', () => {
  test('a connection that said hello to a tenant is welcomed again with its new rules, as the same person', async () => {
    const { tenantId, secret } = await createTestTenant(server);
    const client = await TestClient.connect(server.wsUrl);
    client.send({ type: 'hello', tenantId, name: 'Reader' });
    const first = (await client.nextOfType('welcome')) as WelcomeMessage;
    expect(first.rules).toMatchObject({ write: 'anyone' });
    const stranger = await TestClient.connect(server.wsUrl);
    const next = client.nextOfType('welcome');
    expect((await setRules(tenantId, secret, { write: 'sso-only', loginUrl: 'https://shop.example/in' })).status).toBe(200);
    const again = (await next) as WelcomeMessage;
    expect(again).toMatchObject({ tenantId, user: { id: first.user.id, name: 'Reader', kind: 'guest' }, rules: { write: 'sso-only', loginUrl: 'https://shop.example/in' } });
    // A connection that never said hello to the tenant hears nothing of it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stranger.frames.filter((m) => m.type === 'welcome')).toEqual([]);
    client.close();
    stranger.close();
  });
});

describe('order of hellos and writes', () => {
  test('a write sent right after a hello is made by the person that hello named', async () => {
    const urlId = `img-${randomUUID()}`;
    const watcher = await TestClient.connect(server.wsUrl);
    await watcher.subscribe('demo', urlId);
    const client = await TestClient.connect(server.wsUrl);
    client.send({ type: 'hello', tenantId: 'demo' });
    await client.nextOfType('welcome');
    // Sent together: the tenant hello takes a lookup, the write must still see its name (and the SSO sign-in).
    client.send({ type: 'hello', name: 'Renamed' });
    client.send({ type: 'hello', tenantId: 'demo', name: 'Renamed' });
    client.send({ type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId, x: 0.1, y: 0.1, text: 'as Renamed' });
    client.send({ type: 'hello', tenantId: 'demo', sso: sign({ id: 'ordered', displayName: 'Signed' }, demoSecret) });
    client.send({ type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId, x: 0.2, y: 0.2, text: 'as Signed' });
    const events = await watcher.waitForEvents(2);
    expect(events.map((e) => (e.type === 'new-image-chat' ? e.chat.author.name : ''))).toEqual(['Renamed', 'Signed']);
    expect(events[1]).toMatchObject({ chat: { author: { id: 'sso:ordered' } } });
    client.close();
    watcher.close();
  });
});
