import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { SubscribedSnapshot } from '../../shared/index.js';
import { startTestServerWithHooks, removeDir, type TestServer } from '../helpers/server.js';
import type { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServerWithHooks({ WRITE_RATE_PER_SECOND: '1000', WRITE_BURST: '1000', FRAME_RATE_PER_SECOND: '1000', FRAME_BURST: '1000', MAX_CHATS_PER_IMAGE: '100000' }); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

test('a full database answers unavailable, stores nothing of the failed write, and recovers', async () => {
  // SQLite's own "database or disk is full" (SQLITE_FULL), reached by capping the file's pages on the store worker's connection.
  const store = server.store as SqliteWorkerStore;
  const pages = Number(await store.testHook('pragma', 'page_count'));
  await store.testHook('pragma', `max_page_count = ${pages + 2}`);

  const client = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await client.subscribe('demo', urlId);
  const acked: string[] = [];
  let failure: Record<string, unknown> | null = null;
  for (let i = 0; i < 500 && !failure; i += 1) {
    const chatId = randomUUID();
    const answer = await client.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.5, y: 0.5, text: 'y'.repeat(3000) });
    if (answer.type === 'ack') acked.push(chatId);
    else failure = answer as unknown as Record<string, unknown>;
  }
  expect(failure).toMatchObject({ type: 'error', code: 'unavailable', for: 'create-chat' });
  expect(typeof failure?.broadcastId).toBe('string');
  // The connection lives on, reads still work, and exactly the acknowledged writes are there.
  const snapshot = (await client.subscribe('demo', urlId)) as SubscribedSnapshot;
  expect(snapshot.chats.map((c) => c.id).sort()).toEqual([...acked].sort());
  expect(snapshot.seq).toBe(acked.length);

  await store.testHook('pragma', 'max_page_count = 1073741823');
  expect(await client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'room again' })).toMatchObject({ type: 'ack', seq: acked.length + 1 });
  client.close();
});

test('writes that arrive together are committed together, in order, with consecutive seqs', async () => {
  const client = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await client.subscribe('demo', urlId);
  const chatId = randomUUID();
  await client.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.5, y: 0.5, text: 'root' });
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => client.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: `c${i}` })));
  expect(answers.map((a) => a.type === 'ack' && a.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
  const snapshot = (await client.subscribe('demo', urlId)) as SubscribedSnapshot;
  expect(snapshot.chats[0]!.comments.map((c) => c.text)).toEqual(['root', ...Array.from({ length: 30 }, (_, i) => `c${i}`)]);
  client.close();
});

test('a connection\'s writes are stored in the order it sent them, also while its tenant is looked up', async () => {
  const tenantId = `t-${randomUUID()}`;
  expect(await server.store.createTenant({ id: tenantId, name: 'Fresh', origins: [], secretHash: 'x' })).toBe(true);
  const writer = await TestClient.connect(server.wsUrl); // never subscribes: every write checks the tenant
  const urlId = `img-${randomUUID()}`;
  const chatId = randomUUID();
  const first = await writer.write({ type: 'create-chat', tenantId, urlId, chatId, x: 0.5, y: 0.5, text: 'root' });
  expect(first.type).toBe('ack');
  server.service.tenants.forget(tenantId); // the next write misses the cache and waits for the store
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => writer.write({ type: 'add-comment', tenantId, urlId, chatId, text: `n${i}` })));
  expect(answers.map((a) => a.type === 'ack' && a.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
  const stored = await server.store.read({ tenantId, urlId });
  expect(stored.reset && stored.chats[0]!.comments.map((c) => c.text)).toEqual(['root', ...Array.from({ length: 40 }, (_, i) => `n${i}`)]);
  writer.close();
});
