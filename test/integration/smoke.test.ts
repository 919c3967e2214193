import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

test('two clients: create chat, ack and event with seq 1', async () => {
  const a = await TestClient.connect(server.wsUrl);
  const b = await TestClient.connect(server.wsUrl);
  const sa = await a.subscribe('demo', 'img-1');
  const sb = await b.subscribe('demo', 'img-1');
  expect(sa).toMatchObject({ type: 'subscribed', seq: 0, reset: true, chats: [] });
  expect(sb.type).toBe('subscribed');
  const ack = await a.write({ type: 'create-chat', tenantId: 'demo', urlId: 'img-1', x: 0.5, y: 0.25, text: 'hello' });
  expect(ack).toMatchObject({ type: 'ack', seq: 1 });
  const [ea] = await a.waitForEvents(1);
  const [eb] = await b.waitForEvents(1);
  expect(ea).toMatchObject({ type: 'new-image-chat', seq: 1, broadcastId: (ack as { broadcastId: string }).broadcastId });
  expect(eb).toEqual(ea);
  a.close(); b.close();
});
