/**
 * The widget store's rarer paths, made deterministic with a scripted socket: writes whose answer was lost with
 * the socket, snapshots that race an ack, and change notifications that name only what changed. The common
 * paths run against the real server in test/integration/widget-store.test.ts.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { WidgetConnection } from '../../widget/connection.js';
import { ImageStore, type StoreChange, type SubscriptionStateChange } from '../../widget/store.js';
import type { Chat, ClientMessage, ImageEvent, WriteMessage } from '../../shared/index.js';
import { ScriptedSocket, latest } from '../helpers/scripted-socket.js';

const key = { tenantId: 'demo', urlId: 'img' };
const ann = { id: 'u1', name: 'Ann' };
const chat = (id: string, text = 'hello'): Chat => ({
  id, number: 1, x: 0.5, y: 0.5, author: ann, createdAt: 1, resolved: false, comments: [{ id: `${id}-c0`, author: ann, text, createdAt: 1, editedAt: null }],
});

let connection: WidgetConnection;
let store: ImageStore;
let changes: StoreChange[];

/** A live connection with the store subscribed at seq 1 holding chat `a`. */
beforeEach(() => {
  ScriptedSocket.all = [];
  vi.useFakeTimers();
  connection = new WidgetConnection({ url: 'ws://test/ws', WebSocket: ScriptedSocket, random: () => 0 });
  connection.connect();
  store = new ImageStore(connection, key);
  store.open();
  latest().open();
  latest().welcome();
  latest().receive({ type: 'subscribed', ...key, seq: 1, epoch: 'e1', reset: true, chats: [chat('a')] });
  changes = [];
  store.onChange((change) => changes.push(change));
});
afterEach(() => {
  connection.close();
  vi.useRealTimers();
});

const lastWrite = (): WriteMessage => {
  const write = [...latest().sent].reverse().find((m: ClientMessage) => m.type !== 'ping' && m.type !== 'hello' && m.type !== 'subscribe' && m.type !== 'unsubscribe');
  if (!write) throw new Error('no write sent');
  return write as WriteMessage;
};

function echoOf(write: WriteMessage & { type: 'add-comment' }, seq: number): ImageEvent {
  return {
    type: 'image-chat-updated', broadcastId: write.broadcastId, ...key, seq, chatId: write.chatId, change: 'comment-added',
    comment: { id: write.commentId!, author: ann, text: write.text, createdAt: 5, editedAt: null },
  };
}

async function reconnectWith(answer: (since: number) => ImageEvent[]): Promise<void> {
  latest().drop();
  await vi.advanceTimersByTimeAsync(500);
  latest().open();
  latest().welcome();
  latest().receive({ type: 'subscribed', ...key, seq: 1 + answer(1).length, epoch: 'e1', reset: false, events: answer(1) });
}

test('a write whose ack was lost with the socket succeeds if the replay after reconnecting holds its echo', async () => {
  const outcome = store.addComment('a', 'did it land?');
  const write = lastWrite() as WriteMessage & { type: 'add-comment' };
  expect(store.isPending('a')).toBe(true);
  await reconnectWith(() => [echoOf(write, 2)]);
  await expect(outcome).resolves.toMatchObject({ ok: true, broadcastId: write.broadcastId });
  expect(store.chat('a')!.comments.map((c) => c.text)).toEqual(['hello', 'did it land?']);
  expect(store.isPending('a')).toBe(false);
});

test('a write whose ack was lost fails, and is undone, if the replay does not hold it', async () => {
  const outcome = store.addComment('a', 'lost');
  await reconnectWith(() => []);
  await expect(outcome).resolves.toMatchObject({ ok: false, code: 'unavailable', message: 'the connection dropped before the server confirmed this change' });
  expect(store.chat('a')!.comments.map((c) => c.text)).toEqual(['hello']);
});

