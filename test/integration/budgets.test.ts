/**
 * Write budgets held across connections, against a real server with small limits: one person on many
 * sockets, many guests from one address, a tenant's budget on the node, and bytes of text.
 */
import { afterEach, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { ErrorMessage, ServerMessage } from '../../shared/index.js';
import { hashTenantSecret, newTenantSecret } from '../../server/auth/tenant-secret.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/ws-client.js';

/** Every budget out of the way except those a test sets. */
const OPEN = {
  MAX_CONNECTIONS_PER_IP: '1000', CONNECTION_BURST_PER_IP: '1000', CONNECTION_RATE_PER_IP: '100000',
  PERSON_WRITES_PER_MINUTE: '100000', PERSON_WRITE_BYTES_PER_MINUTE: '100000000', IP_WRITES_PER_MINUTE: '100000', IP_WRITE_BYTES_PER_MINUTE: '100000000',
  TENANT_WRITES_PER_MINUTE: '100000', TENANT_WRITE_BYTES_PER_MINUTE: '100000000', MAX_CHATS_PER_PERSON_PER_IMAGE: '1000',
};

let server: TestServer;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
  removeDir(server.dataDir);
});

async function connect(session?: string): Promise<{ client: TestClient; userId: string; session: string }> {
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  client.send({ type: 'hello', name: 'Ann', ...(session ? { session } : {}) });
  const welcome = await client.nextOfType<Extract<ServerMessage, { type: 'welcome' }>>('welcome');
  return { client, userId: welcome.user.id, session: welcome.session };
}

type Answer = Extract<ServerMessage, { type: 'ack' }> | ErrorMessage;

/** Sends `count` writes on each client at once and collects every answer. */
async function burst(all: TestClient[], count: number, write: (i: number) => Record<string, unknown>): Promise<Answer[]> {
  const pending = all.flatMap((client) => Array.from({ length: count }, (_, i) => client.write(write(i)) as Promise<Answer>));
  return Promise.all(pending);
}

const acked = (answers: Answer[]) => answers.filter((a) => a.type === 'ack').length;
const refusals = (answers: Answer[]) => answers.filter((a): a is ErrorMessage => a.type === 'error');

test('one session on 20 sockets is held to one person\'s budget, not 20 connections\' worth', async () => {
  server = await startTestServer({ ...OPEN, PERSON_WRITES_PER_MINUTE: '30' });
  const urlId = `img-${randomUUID()}`;
  const first = await connect();
  const chatId = randomUUID();
  expect((await first.client.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.5, y: 0.5, text: 'mine' })).type).toBe('ack');
  const others = await Promise.all(Array.from({ length: 19 }, () => connect(first.session)));
  expect(new Set(others.map((o) => o.userId))).toEqual(new Set([first.userId]));
  const sockets = [first.client, ...others.map((o) => o.client)];

  // 10 writes per socket stay inside each connection's own burst (20): only the person budget can refuse.
  const answers = await burst(sockets, 10, (i) => ({ type: 'resolve-chat', tenantId: 'demo', urlId, chatId, resolved: i % 2 === 0 }));
  // 29 left after the create; a few more may have refilled meanwhile (30 a minute is one per 2 s).
  expect(acked(answers)).toBeGreaterThanOrEqual(29);
  expect(acked(answers)).toBeLessThanOrEqual(29 + 3);
  const refused = refusals(answers);
  expect(refused.length).toBe(200 - acked(answers));
  for (const error of refused) {
    expect(error).toMatchObject({ code: 'rate-limited', for: 'resolve-chat' });
    expect(error.broadcastId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toMatch(/^more than 30 writes a minute by one person; try again in \d+ s$/);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(2000);
  }
  expect(await metricValue(server, 'imagechat_budget_refusals_total', { budget: 'person-writes' })).toBe(refused.length);
  // Another person is not held to Ann's budget.
  const bob = await connect();
  expect((await bob.client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.2, y: 0.2, text: 'bob' })).type).toBe('ack');
});

