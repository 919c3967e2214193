import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    SLOW_CLIENT_BUFFER_BYTES: String(256 * 1024), MAX_FRAME_BYTES: String(1024 * 1024), MAX_TEXT_LENGTH: '100000',
    MAX_CHATS_PER_IMAGE: '100000', WRITE_RATE_PER_SECOND: '100000', WRITE_BURST: '100000', FRAME_RATE_PER_SECOND: '100000', FRAME_BURST: '100000',
    PERSON_WRITES_PER_MINUTE: '100000', PERSON_WRITE_BYTES_PER_MINUTE: '1000000000', TENANT_WRITE_BYTES_PER_MINUTE: '1000000000',
    IP_WRITE_BYTES_PER_MINUTE: '1000000000',
    // Hundreds of 90 KB markers by one person on one image: far past the default image and per-person caps.
    MAX_IMAGE_BYTES: '1000000000', MAX_CHATS_PER_PERSON_PER_IMAGE: '100000',
  });
});
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

test('a subscriber that stops reading is closed at the cap; another keeps receiving', async () => {
  const urlId = `img-${randomUUID()}`;
  const writer = await TestClient.connect(server.wsUrl);
  const fast = await TestClient.connect(server.wsUrl);
  const slow = await TestClient.connect(server.wsUrl);
  await fast.subscribe('demo', urlId);
  await slow.subscribe('demo', urlId);
  slow.socket.pause(); // stops reading from the TCP socket: the server's send buffer fills up

  const text = 'x'.repeat(90_000);
  const writes = 400; // ~36 MB of events: more than loopback's socket buffers hold
  for (let i = 0; i < writes; i += 1) {
    const ack = await writer.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text });
    expect(ack.type).toBe('ack');
    if ((await metricValue(server, 'imagechat_slow_client_disconnects_total')) > 0 && i > 50) break;
  }
  expect(await metricValue(server, 'imagechat_slow_client_disconnects_total')).toBe(1);
  const written = Number((await server.store.read({ tenantId: 'demo', urlId })).seq);
  await fast.waitForEvents(written, 20_000);
  expect(fast.events.map((e) => e.seq)).toEqual(Array.from({ length: written }, (_, i) => i + 1));
  expect(fast.closeCode).toBeNull();

  slow.socket.resume();
  expect(await slow.waitClosed()).toBe(1013);
  expect(slow.events.length).toBeLessThan(written);
  writer.close(); fast.close();
}, 60_000);