test('a snapshot that already holds an unacknowledged comment does not show it twice', async () => {
  void store.addComment('a', 'raced');
  const write = lastWrite() as WriteMessage & { type: 'add-comment' };
  const withComment = chat('a');
  withComment.comments.push({ id: write.commentId!, author: ann, text: 'raced', createdAt: 5, editedAt: null });
  latest().receive({ type: 'resync', ...key });
  latest().receive({ type: 'subscribed', ...key, seq: 2, epoch: 'e1', reset: true, chats: [withComment] });
  expect(store.chat('a')!.comments.map((c) => c.text)).toEqual(['hello', 'raced']);
  latest().receive({ type: 'ack', broadcastId: write.broadcastId, seq: 2 });
  await vi.advanceTimersByTimeAsync(0); // the ack settles the write in a promise callback
  expect(store.isPending('a')).toBe(false);
  expect(store.chat('a')!.comments).toHaveLength(2);
});

test('changes name only the chat that changed, and a rollback restores the very same object', async () => {
  latest().receive({ type: 'new-image-chat', broadcastId: 'x', ...key, seq: 2, chatId: 'b', chat: chat('b') });
  const before = store.chat('a');
  const untouched = store.chat('b');
  changes = [];
  const outcome = store.resolveChat('a', true);
  expect(store.chat('a')!.resolved).toBe(true);
  latest().receive({ type: 'error', broadcastId: lastWrite().broadcastId, code: 'forbidden', message: 'no' });
  await expect(outcome).resolves.toMatchObject({ ok: false, code: 'forbidden' });
  expect(store.chat('a')).toBe(before);
  expect(store.chat('b')).toBe(untouched);
  expect(changes.map((c) => [...(c.chatIds ?? ['ALL'])])).toEqual([['a'], ['a']]);
});

test('a live marker from someone else is reported as arrived; one\'s own is not', async () => {
  latest().receive({ type: 'new-image-chat', broadcastId: 'theirs', ...key, seq: 2, chatId: 'b', chat: chat('b') });
  const done = store.createChat(0.1, 0.2, 'mine');
  const write = lastWrite() as WriteMessage & { type: 'create-chat' };
  const chatId = write.chatId!;
  latest().receive({ type: 'ack', broadcastId: write.broadcastId, seq: 3 });
  latest().receive({ type: 'new-image-chat', broadcastId: write.broadcastId, ...key, seq: 3, chatId, chat: { ...chat(chatId, 'mine'), x: 0.1, y: 0.2 } });
  await done;
  expect(changes.flatMap((c) => c.arrived)).toEqual(['b']);
  expect(store.chats.map((c) => c.comments[0]!.text).sort()).toEqual(['hello', 'hello', 'mine']);
});

test('a subscribe answered unavailable (the server\'s database is down) is retried with backoff until it succeeds', async () => {
  const subscribes = () => latest().sent.filter((m) => m.type === 'subscribe').length;
  latest().receive({ type: 'resync', ...key });
  expect(subscribes()).toBe(2);
  latest().receive({ type: 'error', code: 'unavailable', message: 'store down', for: 'subscribe', ...key });
  await vi.advanceTimersByTimeAsync(999);
  expect(subscribes()).toBe(2);
  await vi.advanceTimersByTimeAsync(1001); // the first retry waits 1–2 s (full jitter)
  expect(subscribes()).toBe(3);
  latest().receive({ type: 'error', code: 'unavailable', message: 'store down', for: 'subscribe', ...key });
  await vi.advanceTimersByTimeAsync(4000); // the second 1–4 s
  expect(subscribes()).toBe(4);
  expect(latest().sent.at(-1)).toMatchObject({ type: 'subscribe', since: 1, epoch: 'e1' });
  latest().receive({ type: 'subscribed', ...key, seq: 1, epoch: 'e1', reset: false, events: [] });
  await vi.advanceTimersByTimeAsync(30_000);
  expect(subscribes()).toBe(4);
  // Other errors (an unknown tenant) are final: no retry.
  latest().receive({ type: 'error', code: 'not-found', message: 'no tenant', for: 'subscribe', ...key });
  await vi.advanceTimersByTimeAsync(30_000);
  expect(subscribes()).toBe(4);
});

