/**
 * Read amplification: the bytes of `subscribed` answers a connection and an address are sent are budgeted,
 * a snapshot past MAX_SNAPSHOT_BYTES is refused, and a replay past it becomes a snapshot.
 */
import { afterEach, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { ErrorMessage, ServerMessage } from '../../shared/index.js';
import { startTestServer, removeDir, makeTempDir, type TestServer } from '../helpers/server.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/ws-client.js';

const OPEN = { MAX_CONNECTIONS_PER_IP: '1000', CONNECTION_BURST_PER_IP: '1000', CONNECTION_RATE_PER_IP: '100000' };

const servers: TestServer[] = [];
const clients: TestClient[] = [];
let dataDir: string | null = null;

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
  if (dataDir) removeDir(dataDir);
  dataDir = null;
});

async function start(env: Record<string, string>): Promise<TestServer> {
  dataDir ??= makeTempDir();
  const server = await startTestServer({ ...OPEN, ...env }, dataDir);
  servers.push(server);
  return server;
}

async function connect(server: TestServer, headers: Record<string, string> = {}): Promise<TestClient> {
  const client = await TestClient.connect(server.wsUrl, headers);
  clients.push(client);
  return client;
}

/** Ten markers of 1,000 characters each: a snapshot of about 12 KB. */
async function seedImage(server: TestServer, urlId: string): Promise<void> {
  const writer = await connect(server);
  for (let i = 0; i < 10; i += 1) {
    const answer = await writer.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.05 + i / 20, y: 0.5, text: `${i}`.repeat(1000) });
    expect(answer.type).toBe('ack');
  }
}

/** The byte size of every `subscribed` frame the client receives, as sent. */
function subscribedSizes(client: TestClient): number[] {
  const sizes: number[] = [];
  client.socket.on('message', (data: Buffer) => {
    if (data.toString('utf8', 0, 30).startsWith('{"type":"subscribed"')) sizes.push(data.length);
  });
  return sizes;
}

const storeReads = async (server: TestServer): Promise<number> => {
  const body = (await server.metrics.scrape()).body;
  const line = body.split('\n').find((l) => l.startsWith('imagechat_store_seconds_count{operation="read"}'));
  return Number(line?.split(' ').at(-1) ?? 0);
};

type Subscribed = Extract<ServerMessage, { type: 'subscribed' }>;

test('a connection that re-reads a large image is refused once its read budget is spent, without reading the store', async () => {
  const server = await start({ READ_BYTES_PER_MINUTE: '30000' });
  const urlId = `img-${randomUUID()}`;
  await seedImage(server, urlId);
  const reader = await connect(server);
  const sizes = subscribedSizes(reader);
  const answers = [];
  for (let i = 0; i < 4; i += 1) answers.push(await reader.subscribe('demo', urlId));
  expect(answers.map((a) => a.type)).toEqual(['subscribed', 'subscribed', 'subscribed', 'error']);
  const snapshot = sizes[0]!;
  expect(snapshot).toBeGreaterThan(10_000);
  // The budget may be overdrawn by the one answer that spends it, never more.
  expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000 + snapshot);
  expect(answers[3]).toMatchObject({
    type: 'error', code: 'rate-limited', for: 'subscribe', tenantId: 'demo', urlId,
    message: expect.stringMatching(/^more than 30000 bytes of snapshots and replays a minute on one connection; try again in \d+ s$/),
  });
  expect((answers[3] as ErrorMessage).retryAfterMs).toBeGreaterThan(0);

  const readsBefore = await storeReads(server);
  expect((await reader.subscribe('demo', urlId)).type).toBe('error');
  expect(await storeReads(server)).toBe(readsBefore);
  expect(sizes).toHaveLength(3);
  expect(await metricValue(server, 'imagechat_budget_refusals_total', { budget: 'connection-reads' })).toBe(2);
  // Another connection has its own budget.
  expect((await (await connect(server)).subscribe('demo', urlId)).type).toBe('subscribed');
});

test('connections from one address share the address\'s read budget; another address has its own', async () => {
  const server = await start({ READ_BYTES_PER_MINUTE_PER_IP: '30000', TRUST_PROXY: '127.0.0.1' });
  const urlId = `img-${randomUUID()}`;
  await seedImage(server, urlId);
  const from = (address: string) => ({ 'X-Forwarded-For': address });
  const answers = [];
  for (let i = 0; i < 5; i += 1) answers.push(await (await connect(server, from('198.51.100.1'))).subscribe('demo', urlId));
  expect(answers.map((a) => a.type)).toEqual(['subscribed', 'subscribed', 'subscribed', 'error', 'error']);
  expect(answers[4]).toMatchObject({ code: 'rate-limited', message: expect.stringMatching(/a minute from one address/) });
  expect((await (await connect(server, from('198.51.100.2'))).subscribe('demo', urlId)).type).toBe('subscribed');
});

test('a snapshot larger than MAX_SNAPSHOT_BYTES is refused with too-large and nothing is sent or subscribed', async () => {
  const urlId = `img-${randomUUID()}`;
  const small = `small-${randomUUID()}`;
  // Stored under the default caps, then served by a node whose cap was lowered.
  await seedImage(await start({}), urlId);
  await servers.pop()!.close();
  const server = await start({ MAX_SNAPSHOT_BYTES: '5000' });
  const reader = await connect(server);
  const sizes = subscribedSizes(reader);
  const answer = await reader.subscribe('demo', urlId);
  expect(answer).toMatchObject({
    type: 'error', code: 'too-large', for: 'subscribe', tenantId: 'demo', urlId,
    message: expect.stringMatching(/^this image's snapshot is \d+ bytes, more than the 5000 a subscribe is sent$/),
  });
  expect(sizes).toEqual([]);
  // Not subscribed: a new marker on that image is not delivered to it.
  const writer = await connect(server);
  expect((await writer.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.9, text: 'later' })).type).toBe('ack');
  expect((await reader.subscribe('demo', small)).type).toBe('subscribed');
  expect(reader.events).toEqual([]);
});

test('a replay larger than MAX_SNAPSHOT_BYTES is answered with the (smaller) snapshot instead', async () => {
  const server = await start({ MAX_SNAPSHOT_BYTES: '5000', WRITE_BURST: '100', FRAME_BURST: '200' });
  const urlId = `img-${randomUUID()}`;
  const writer = await connect(server);
  const first = await writer.subscribe('demo', urlId) as Subscribed;
  const chatId = randomUUID();
  const commentId = randomUUID();
  expect((await writer.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, commentId, x: 0.5, y: 0.5, text: 'first' })).type).toBe('ack');
  // Twenty edits of one comment: a replay of ~20 KB for a snapshot of ~1 KB.
  for (let i = 0; i < 20; i += 1) {
    expect((await writer.write({ type: 'edit-comment', tenantId: 'demo', urlId, chatId, commentId, text: `${i % 10}`.repeat(1000) })).type).toBe('ack');
  }
  const reader = await connect(server);
  const sizes = subscribedSizes(reader);
  const resumed = await reader.subscribe('demo', urlId, { since: 1, epoch: first.epoch }) as Subscribed;
  expect(resumed).toMatchObject({ type: 'subscribed', reset: true, seq: 21 });
  expect(resumed.reset && resumed.chats[0]!.comments[0]!.text).toBe('9'.repeat(1000));
  expect(sizes[0]).toBeLessThan(5000);
  // A small replay is still a replay.
  const near = await reader.subscribe('demo', urlId, { since: 20, epoch: first.epoch }) as Subscribed;
  expect(near).toMatchObject({ reset: false, seq: 21 });
});
