import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { SubscribedReplay, SubscribedSnapshot } from '../../shared/index.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
// A short event log, so a `since` older than it is easy to reach.
beforeAll(async () => { server = await startTestServer({ EVENT_LOG_KEEP: '10' }); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

async function writeMany(client: TestClient, urlId: string, chatId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    expect((await client.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: `comment ${i}` })).type).toBe('ack');
  }
}

test('B misses 5 writes while away and gets exactly those, in order, on resubscribe with since', async () => {
  const urlId = `img-${randomUUID()}`;
  const chatId = randomUUID();
  const a = await TestClient.connect(server.wsUrl);
  let b = await TestClient.connect(server.wsUrl);
  await a.subscribe('demo', urlId);
  const first = (await b.subscribe('demo', urlId)) as SubscribedSnapshot;
  await a.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.3, y: 0.3, text: 'start' });
  await b.waitForEvents(1);
  const lastSeen = b.events.at(-1)!.seq;
  b.close();
  await b.waitClosed();

  await writeMany(a, urlId, chatId, 5);
  b = await TestClient.connect(server.wsUrl);
  const answer = (await b.subscribe('demo', urlId, { since: lastSeen, epoch: first.epoch })) as SubscribedReplay;
  expect(answer).toMatchObject({ type: 'subscribed', reset: false, seq: 6, epoch: first.epoch });
  expect(answer.events.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
  expect(answer.events.map((e) => e.type === 'image-chat-updated' && e.comment?.text)).toEqual(['comment 0', 'comment 1', 'comment 2', 'comment 3', 'comment 4']);
  // Live again: the next write arrives once, after the replay.
  await a.write({ type: 'resolve-chat', tenantId: 'demo', urlId, chatId, resolved: true });
  await b.waitForEvents(1);
  await new Promise((r) => setTimeout(r, 100));
  expect(b.events.map((e) => e.seq)).toEqual([7]);
  a.close(); b.close();
});

test('a since that is up to date gets an empty replay', async () => {
  const urlId = `img-${randomUUID()}`;
  const a = await TestClient.connect(server.wsUrl);
  const first = (await a.subscribe('demo', urlId)) as SubscribedSnapshot;
  await a.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.3, y: 0.3, text: 'start' });
  const again = await a.subscribe('demo', urlId, { since: 1, epoch: first.epoch });
  expect(again).toMatchObject({ reset: false, seq: 1, events: [] });
  a.close();
});

test('a since older than the kept log gets reset: true and a snapshot equal to the store', async () => {
  const urlId = `img-${randomUUID()}`;
  const chatId = randomUUID();
  const a = await TestClient.connect(server.wsUrl);
  const first = (await a.subscribe('demo', urlId)) as SubscribedSnapshot;
  await a.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.3, y: 0.3, text: 'start' });
  await writeMany(a, urlId, chatId, 12);
  const b = await TestClient.connect(server.wsUrl);
  const answer = (await b.subscribe('demo', urlId, { since: 1, epoch: first.epoch })) as SubscribedSnapshot;
  expect(answer).toMatchObject({ reset: true, seq: 13, epoch: first.epoch });
  const stored = await server.store.read({ tenantId: 'demo', urlId });
  expect(stored.reset && stored.chats).toEqual(answer.chats);
  expect(answer.chats[0]?.comments).toHaveLength(13);
  // Still inside the kept log: exact replay.
  const c = await TestClient.connect(server.wsUrl);
  const recent = (await c.subscribe('demo', urlId, { since: 5, epoch: first.epoch })) as SubscribedReplay;
  expect(recent.reset).toBe(false);
  expect(recent.events.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
  a.close(); b.close(); c.close();
});

test('a wrong epoch gets reset: true', async () => {
  const urlId = `img-${randomUUID()}`;
  const a = await TestClient.connect(server.wsUrl);
  await a.subscribe('demo', urlId);
  await a.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.3, y: 0.3, text: 'start' });
  const answer = await a.subscribe('demo', urlId, { since: 1, epoch: 'some-other-history' });
  expect(answer).toMatchObject({ type: 'subscribed', reset: true, seq: 1 });
  expect((answer as SubscribedSnapshot).chats).toHaveLength(1);
  // A since ahead of the image (a client from a lost history) also gets a snapshot.
  const ahead = await a.subscribe('demo', urlId, { since: 99, epoch: (answer as SubscribedSnapshot).epoch });
  expect(ahead).toMatchObject({ reset: true, seq: 1 });
  a.close();
});

test('writes racing a subscribe are neither lost nor doubled', async () => {
  const urlId = `img-${randomUUID()}`;
  const chatId = randomUUID();
  const writer = await TestClient.connect(server.wsUrl);
  await writer.subscribe('demo', urlId);
  await writer.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.3, y: 0.3, text: 'start' });
  const pending = Array.from({ length: 8 }, (_, i) => writer.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: `race ${i}` }));
  const reader = await TestClient.connect(server.wsUrl);
  const answer = (await reader.subscribe('demo', urlId)) as SubscribedSnapshot;
  await Promise.all(pending);
  const expected = 9 - answer.seq;
  await reader.waitForEvents(expected);
  await new Promise((r) => setTimeout(r, 100));
  const seqs = reader.events.map((e) => e.seq);
  expect(seqs).toEqual(Array.from({ length: expected }, (_, i) => answer.seq + 1 + i));
  writer.close(); reader.close();
});
