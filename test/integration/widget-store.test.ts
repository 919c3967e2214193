/**
 * The widget's DOM-free store and connection, driven from Node against a real server: optimistic writes, acks,
 * rollback, echoes, ordering, gaps, and a restart with missed events replayed by `since`.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startTestServer, removeDir, makeTempDir, type TestServer } from '../helpers/server.js';
import { WidgetConnection, type ConnectionOptions } from '../../widget/connection.js';
import { backoffDelay } from '../../widget/backoff.js';
import { ImageStore } from '../../widget/store.js';
import type { ClientMessage, ImageEvent, ServerMessage } from '../../shared/index.js';

const FAST = { WRITE_RATE_PER_SECOND: '1000', WRITE_BURST: '1000', FRAME_RATE_PER_SECOND: '2000', FRAME_BURST: '2000' };

let server: TestServer;
const dataDir = makeTempDir();
const opened: WidgetConnection[] = [];

beforeAll(async () => { server = await startTestServer(FAST, dataDir); });
afterEach(() => { for (const connection of opened.splice(0)) connection.close(); });
afterAll(async () => { await server.close(); removeDir(dataDir); });

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function connect(options: Partial<ConnectionOptions> = {}, url = server.wsUrl): WidgetConnection {
  const connection = new WidgetConnection({ url, WebSocket, minDelayMs: 50, maxDelayMs: 200, ...options });
  connection.connect();
  opened.push(connection);
  return connection;
}

async function liveStore(urlId: string, options: Partial<ConnectionOptions> = {}): Promise<{ connection: WidgetConnection; store: ImageStore }> {
  const connection = connect(options);
  const store = new ImageStore(connection, { tenantId: 'demo', urlId });
  store.open();
  await waitFor(() => connection.state === 'live' && store.ready, 'a live, subscribed store');
  return { connection, store };
}

test('backoff is full-jitter exponential between 0.5 s and 20 s', () => {
  expect(backoffDelay(0, 500, 20_000, () => 0)).toBe(500);
  // The first attempt is spread too, so clients dropped together do not all come back at the same moment.
  expect(backoffDelay(0, 500, 20_000, () => 0.999)).toBeCloseTo(999.5);
  expect(backoffDelay(3, 500, 20_000, () => 0.5)).toBe(500 + 0.5 * (8000 - 500));
  expect(backoffDelay(50, 500, 20_000, () => 0.999_999)).toBeLessThanOrEqual(20_000);
  expect(backoffDelay(50, 500, 20_000, () => 0.999_999)).toBeGreaterThan(19_900);
});

test('a write shows at once as pending, the ack confirms it, and another client applies the event', async () => {
  const urlId = `node-create-${Date.now()}`;
  const a = await liveStore(urlId, { name: 'Ann' });
  const b = await liveStore(urlId, { name: 'Bob' });
  const chatId = randomUUID();
  const done = a.store.createChat(0.25, 0.75, 'first!', chatId);
  expect(a.store.chat(chatId)?.comments[0]?.text).toBe('first!');
  expect(a.store.isPending(chatId)).toBe(true);
  const outcome = await done;
  expect(outcome).toMatchObject({ ok: true, seq: 1 });
  expect(a.store.isPending(chatId)).toBe(false);
  await waitFor(() => b.store.chat(chatId) !== undefined, 'B to see the chat');
  expect(b.store.chat(chatId)).toMatchObject({ x: 0.25, y: 0.75, author: { name: 'Ann' } });
  await waitFor(() => a.store.seq === 1, 'A to apply its echo');
  expect(a.store.confirmedChats()).toEqual(b.store.confirmedChats());
});

test('the own echo is not applied twice; a reply from another client is applied', async () => {
  const urlId = `node-echo-${Date.now()}`;
  const a = await liveStore(urlId);
  const b = await liveStore(urlId);
  const { chatId } = await a.store.createChat(0.5, 0.5, 'one');
  expect(await a.store.addComment(chatId, 'two')).toMatchObject({ ok: true, seq: 2 });
  await waitFor(() => a.store.seq === 2 && b.store.seq === 2, 'both at seq 2');
  expect(a.store.chat(chatId)?.comments.map((c) => c.text)).toEqual(['one', 'two']);
  expect(await b.store.addComment(chatId, 'three')).toMatchObject({ ok: true, seq: 3 });
  await waitFor(() => a.store.seq === 3, 'A to get B\'s reply');
  expect(a.store.chat(chatId)?.comments.map((c) => c.text)).toEqual(['one', 'two', 'three']);
  expect(a.store.confirmedChats()).toEqual(b.store.confirmedChats());
});

test('a refused write is rolled back with the server\'s code', async () => {
  const urlId = `node-rollback-${Date.now()}`;
  const a = await liveStore(urlId);
  const b = await liveStore(urlId);
  const { chatId } = await a.store.createChat(0.1, 0.1, 'mine');
  await waitFor(() => b.store.chat(chatId) !== undefined, 'B to see the chat');
  const deleting = b.store.deleteChat(chatId);
  expect(b.store.chat(chatId)).toBeUndefined(); // optimistic
  const outcome = await deleting;
  expect(outcome).toMatchObject({ ok: false, code: 'forbidden', message: 'only its author may delete a marker' });
  expect(b.store.chat(chatId)?.comments[0]?.text).toBe('mine');
});

test('an invalid write fails before it is sent, with the server\'s code', async () => {
  const a = await liveStore(`node-invalid-${Date.now()}`);
  const outcome = await a.store.createChat(0.5, 0.5, '   ');
  expect(outcome).toMatchObject({ ok: false, code: 'invalid-field', message: '"text" must not be empty' });
  expect(a.store.chats).toEqual([]);
});

test('writes are refused at once while offline; nothing is queued', async () => {
  const connection = connect({}, 'ws://127.0.0.1:9/ws');
  const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'nowhere' });
  store.open();
  await waitFor(() => connection.state === 'offline', 'offline');
  const outcome = await store.createChat(0.5, 0.5, 'hello?');
  expect(outcome).toMatchObject({ ok: false, code: 'unavailable' });
  expect(store.chats).toEqual([]);
});

test('out-of-order events are applied in seq order; a gap that does not fill leads to a resubscription with since', async () => {
  const sent: ClientMessage[] = [];
  const { store } = await liveStore(`node-order-${Date.now()}`, { trace: (direction, frame) => { if (direction === 'out') sent.push(frame as ClientMessage); } });
  const key = { tenantId: 'demo', urlId: store.key.urlId };
  const author = { id: 'u1', name: 'Eve' };
  const chat = { id: 'c1', number: 1, x: 0.5, y: 0.5, author, createdAt: 1, resolved: false, comments: [{ id: 'k1', author, text: 'one', createdAt: 1, editedAt: null }] };
  const reply = (seq: number, text: string): ImageEvent => ({
    type: 'image-chat-updated', broadcastId: `b${seq}`, ...key, seq, chatId: 'c1', change: 'comment-added',
    comment: { id: `k${seq}`, author, text, createdAt: seq, editedAt: null },
  });
  store.receive(reply(3, 'three'));
  store.receive(reply(2, 'two'));
  expect(store.chat('c1')).toBeUndefined();
  store.receive({ type: 'new-image-chat', broadcastId: 'b1', ...key, seq: 1, chatId: 'c1', chat });
  expect(store.seq).toBe(3);
  expect(store.chat('c1')?.comments.map((c) => c.text)).toEqual(['one', 'two', 'three']);
  store.receive(reply(2, 'two again'));
  expect(store.chat('c1')?.comments).toHaveLength(3);

  store.receive(reply(5, 'five')); // 4 never comes
  await waitFor(() => sent.some((m) => m.type === 'subscribe' && m.since === 3), 'a resubscribe with since 3');
  // The real image never had these events: the server answers with a snapshot and the store takes it.
  await waitFor(() => store.seq === 0, 'the snapshot');
  expect(store.chats).toEqual([]);
});

test('after a server restart the store reconnects, resubscribes with since and epoch, and applies what it missed', async () => {
  const received: ServerMessage[] = [];
  const sent: ClientMessage[] = [];
  const urlId = `node-restart-${Date.now()}`;
  const a = await liveStore(urlId, { trace: (direction, frame) => { if (direction === 'in') received.push(frame as ServerMessage); else sent.push(frame as ClientMessage); } });
  const { chatId } = await a.store.createChat(0.3, 0.3, 'before');
  await waitFor(() => a.store.seq === 1, 'the echo');
  const epoch = a.store.epoch;

  const port = server.port;
  await server.close(0);
  await waitFor(() => a.connection.state !== 'live', 'A to notice');
  expect((await a.store.addComment(chatId, 'refused')).ok).toBe(false);

  // A third client writes while A is away, through a node on another port over the same database.
  const side = await startTestServer(FAST, dataDir);
  const c = connect({}, side.wsUrl);
  const cStore = new ImageStore(c, { tenantId: 'demo', urlId });
  cStore.open();
  await waitFor(() => c.state === 'live' && cStore.ready, 'the third client');
  expect(await cStore.addComment(chatId, 'while you were away')).toMatchObject({ ok: true, seq: 2 });
  c.close();
  await side.close(0);

  server = await startTestServer({ ...FAST, PORT: String(port) }, dataDir);
  await waitFor(() => a.connection.state === 'live' && a.store.seq === 2, 'A to reconnect and catch up', 20_000);
  expect(a.store.chat(chatId)?.comments.map((c) => c.text)).toEqual(['before', 'while you were away']);
  expect(sent.filter((m) => m.type === 'subscribe').at(-1)).toMatchObject({ since: 1, epoch });
  expect(received.filter((m) => m.type === 'subscribed').at(-1)).toMatchObject({ reset: false, seq: 2 });
});