test('bytes of text per person: UTF-8 bytes are counted, across sockets', async () => {
  server = await startTestServer({ ...OPEN, PERSON_WRITE_BYTES_PER_MINUTE: '2000' });
  const urlId = `img-${randomUUID()}`;
  const ann = await connect();
  const again = await connect(ann.session);
  // 250 × "é" is 500 bytes (250 characters): four fit in 2000 bytes, whichever socket sends them.
  const text = 'é'.repeat(250);
  const answers: Answer[] = [];
  const chatId = randomUUID();
  for (let i = 0; i < 6; i += 1) answers.push(await (i % 2 ? again : ann).client.write({ type: 'create-chat', tenantId: 'demo', urlId, ...(i === 0 ? { chatId } : {}), x: 0.5, y: 0.5, text }) as Answer);
  expect(answers.map((a) => a.type)).toEqual(['ack', 'ack', 'ack', 'ack', 'error', 'error']);
  expect(refusals(answers)[0]).toMatchObject({ code: 'rate-limited', message: expect.stringMatching(/^more than 2000 bytes of text a minute by one person/) });
  // A write without text still goes through.
  expect((await ann.client.write({ type: 'move-chat', tenantId: 'demo', urlId, chatId, x: 0.1, y: 0.1 })).type).toBe('ack');
});

test('a hello without a session keeps the connection\'s user id: only a valid session changes who it is', async () => {
  server = await startTestServer(OPEN);
  const ann = await connect();
  const bob = await connect();
  const hello = async (client: TestClient, message: Record<string, unknown>) => {
    client.send({ type: 'hello', ...message });
    return (await client.nextOfType<Extract<ServerMessage, { type: 'welcome' }>>('welcome')).user;
  };
  expect(await hello(ann.client, { name: 'Ann 2' })).toEqual({ id: ann.userId, name: 'Ann 2' });
  expect(await hello(ann.client, {})).toEqual({ id: ann.userId, name: 'Guest' });
  // A forged token changes nothing either.
  expect((await hello(ann.client, { name: 'Eve', session: bob.session.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).id).toBe(ann.userId);
  // A valid session is a sign-in on the open connection.
  expect(await hello(ann.client, { name: 'Bob', session: bob.session })).toEqual({ id: bob.userId, name: 'Bob' });
});

test('saying hello again without a session does not restart the per-person byte budget', async () => {
  server = await startTestServer({ ...OPEN, PERSON_WRITE_BYTES_PER_MINUTE: '2000' });
  const urlId = `img-${randomUUID()}`;
  const hopper = await connect();
  const answers: Answer[] = [];
  for (let i = 0; i < 8; i += 1) {
    // A new name before every write: the attack that used to be a new person (and a fresh budget) each time.
    hopper.client.send({ type: 'hello', name: `hop ${i}` });
    answers.push(await hopper.client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'é'.repeat(250) }) as Answer);
  }
  expect(answers.map((a) => a.type)).toEqual(['ack', 'ack', 'ack', 'ack', 'error', 'error', 'error', 'error']);
  expect(refusals(answers)[0]!.message).toMatch(/^more than 2000 bytes of text a minute by one person/);
});

test('bytes of text per address: guests on many sockets, each a new person, share IP_WRITE_BYTES_PER_MINUTE', async () => {
  server = await startTestServer({ ...OPEN, IP_WRITE_BYTES_PER_MINUTE: '2000' });
  const urlId = `img-${randomUUID()}`;
  const guests = await Promise.all(Array.from({ length: 4 }, () => connect()));
  const answers: Answer[] = [];
  // 500 bytes each (250 × "é"): four fit, whichever guest sends them.
  for (let i = 0; i < 8; i += 1) answers.push(await guests[i % 4]!.client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'é'.repeat(250) }) as Answer);
  expect(answers.map((a) => a.type)).toEqual(['ack', 'ack', 'ack', 'ack', 'error', 'error', 'error', 'error']);
  for (const error of refusals(answers)) {
    expect(error).toMatchObject({ code: 'rate-limited', for: 'create-chat', message: expect.stringMatching(/^more than 2000 bytes of text a minute from one address; try again in \d+ s$/) });
    expect(error.retryAfterMs).toBeGreaterThan(0);
  }
  expect(await metricValue(server, 'imagechat_budget_refusals_total', { budget: 'address-bytes' })).toBe(4);
});

test('guests from one address, each a new person, share the address\'s budget', async () => {
  server = await startTestServer({ ...OPEN, IP_WRITES_PER_MINUTE: '25' });
  const urlId = `img-${randomUUID()}`;
  const guests = await Promise.all(Array.from({ length: 10 }, () => connect()));
  expect(new Set(guests.map((g) => g.userId)).size).toBe(10);
  const answers = await burst(guests.map((g) => g.client), 5, (i) => ({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.1 * (i + 1), y: 0.5, text: `guest ${i}` }));
  expect(acked(answers)).toBeGreaterThanOrEqual(25);
  expect(acked(answers)).toBeLessThanOrEqual(26);
  for (const error of refusals(answers)) expect(error.message).toMatch(/^more than 25 writes a minute from one address; try again in \d+ s$/);
});