test('a subscribe answered rate-limited (a spent read budget) is retried, not before the server\'s retryAfterMs', async () => {
  const subscribes = () => latest().sent.filter((m) => m.type === 'subscribe').length;
  latest().receive({ type: 'resync', ...key });
  expect(subscribes()).toBe(2);
  latest().receive({ type: 'error', code: 'rate-limited', message: 'read budget spent', for: 'subscribe', retryAfterMs: 7000, ...key });
  await vi.advanceTimersByTimeAsync(6999);
  expect(subscribes()).toBe(2);
  await vi.advanceTimersByTimeAsync(2);
  expect(subscribes()).toBe(3);
  latest().receive({ type: 'subscribed', ...key, seq: 1, epoch: 'e1', reset: false, events: [] });
  await vi.advanceTimersByTimeAsync(30_000);
  expect(subscribes()).toBe(3);
});

test('a write whose ack was lost succeeds if a snapshot after reconnecting holds it (no echo in a snapshot)', async () => {
  const done = store.createChat(0.2, 0.3, 'in the snapshot');
  const write = lastWrite() as WriteMessage & { type: 'create-chat' };
  const created = { chatId: write.chatId!, done };
  latest().drop();
  await vi.advanceTimersByTimeAsync(1000);
  latest().open();
  latest().welcome();
  const stored: Chat = { ...chat(created.chatId, 'in the snapshot'), id: created.chatId };
  latest().receive({ type: 'subscribed', ...key, seq: 9, epoch: 'e1', reset: true, chats: [chat('a'), stored] });
  await expect(created.done).resolves.toMatchObject({ ok: true, broadcastId: write.broadcastId });
  expect(store.chat(created.chatId)?.comments[0]?.text).toBe('in the snapshot');
});

test('an acknowledged write whose echo never arrives makes the store resubscribe to fetch it', async () => {
  const outcome = store.addComment('a', 'echo lost between nodes');
  const write = lastWrite();
  latest().receive({ type: 'ack', broadcastId: write.broadcastId, seq: 2 });
  await expect(outcome).resolves.toMatchObject({ ok: true, seq: 2 });
  const subscribes = () => latest().sent.filter((m) => m.type === 'subscribe').length;
  const before = subscribes();
  await vi.advanceTimersByTimeAsync(1000);
  expect(subscribes()).toBe(before + 1);
  expect(latest().sent.at(-1)).toMatchObject({ type: 'subscribe', since: 1, epoch: 'e1' });
  // The replay brings it; nothing more is asked for.
  latest().receive({ type: 'subscribed', ...key, seq: 2, epoch: 'e1', reset: false, events: [echoOf(write as WriteMessage & { type: 'add-comment' }, 2)] });
  await vi.advanceTimersByTimeAsync(5000);
  expect(subscribes()).toBe(before + 1);
  expect(store.isPending('a')).toBe(false);
});

test('a write goes sent → acked → settled when the ack comes first, sent → echoed → settled when the echo does', async () => {
  const first = store.addComment('a', 'ack first');
  const ackedFirst = lastWrite() as WriteMessage & { type: 'add-comment' };
  expect(store.writeStatus(ackedFirst.broadcastId)).toBe('sent');
  latest().receive({ type: 'ack', broadcastId: ackedFirst.broadcastId, seq: 2 });
  await expect(first).resolves.toEqual({ ok: true, seq: 2, broadcastId: ackedFirst.broadcastId, chatId: 'a' });
  expect(store.writeStatus(ackedFirst.broadcastId)).toBe('acked');
  expect(store.isPending('a')).toBe(false);
  expect(store.chat('a')!.comments.map((c) => c.text)).toEqual(['hello', 'ack first']); // still shown on top
  latest().receive(echoOf(ackedFirst, 2));
  expect(store.writeStatus(ackedFirst.broadcastId)).toBeUndefined();

  const second = store.addComment('a', 'echo first');
  const echoedFirst = lastWrite() as WriteMessage & { type: 'add-comment' };
  latest().receive(echoOf(echoedFirst, 3));
  expect(store.writeStatus(echoedFirst.broadcastId)).toBe('echoed');
  expect(store.isPending('a')).toBe(false);
  expect(store.chat('a')!.comments.map((c) => c.text)).toEqual(['hello', 'ack first', 'echo first']); // once, not twice
  latest().receive({ type: 'ack', broadcastId: echoedFirst.broadcastId, seq: 3 });
  await expect(second).resolves.toMatchObject({ ok: true, seq: 3 });
  expect(store.writeStatus(echoedFirst.broadcastId)).toBeUndefined();
});

