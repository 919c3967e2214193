/**
 * Presence on one real node (issue 15, docs/protocol.md#presence): snapshots after `subscribed`, deltas, one
 * person in many tabs counted once, typing to the others only and throttled, the tenant rules `presence` and
 * `presenceNames`, isolation between tenants and images, validation, and metering as pub/sub traffic.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { PresenceDeltaMessage, PresenceMessage, ServerMessage, WelcomeMessage } from '../../shared/index.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { createTestTenant } from '../helpers/tenants.js';

let server: TestServer;
let tenant: { tenantId: string; secret: string };
beforeAll(async () => {
  server = await startTestServer();
  tenant = await createTestTenant(server);
});
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

const open: TestClient[] = [];
afterAll(() => { for (const client of open) client.close(); });

interface Person { client: TestClient; id: string; session: string }

/** A connection that said hello with `name` (or with the session of an earlier one: the same person in another tab). */
async function person(name: string | undefined, session?: string): Promise<Person> {
  const client = await TestClient.connect(server.wsUrl);
  open.push(client);
  client.send({ type: 'hello', ...(name !== undefined ? { name } : {}), ...(session ? { session } : {}) });
  const welcome = await client.nextOfType<WelcomeMessage>('welcome');
  return { client, id: welcome.user.id, session: welcome.session };
}

const isPresence = (urlId: string) => (m: ServerMessage): m is PresenceMessage => m.type === 'presence' && m.urlId === urlId;
const presenceOf = (client: TestClient, urlId: string): PresenceMessage[] => client.frames.filter(isPresence(urlId));
const deltasOf = (client: TestClient, urlId: string): PresenceDeltaMessage[] =>
  presenceOf(client, urlId).filter((m): m is PresenceDeltaMessage => m.snapshot !== true);

/** Subscribes and returns the presence snapshot that follows the `subscribed` answer. */
async function watch(client: TestClient, tenantId: string, urlId: string): Promise<PresenceMessage> {
  const from = client.frames.length;
  const answer = await client.subscribe(tenantId, urlId);
  expect(answer.type).toBe('subscribed');
  return client.next<PresenceMessage>((m) => isPresence(urlId)(m) && m.snapshot === true, 5000, from);
}

/** The first presence delta of the image arriving after now that matches. */
function nextPresence(client: TestClient, urlId: string, predicate: (m: PresenceDeltaMessage) => boolean): Promise<PresenceDeltaMessage> {
  return client.next<PresenceDeltaMessage>((m) => isPresence(urlId)(m) && m.snapshot !== true && predicate(m), 5000, client.frames.length);
}

