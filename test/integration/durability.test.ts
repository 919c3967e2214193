import { afterAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SubscribedSnapshot } from '../../shared/index.js';
import { makeTempDir, removeDir, startTestServer } from '../helpers/server.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { TestClient } from '../helpers/ws-client.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

test('a restart on the same database file keeps everything', async () => {
  const dataDir = makeTempDir();
  dirs.push(dataDir);
  let server = await startTestServer({}, dataDir);
  const urlId = `img-${randomUUID()}`;
  const a = await TestClient.connect(server.wsUrl);
  const before = (await a.subscribe('demo', urlId)) as SubscribedSnapshot;
  const chatId = randomUUID();
  await a.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.4, y: 0.6, text: 'persist me' });
  await a.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: 'and me' });
  await a.write({ type: 'resolve-chat', tenantId: 'demo', urlId, chatId, resolved: true });
  const stateBefore = await server.store.read({ tenantId: 'demo', urlId });
  await server.close();
  expect(await a.waitClosed()).toBe(1001);

  server = await startTestServer({}, dataDir);
  const b = await TestClient.connect(server.wsUrl);
  const after = (await b.subscribe('demo', urlId)) as SubscribedSnapshot;
  expect(after).toMatchObject({ seq: 3, epoch: before.epoch, reset: true });
  expect(stateBefore.reset && after.chats).toEqual(stateBefore.reset && stateBefore.chats);
  expect(after.chats[0]).toMatchObject({ resolved: true, comments: [{ text: 'persist me' }, { text: 'and me' }] });
  // The event log survived too: a client that saw seq 1 gets exactly 2 and 3.
  expect(await b.subscribe('demo', urlId, { since: 1, epoch: before.epoch })).toMatchObject({ reset: false, seq: 3, events: [{ seq: 2 }, { seq: 3 }] });
  b.close();
  await server.close();
});

test('SIGKILL right after acks loses no acknowledged write', async () => {
  const dataDir = makeTempDir();
  dirs.push(dataDir);
  // The person budget (120 writes a minute) out of the way too: 150 writes would end in refusals that close the
  // socket as a flood, and with it the acks this test counts.
  const env = {
    DATABASE_URL: `sqlite:${join(dataDir, 'kill.db')}`, WRITE_RATE_PER_SECOND: '10000', WRITE_BURST: '10000', FRAME_RATE_PER_SECOND: '10000', FRAME_BURST: '10000',
    PERSON_WRITES_PER_MINUTE: '10000',
  };
  const node = await startNodeProcess(env);
  const urlId = `img-${randomUUID()}`;
  const client = await TestClient.connect(node.wsUrl);
  await client.subscribe('demo', urlId);
  const chatId = randomUUID();
  await client.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.5, y: 0.5, text: 'root' });
  // Fire many writes without waiting, and kill the process while acks are still arriving.
  const acked = new Set<string>();
  client.socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; broadcastId?: string };
    if (frame.type === 'ack' && frame.broadcastId) acked.add(frame.broadcastId);
  });
  const sent: string[] = [];
  for (let i = 0; i < 150; i += 1) {
    const broadcastId = randomUUID();
    sent.push(broadcastId);
    client.send({ type: 'add-comment', broadcastId, tenantId: 'demo', urlId, chatId, text: `w${i}`, commentId: broadcastId });
  }
  while (acked.size < 20) await new Promise((r) => setTimeout(r, 1));
  await node.stop('SIGKILL');
  expect(acked.size).toBeGreaterThanOrEqual(20);

  const restarted = await startNodeProcess(env);
  const reader = await TestClient.connect(restarted.wsUrl);
  const snapshot = (await reader.subscribe('demo', urlId)) as SubscribedSnapshot;
  const stored = new Set(snapshot.chats[0]!.comments.map((c) => c.id));
  const lost = [...acked].filter((id) => !stored.has(id));
  expect(lost).toEqual([]);
  expect(snapshot.seq).toBe(1 + stored.size - 1);
  reader.close();
  await restarted.stop();
});

test('SIGKILL while several connections write to several images: every acknowledged write is there after the restart, seqs without gaps', async () => {
  const dataDir = makeTempDir();
  dirs.push(dataDir);
  // The store runs in its worker thread: the kill lands while group commits of several images are in flight there.
  const env = {
    DATABASE_URL: `sqlite:${join(dataDir, 'kill-many.db')}`, WRITE_RATE_PER_SECOND: '10000', WRITE_BURST: '10000', FRAME_RATE_PER_SECOND: '10000', FRAME_BURST: '10000',
    PERSON_WRITES_PER_MINUTE: '10000', MAX_CHATS_PER_PERSON_PER_IMAGE: '10000',
  };
  const node = await startNodeProcess(env);
  const images = Array.from({ length: 4 }, () => `img-${randomUUID()}`);
  const clients = await Promise.all(images.map(() => TestClient.connect(node.wsUrl)));
  const acked = new Map<string, string>(); // broadcastId → url id
  clients.forEach((client, i) => {
    client.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; broadcastId?: string };
      if (frame.type === 'ack' && frame.broadcastId) acked.set(frame.broadcastId, images[i]!);
    });
  });
  for (let n = 0; n < 80; n += 1) {
    clients.forEach((client, i) => {
      const chatId = randomUUID();
      client.send({ type: 'create-chat', broadcastId: chatId, chatId, tenantId: 'demo', urlId: images[i], x: 0.5, y: 0.5, text: `w${n}` });
    });
  }
  while (acked.size < 60) await new Promise((r) => setTimeout(r, 1));
  await node.stop('SIGKILL');

  const restarted = await startNodeProcess(env);
  const reader = await TestClient.connect(restarted.wsUrl);
  for (const urlId of images) {
    const snapshot = (await reader.subscribe('demo', urlId)) as SubscribedSnapshot;
    const stored = new Set(snapshot.chats.map((chat) => chat.id));
    expect([...acked].filter(([id, image]) => image === urlId && !stored.has(id))).toEqual([]);
    expect(snapshot.seq).toBe(stored.size);
  }
  reader.close();
  await restarted.stop();
});