test('a write in flight when the socket drops is in doubt (still pending) until the next subscribed settles it', async () => {
  const outcome = store.addComment('a', 'in flight');
  const write = lastWrite() as WriteMessage & { type: 'add-comment' };
  latest().drop();
  expect(store.writeStatus(write.broadcastId)).toBe('in-doubt');
  expect(store.isPending('a')).toBe(true);
  await vi.advanceTimersByTimeAsync(500);
  expect(store.writeStatus(write.broadcastId)).toBe('in-doubt');
  latest().open();
  latest().welcome();
  latest().receive({ type: 'subscribed', ...key, seq: 2, epoch: 'e1', reset: false, events: [echoOf(write, 2)] });
  await expect(outcome).resolves.toEqual({ ok: true, seq: 2, broadcastId: write.broadcastId, chatId: 'a' });
  expect(store.writeStatus(write.broadcastId)).toBeUndefined();
});

test('an echoed write whose ack is lost with the socket was stored: it succeeds at once', async () => {
  const outcome = store.addComment('a', 'echoed, then dropped');
  const write = lastWrite() as WriteMessage & { type: 'add-comment' };
  latest().receive(echoOf(write, 2));
  latest().drop();
  await expect(outcome).resolves.toEqual({ ok: true, seq: 2, broadcastId: write.broadcastId, chatId: 'a' });
  expect(store.writeStatus(write.broadcastId)).toBeUndefined();
});

test('createChat answers like every other write: a promise of the outcome, with the new marker\'s id', async () => {
  const outcome = store.createChat(0.1, 0.1, 'named', 'chosen-id');
  const write = lastWrite();
  expect(write).toMatchObject({ type: 'create-chat', chatId: 'chosen-id' });
  latest().receive({ type: 'ack', broadcastId: write.broadcastId, seq: 2 });
  await expect(outcome).resolves.toEqual({ ok: true, seq: 2, broadcastId: write.broadcastId, chatId: 'chosen-id' });
  const refused = await store.createChat(0.1, 0.1, '   ');
  expect(refused).toMatchObject({ ok: false, code: 'invalid-field' });
  expect(refused.chatId).toMatch(/^[0-9a-f-]{36}$/);
});

test('the subscription goes subscribing → subscribed, subscribing again when the socket drops, retrying when refused for now', async () => {
  const fresh = new ImageStore(connection, { tenantId: 'demo', urlId: 'other' });
  const changes: SubscriptionStateChange[] = [];
  fresh.onSubscription((change) => changes.push(change));
  expect(fresh.subscription).toBe('unsubscribed');
  fresh.open();
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'other', seq: 0, epoch: 'e1', reset: true, chats: [] });
  latest().receive({ type: 'resync', tenantId: 'demo', urlId: 'other' }); // catching up keeps the subscription
  expect(fresh.subscription).toBe('subscribed');
  latest().drop();
  await vi.advanceTimersByTimeAsync(500);
  latest().open();
  latest().welcome();
  latest().receive({ type: 'error', code: 'unavailable', message: 'store down', for: 'subscribe', tenantId: 'demo', urlId: 'other' });
  await vi.advanceTimersByTimeAsync(2000);
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'other', seq: 0, epoch: 'e1', reset: false, events: [] });
  latest().receive({ type: 'error', code: 'forbidden', message: 'no', for: 'subscribe', tenantId: 'demo', urlId: 'other' });
  fresh.close();
  expect(changes.map((c) => [c.oldState, c.newState, c.reason])).toEqual([
    ['unsubscribed', 'subscribing', 'open'],
    ['subscribing', 'subscribed', 'snapshot'],
    ['subscribed', 'subscribing', 'connection lost'],
    ['subscribing', 'retrying', 'unavailable'],
    ['retrying', 'subscribing', 'retry'],
    ['subscribing', 'subscribed', 'replay'],
    ['subscribed', 'unsubscribed', 'refused: forbidden'],
  ]);
});