async function setRules(tenantId: string, secret: string, change: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/api/v1/tenants/${tenantId}/rules`, {
    method: 'PUT', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(change),
  });
  expect(response.status).toBe(200);
}

describe('who is viewing', () => {
  test('two people see each other and the count 2; a second tab of one keeps 2; closing the other makes it 1', async () => {
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const bob = await person('Bob');
    const annFirst = await watch(ann.client, 'demo', urlId);
    expect(annFirst).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 1, snapshot: true, viewers: [{ id: ann.id, name: 'Ann' }] });
    const bobFirst = await watch(bob.client, 'demo', urlId);
    expect(bobFirst).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 2, snapshot: true, viewers: [{ id: ann.id, name: 'Ann' }, { id: bob.id, name: 'Bob' }] });
    const annSees = await nextPresence(ann.client, urlId, (m) => m.count === 2);
    expect(annSees).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 2, joined: [{ id: bob.id, name: 'Bob' }] });

    // Ann's second tab: the same person (her session), so still two people.
    const annTab = await person('Ann', ann.session);
    expect(annTab.id).toBe(ann.id);
    expect(await watch(annTab.client, 'demo', urlId)).toMatchObject({ count: 2, viewers: [{ id: ann.id }, { id: bob.id }] });
    // A third person makes 3 (not 4) for everyone.
    const cas = await person('Cas');
    expect(await watch(cas.client, 'demo', urlId)).toMatchObject({ count: 3 });
    expect(await nextPresence(bob.client, urlId, (m) => m.joined !== undefined)).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 3, joined: [{ id: cas.id, name: 'Cas' }] });
    expect(presenceOf(bob.client, urlId).map((m) => m.count)).not.toContain(4);

    // Bob closes his only tab: the others see 2 and Bob leave; one of Ann's two tabs closing changes nothing.
    annTab.client.close();
    bob.client.close();
    expect(await nextPresence(ann.client, urlId, (m) => m.left !== undefined)).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 2, left: [bob.id] });
    cas.client.close();
    expect(await nextPresence(ann.client, urlId, (m) => m.count === 1)).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 1, left: [cas.id] });
  });

  test('anonymous guests count but are never listed, and their ids are never sent', async () => {
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    await watch(ann.client, 'demo', urlId);
    const silent = await TestClient.connect(server.wsUrl); // never says hello
    open.push(silent);
    const nameless = await person(undefined); // says hello without a name
    expect(await watch(silent, 'demo', urlId)).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 2, snapshot: true, viewers: [{ id: ann.id, name: 'Ann' }] });
    expect(await watch(nameless.client, 'demo', urlId)).toEqual({ type: 'presence', tenantId: 'demo', urlId, count: 3, snapshot: true, viewers: [{ id: ann.id, name: 'Ann' }] });
    await nextPresence(ann.client, urlId, (m) => m.count === 3);
    const everything = JSON.stringify(ann.client.frames);
    expect(everything).not.toContain(nameless.id);
  });

  test('a resubscribe gets a fresh snapshot', async () => {
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const bob = await person('Bob');
    await watch(ann.client, 'demo', urlId);
    await watch(bob.client, 'demo', urlId);
    expect(await watch(ann.client, 'demo', urlId)).toMatchObject({ count: 2, snapshot: true, viewers: [{ id: ann.id }, { id: bob.id }] });
  });

  test('a hello on an open connection lists the person from then on', async () => {
    const urlId = `img-${randomUUID()}`;
    const { tenantId } = await createTestTenant(server);
    const watcher = await person('Watcher');
    await watch(watcher.client, tenantId, urlId);
    const late = await TestClient.connect(server.wsUrl);
    open.push(late);
    await watch(late, tenantId, urlId);
    expect(await nextPresence(watcher.client, urlId, (m) => m.count === 2)).toEqual({ type: 'presence', tenantId, urlId, count: 2 });
    late.send({ type: 'hello', tenantId, name: 'Late' });
    const welcome = await late.nextOfType<WelcomeMessage>('welcome');
    expect(await nextPresence(watcher.client, urlId, (m) => m.joined !== undefined)).toEqual({ type: 'presence', tenantId, urlId, count: 2, joined: [{ id: welcome.user.id, name: 'Late' }] });
  });
});

describe('typing', () => {
  test('reaches the other person, never the typer\'s own tabs; stopped ends it; extra signals within a second are dropped', async () => {
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const annTab = await person('Ann', ann.session);
    const bob = await person('Bob');
    await watch(ann.client, 'demo', urlId);
    await watch(annTab.client, 'demo', urlId);
    await watch(bob.client, 'demo', urlId);
    const chatId = randomUUID();
    for (let i = 0; i < 5; i += 1) ann.client.send({ type: 'typing', tenantId: 'demo', urlId, chatId });
    expect(await nextPresence(bob.client, urlId, (m) => m.typing !== undefined)).toMatchObject({ typing: [{ id: ann.id, name: 'Ann', chatId }] });
    ann.client.send({ type: 'typing', tenantId: 'demo', urlId, chatId, stopped: true });
    expect(await nextPresence(bob.client, urlId, (m) => m.stoppedTyping !== undefined)).toMatchObject({ stoppedTyping: [{ id: ann.id, chatId }] });
    // Five signals, one forwarded.
    expect(deltasOf(bob.client, urlId).flatMap((m) => m.typing ?? [])).toHaveLength(1);
    // A later change every tab sees is the fence: by then Ann's tabs would have had the typing frames.
    const cas = await person('Cas');
    await watch(cas.client, 'demo', urlId);
    await Promise.all([ann.client, annTab.client].map((tab) => nextPresence(tab, urlId, (m) => m.count === 3)));
    for (const tab of [ann.client, annTab.client]) {
      expect(deltasOf(tab, urlId).filter((m) => m.typing !== undefined || m.stoppedTyping !== undefined)).toEqual([]);
    }
    // Bob types: Ann's both tabs see it.
    bob.client.send({ type: 'typing', tenantId: 'demo', urlId, chatId });
    expect(await nextPresence(annTab.client, urlId, (m) => m.typing !== undefined)).toMatchObject({ typing: [{ id: bob.id, name: 'Bob', chatId }] });
  });

  test('an anonymous guest\'s typing carries an opaque id and no name', async () => {
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const guest = await person(undefined);
    await watch(ann.client, 'demo', urlId);
    await watch(guest.client, 'demo', urlId);
    guest.client.send({ type: 'typing', tenantId: 'demo', urlId, chatId: 'c1' });
    const frame = await nextPresence(ann.client, urlId, (m) => m.typing !== undefined);
    expect(frame.typing).toHaveLength(1);
    expect(frame.typing![0]!.id).toMatch(/^t-/);
    expect(frame.typing![0]).not.toHaveProperty('name');
    expect(JSON.stringify(frame)).not.toContain(guest.id);
  });

  test('bad typing frames are refused with their reason; a connection that is not subscribed gets bad-request', async () => {
    const ann = await person('Ann');
    ann.client.send({ type: 'typing', tenantId: 'demo', urlId: 'not-watched', chatId: 'c1' });
    expect(await ann.client.next((m) => m.type === 'error')).toEqual({
      type: 'error', code: 'bad-request', message: 'subscribe to the image before typing in it', for: 'typing', tenantId: 'demo', urlId: 'not-watched',
    });
    const from = ann.client.frames.length;
    ann.client.send({ type: 'typing', tenantId: 'demo', urlId: 'x', chatId: 'no spaces' });
    expect(await ann.client.next((m) => m.type === 'error', 5000, from)).toEqual({
      type: 'error', code: 'invalid-field', message: '"chatId" may hold only letters, digits, "-" and "_"', for: 'typing',
    });
  });
});

describe('isolation and rules', () => {
  test('no presence frame reaches a connection of another tenant or of another image', async () => {
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const bob = await person('Bob');
    const otherTenant = await person('Oscar');
    const otherImage = await person('Ivy');
    await watch(otherTenant.client, tenant.tenantId, urlId); // the same urlId, another tenant
    await watch(otherImage.client, 'demo', `${urlId}-other`);
    await watch(ann.client, 'demo', urlId);
    await watch(bob.client, 'demo', urlId);
    ann.client.send({ type: 'typing', tenantId: 'demo', urlId, chatId: 'c1' });
    await nextPresence(bob.client, urlId, (m) => m.typing !== undefined);
    // Fences: a change each of them must see, after everything above.
    const fenceA = await person('Fence');
    await watch(fenceA.client, tenant.tenantId, urlId);
    await otherTenant.client.next((m) => m.type === 'presence' && m.count === 2);
    await watch(fenceA.client, 'demo', `${urlId}-other`);
    await otherImage.client.next((m) => m.type === 'presence' && m.count === 2);
    for (const [client, tenantId, image] of [[otherTenant.client, tenant.tenantId, urlId], [otherImage.client, 'demo', `${urlId}-other`]] as const) {
      const frames = client.frames.filter((m): m is PresenceMessage => m.type === 'presence');
      expect(frames.length).toBeGreaterThan(0);
      for (const frame of frames) expect([frame.tenantId, frame.urlId]).toEqual([tenantId, image]);
      expect(JSON.stringify(frames)).not.toContain(ann.id);
    }
  });

  test('presence off: nothing is sent and typing is accepted and dropped; on again: a snapshot', async () => {
    const { tenantId, secret } = await createTestTenant(server);
    await setRules(tenantId, secret, { presence: false });
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const bob = await person('Bob');
    expect((await ann.client.subscribe(tenantId, urlId)).type).toBe('subscribed');
    expect((await bob.client.subscribe(tenantId, urlId)).type).toBe('subscribed');
    bob.client.send({ type: 'typing', tenantId, urlId, chatId: 'c1' });
    bob.client.send({ type: 'ping' });
    await bob.client.nextOfType('pong');
    await setRules(tenantId, secret, { presence: true });
    const snapshot = await ann.client.next<PresenceMessage>((m) => m.type === 'presence');
    expect(snapshot).toEqual({ type: 'presence', tenantId, urlId, count: 2, snapshot: true, viewers: [{ id: ann.id, name: 'Ann' }, { id: bob.id, name: 'Bob' }] });
    // Nothing before it: the first presence frame either received is the snapshot of the rule turned on.
    expect(ann.client.frames.filter((m) => m.type === 'presence')).toEqual([snapshot]);
    expect(deltasOf(bob.client, urlId)).toEqual([]);
    expect(bob.client.frames.some((m) => m.type === 'error')).toBe(false);
  });

  test('presenceNames false: counts only, and typing without names or ids', async () => {
    const { tenantId, secret } = await createTestTenant(server);
    await setRules(tenantId, secret, { presenceNames: false });
    const urlId = `img-${randomUUID()}`;
    const ann = await person('Ann');
    const bob = await person('Bob');
    expect(await watch(ann.client, tenantId, urlId)).toEqual({ type: 'presence', tenantId, urlId, count: 1, snapshot: true, viewers: [] });
    expect(await watch(bob.client, tenantId, urlId)).toEqual({ type: 'presence', tenantId, urlId, count: 2, snapshot: true, viewers: [] });
    expect(await nextPresence(ann.client, urlId, (m) => m.count === 2)).toEqual({ type: 'presence', tenantId, urlId, count: 2 });
    bob.client.send({ type: 'typing', tenantId, urlId, chatId: 'c1' });
    const typing = await nextPresence(ann.client, urlId, (m) => m.typing !== undefined);
    expect(typing.typing![0]).toEqual({ id: expect.stringMatching(/^t-/), chatId: 'c1' });
    expect(JSON.stringify(ann.client.frames)).not.toContain('Bob');
  });
});

test('presence frames are metered as pub/sub traffic: one message and its bytes per frame delivered', async () => {
  const { tenantId } = await createTestTenant(server);
  const urlId = `img-${randomUUID()}`;
  const ann = await person('Ann');
  const bob = await person('Bob');
  const sizes: number[] = [];
  for (const client of [ann.client, bob.client]) client.socket.on('message', (data) => { if (String(data).startsWith('{"type":"presence"')) sizes.push(Buffer.byteLength(String(data))); });
  await watch(ann.client, tenantId, urlId);
  await watch(bob.client, tenantId, urlId);
  await nextPresence(ann.client, urlId, (m) => m.count === 2);
  await server.usage.flush();
  const day = new Date().toISOString().slice(0, 10);
  const [usage] = await server.store.readUsage(tenantId, day, day);
  expect(sizes).toHaveLength(3);
  expect(usage).toMatchObject({ pubSubMessageCount: 3, pubSubBandwidth: sizes.reduce((a, b) => a + b, 0), conversationCreateCount: 0 });
});