test('a tenant\'s budget on the node: its writers share it, other tenants are untouched, refused strangers do not spend it', async () => {
  server = await startTestServer({ ...OPEN, TENANT_WRITES_PER_MINUTE: '12' });
  await server.store.createTenant({ id: 'acme', name: 'Acme', origins: ['https://acme.example'], secretHash: hashTenantSecret(newTenantSecret()) });
  const urlId = `img-${randomUUID()}`;
  // A stranger from an origin acme does not allow: refused as forbidden, and that costs acme nothing.
  const stranger = await TestClient.connect(server.wsUrl, { origin: 'https://evil.example' });
  clients.push(stranger);
  const forbidden = await Promise.all(Array.from({ length: 15 }, (_, i) => stranger.write({ type: 'create-chat', tenantId: 'acme', urlId, x: 0.5, y: 0.5, text: `spam ${i}` })));
  expect(forbidden.every((a) => a.type === 'error' && a.code === 'forbidden')).toBe(true);

  const writers = await Promise.all(Array.from({ length: 3 }, async () => {
    const client = await TestClient.connect(server.wsUrl, { origin: 'https://acme.example' });
    clients.push(client);
    return client;
  }));
  const answers = await burst(writers, 6, (i) => ({ type: 'create-chat', tenantId: 'acme', urlId, x: 0.5, y: 0.1 * (i + 1), text: `acme ${i}` }));
  expect(acked(answers)).toBeGreaterThanOrEqual(12);
  expect(acked(answers)).toBeLessThanOrEqual(13);
  for (const error of refusals(answers)) expect(error.message).toMatch(/^this site passed 12 writes a minute on this server; try again in \d+ s$/);
  // The demo tenant still writes.
  const other = await connect();
  expect((await other.client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'demo' })).type).toBe('ack');
});

test('writes refused by a budget count toward the flood rule: a sender that keeps going is closed with 1008', async () => {
  server = await startTestServer({ ...OPEN, PERSON_WRITES_PER_MINUTE: '2', FLOOD_CLOSE_AFTER: '5' });
  const urlId = `img-${randomUUID()}`;
  const ann = await connect();
  for (let i = 0; i < 10; i += 1) ann.client.send({ type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: `w${i}` });
  expect(await ann.client.waitClosed()).toBe(1008);
  expect(ann.client.frames.filter((f) => f.type === 'error' && f.code === 'rate-limited')).toHaveLength(5);
});

test('tenant hellos (sign-ins) are budgeted per address over all its connections; connection hellos and other addresses are not', async () => {
  server = await startTestServer({ ...OPEN, IP_TENANT_HELLOS_PER_MINUTE: '5' });
  const sockets = await Promise.all(Array.from({ length: 3 }, () => TestClient.connect(server.wsUrl)));
  clients.push(...sockets);
  const answers: { type: string; code?: string; for?: string; tenantId?: string; retryAfterMs?: number }[] = [];
  for (let i = 0; i < 7; i += 1) {
    const client = sockets[i % 3]!;
    const from = client.frames.length;
    client.send({ type: 'hello', tenantId: 'demo', name: `n${i}` });
    answers.push(await client.next((m) => m.type === 'welcome' || m.type === 'error', 5000, from) as (typeof answers)[number]);
  }
  expect(answers.slice(0, 5).map((a) => a.type)).toEqual(Array(5).fill('welcome'));
  for (const refused of answers.slice(5)) {
    expect(refused).toMatchObject({ type: 'error', code: 'rate-limited', for: 'hello', tenantId: 'demo', retryAfterMs: expect.any(Number) });
  }
  expect(await metricValue(server, 'imagechat_budget_refusals_total', { budget: 'address-hellos' })).toBe(2);
  // A connection-wide hello (a name) is not a sign-in and costs nothing.
  sockets[0]!.send({ type: 'hello', name: 'still fine' });
  expect(await sockets[0]!.nextOfType('welcome')).toMatchObject({ user: { name: 'still fine' } });
});
