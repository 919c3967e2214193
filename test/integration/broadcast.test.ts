import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { ImageEvent, SubscribedSnapshot } from '../../shared/index.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

describe('two clients on one image', () => {
  let a: TestClient;
  let b: TestClient;
  let urlId: string;
  beforeEach(async () => {
    urlId = `img-${randomUUID()}`;
    a = await TestClient.connect(server.wsUrl);
    b = await TestClient.connect(server.wsUrl);
    a.send({ type: 'hello', name: 'Ada' });
    b.send({ type: 'hello', name: 'Bob' });
    await a.nextOfType('welcome');
    await b.nextOfType('welcome');
    await a.subscribe('demo', urlId);
    await b.subscribe('demo', urlId);
    return () => { a.close(); b.close(); };
  });

  const expectBoth = async (count: number): Promise<ImageEvent[]> => {
    const ea = await a.waitForEvents(count);
    const eb = await b.waitForEvents(count);
    expect(eb).toEqual(ea);
    return ea;
  };

  test('create: ack after the write is stored, both get new-image-chat with the broadcastId and seq 1', async () => {
    const broadcastId = randomUUID();
    const chatId = randomUUID();
    const ack = await a.write({ type: 'create-chat', broadcastId, chatId, tenantId: 'demo', urlId, x: 0.1, y: 0.9, text: 'first' });
    expect(ack).toEqual({ type: 'ack', broadcastId, seq: 1 });
    // Durable before the ack: a fresh read of the store already has it.
    const stored = await server.store.read({ tenantId: 'demo', urlId });
    expect(stored.reset && stored.chats.map((c) => c.id)).toEqual([chatId]);
    const [event] = await expectBoth(1);
    expect(event).toMatchObject({ type: 'new-image-chat', broadcastId, tenantId: 'demo', urlId, seq: 1, chatId });
    expect(event?.type === 'new-image-chat' && event.chat).toMatchObject({ id: chatId, x: 0.1, y: 0.9, resolved: false, author: { name: 'Ada' }, comments: [{ text: 'first', author: { name: 'Ada' }, editedAt: null }] });
  });

  test('every update kind and the delete reach both, in seq order, each once', async () => {
    const chatId = randomUUID();
    const commentId = randomUUID();
    const writes: [TestClient, Record<string, unknown>, string, string | null][] = [
      [a, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'look here' }, 'new-image-chat', null],
      [b, { type: 'add-comment', chatId, commentId, text: 'I see it' }, 'image-chat-updated', 'comment-added'],
      [b, { type: 'edit-comment', chatId, commentId, text: 'I see it now' }, 'image-chat-updated', 'comment-edited'],
      [a, { type: 'move-chat', chatId, x: 0.6, y: 0.4 }, 'image-chat-updated', 'moved'],
      [b, { type: 'resolve-chat', chatId, resolved: true }, 'image-chat-updated', 'resolved'],
      [b, { type: 'delete-comment', chatId, commentId }, 'image-chat-updated', 'comment-deleted'],
      [a, { type: 'delete-chat', chatId }, 'deleted-image-chat', null],
    ];
    const broadcastIds: string[] = [];
    for (const [client, write] of writes) {
      const broadcastId = randomUUID();
      broadcastIds.push(broadcastId);
      const ack = await client.write({ ...write, broadcastId, tenantId: 'demo', urlId });
      expect(ack.type).toBe('ack');
    }
    const events = await expectBoth(writes.length);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((e) => e.broadcastId)).toEqual(broadcastIds);
    events.forEach((event, index) => {
      const [, , type, change] = writes[index]!;
      expect(event.type).toBe(type);
      expect(event.chatId).toBe(chatId);
      if (change) expect(event).toMatchObject({ change });
    });
    expect(events[2]).toMatchObject({ comment: { id: commentId, text: 'I see it now' } });
    expect(events[3]).toMatchObject({ x: 0.6, y: 0.4 });
    expect(events[4]).toMatchObject({ resolved: true });
    expect(events[5]).toMatchObject({ commentId });
    // Updates carry only what changed, not the whole chat.
    expect(events[3]).not.toHaveProperty('chat');
    await new Promise((r) => setTimeout(r, 100));
    expect(a.events).toHaveLength(7);
  });

  test('a snapshot after the writes equals the state the events built', async () => {
    const chatId = randomUUID();
    await a.write({ type: 'create-chat', chatId, tenantId: 'demo', urlId, x: 0.2, y: 0.3, text: 'one' });
    await b.write({ type: 'add-comment', chatId, tenantId: 'demo', urlId, text: 'two' });
    const c = await TestClient.connect(server.wsUrl);
    const snapshot = (await c.subscribe('demo', urlId)) as SubscribedSnapshot;
    expect(snapshot).toMatchObject({ reset: true, seq: 2 });
    expect(snapshot.chats[0]?.comments.map((m) => m.text)).toEqual(['one', 'two']);
    c.close();
  });

  test('events are sent only to subscribers of that image', async () => {
    const other = await TestClient.connect(server.wsUrl);
    await other.subscribe('demo', `${urlId}-other`);
    await a.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'hi' });
    await b.waitForEvents(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(other.events).toHaveLength(0);
    other.close();
  });

  test('authors own their comments and markers; anyone may resolve', async () => {
    const chatId = randomUUID();
    const created = await a.write({ type: 'create-chat', chatId, tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'mine' });
    expect(created.type).toBe('ack');
    const snapshot = (await server.store.read({ tenantId: 'demo', urlId })) as { chats: { comments: { id: string }[] }[] };
    const firstComment = snapshot.chats[0]!.comments[0]!.id;
    const edit = await b.write({ type: 'edit-comment', chatId, commentId: firstComment, tenantId: 'demo', urlId, text: 'hijacked' });
    expect(edit).toMatchObject({ type: 'error', code: 'forbidden', for: 'edit-comment' });
    expect(await b.write({ type: 'delete-chat', chatId, tenantId: 'demo', urlId })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await b.write({ type: 'move-chat', chatId, tenantId: 'demo', urlId, x: 0, y: 0 })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await b.write({ type: 'resolve-chat', chatId, tenantId: 'demo', urlId, resolved: true })).toMatchObject({ type: 'ack' });
    expect(await a.write({ type: 'delete-comment', chatId, commentId: firstComment, tenantId: 'demo', urlId })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await a.write({ type: 'add-comment', chatId: 'nope', tenantId: 'demo', urlId, text: 'x' })).toMatchObject({ type: 'error', code: 'not-found' });
    expect(await a.write({ type: 'create-chat', chatId, tenantId: 'demo', urlId, x: 0.1, y: 0.1, text: 'again' })).toMatchObject({ type: 'error', code: 'conflict' });
  });

  test('the same person keeps their identity across reconnects with the session token', async () => {
    const welcome = (await a.next((m) => m.type === 'welcome')) as { session: string; user: { id: string } };
    const chatId = randomUUID();
    await a.write({ type: 'create-chat', chatId, tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'before' });
    a.close();
    const again = await TestClient.connect(server.wsUrl);
    again.send({ type: 'hello', name: 'Ada L.', session: welcome.session });
    const second = (await again.nextOfType('welcome')) as { user: { id: string; name: string } };
    expect(second.user).toEqual({ id: welcome.user.id, name: 'Ada L.' });
    const snapshot = (await server.store.read({ tenantId: 'demo', urlId })) as { chats: { comments: { id: string }[] }[] };
    const commentId = snapshot.chats[0]!.comments[0]!.id;
    expect(await again.write({ type: 'edit-comment', chatId, commentId, tenantId: 'demo', urlId, text: 'after' })).toMatchObject({ type: 'ack' });
    // A forged token gets a fresh identity, not Ada's.
    const forger = await TestClient.connect(server.wsUrl);
    forger.send({ type: 'hello', name: 'Eve', session: welcome.session.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    const forged = (await forger.nextOfType('welcome')) as { user: { id: string } };
    expect(forged.user.id).not.toBe(welcome.user.id);
    again.close(); forger.close();
  });
});
