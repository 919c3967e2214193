/**
 * Usage flushes survive a real PostgreSQL outage: counts gathered before it are kept while flushes fail, and
 * land exactly once when the database is back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.mjs';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { countReceived, total } from '../helpers/received.js';

let postgres: PostgresServer;
let server: TestServer;
beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase(`usage_outage_${randomUUID().replace(/-/g, '')}`);
  server = await startTestServer({ DATABASE_URL: url, USAGE_FLUSH_MS: '600000' });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  await postgres?.stop();
});

test('a flush that fails while PostgreSQL is down keeps its counts and stores them once when it is back', async () => {
  const a = await TestClient.connect(server.wsUrl);
  const b = await TestClient.connect(server.wsUrl);
  const received = [countReceived(a.socket), countReceived(b.socket)];
  await a.subscribe('demo', 'outage');
  await b.subscribe('demo', 'outage');
  for (let i = 0; i < 3; i += 1) await a.write({ type: 'create-chat', tenantId: 'demo', urlId: 'outage', x: 0.5, y: 0.5, text: `before ${i}` });
  await a.waitForEvents(3);
  await b.waitForEvents(3);
  // The presence delta after b's join is the last presence frame (metered like events).
  await a.next((m) => m.type === 'presence' && m.count === 2 && m.snapshot !== true);

  await postgres.kill();
  try {
    expect(await server.usage.flush()).toBe(false);
    expect(await server.usage.flush()).toBe(false);
  } finally {
    await postgres.restart();
  }
  expect(await server.usage.flush()).toBe(true);
  expect(await server.usage.flush()).toBe(true);

  const sent = total(received);
  const today = new Date().toISOString().slice(0, 10);
  const [day] = await server.store.readUsage('demo', today, today);
  expect(day).toMatchObject({ pubSubMessageCount: sent.events + sent.presence, pubSubBandwidth: sent.bytes + sent.presenceBytes, conversationCreateCount: 3 });
  expect(sent.events).toBe(6);
  a.close();
  b.close();
});
