/**
 * The writer reads its ack before its own copy of the event: `ChatService.commit` resolves (the ack is queued)
 * before the stored event is published, and the in-process bus hands it back to this node one microtask later.
 * The widget relies on it only loosely (it handles either order), but a client that does not should see the
 * protocol's order, and a change to the write path that flips it must fail here.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer({ PERSON_WRITES_PER_MINUTE: '10000' }); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

test('a burst of writes: each ack arrives before the echo of the same write', async () => {
  const urlId = `img-${randomUUID()}`;
  const writer = await TestClient.connect(server.wsUrl);
  await writer.subscribe('demo', urlId);
  const order: string[] = [];
  writer.socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; broadcastId?: string; events?: { broadcastId: string }[] };
    if (frame.type === 'ack') order.push(`ack ${frame.broadcastId}`);
    else if (frame.type === 'batch') for (const event of frame.events ?? []) order.push(`event ${event.broadcastId}`);
    else if (frame.type === 'new-image-chat') order.push(`event ${frame.broadcastId}`);
  });
  const ids = Array.from({ length: 12 }, () => randomUUID());
  for (const broadcastId of ids) writer.send({ type: 'create-chat', broadcastId, tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'burst' });
  const deadline = Date.now() + 10_000;
  while (order.length < 2 * ids.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(order).toHaveLength(2 * ids.length);
  for (const id of ids) expect(order.indexOf(`ack ${id}`), id).toBeLessThan(order.indexOf(`event ${id}`));
  writer.close();
});
