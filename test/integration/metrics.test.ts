/** `/metrics`: a scrape after traffic shows the counters moved, by the amounts the clients saw. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { countReceived, total } from '../helpers/received.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

async function scrape(): Promise<{ contentType: string | null; text: string }> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  return { contentType: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, e.g. `imagechat_errors_total{code="forbidden"}`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no sample ${name}`);
  return Number(line.slice(name.length + 1));
}

test('a scrape after traffic shows connections, subscriptions, events, bytes, latencies and errors', async () => {
  const before = await scrape();
  expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(sample(before.text, 'imagechat_events_out_total')).toBe(0);
  expect(sample(before.text, 'imagechat_write_ack_seconds_count')).toBe(0);

  const a = await TestClient.connect(server.wsUrl);
  const b = await TestClient.connect(server.wsUrl);
  const received = [countReceived(a.socket), countReceived(b.socket)];
  await a.subscribe('demo', 'metered');
  await b.subscribe('demo', 'metered');
  await b.subscribe('demo', 'metered-2');
  for (let i = 0; i < 3; i += 1) await a.write({ type: 'create-chat', tenantId: 'demo', urlId: 'metered', x: 0.5, y: 0.5, text: `m${i}` });
  const chatId = (await a.waitForEvents(3))[0]!.chatId;
  expect(await b.write({ type: 'delete-chat', tenantId: 'demo', urlId: 'metered', chatId })).toMatchObject({ code: 'forbidden' });
  a.send({ type: 'no-such-type' });
  await a.next((m) => m.type === 'error' && m.code === 'unknown-type');
  await b.waitForEvents(3);
  // The presence delta that follows the second join is the last presence frame of this traffic.
  await a.next((m) => m.type === 'presence' && m.urlId === 'metered' && m.count === 2 && m.snapshot !== true);

  const { text } = await scrape();
  const sent = total(received);
  expect(sample(text, 'imagechat_connections')).toBe(2);
  expect(sample(text, 'imagechat_subscriptions')).toBe(3);
  expect(sample(text, 'imagechat_topics')).toBe(2);
  expect(sample(text, 'imagechat_events_in_total')).toBe(3);
  expect(sample(text, 'imagechat_events_out_total')).toBe(sent.events);
  expect(sample(text, 'imagechat_event_bytes_out_total')).toBe(sent.bytes);
  expect(sent.presence).toBe(4); // a: snapshot and delta; b: a snapshot per image
  expect(sample(text, 'imagechat_presence_frames_out_total')).toBe(sent.presence);
  expect(sample(text, 'imagechat_presence_bytes_out_total')).toBe(sent.presenceBytes);
  expect(sample(text, 'imagechat_write_ack_seconds_count')).toBe(3);
  expect(sample(text, 'imagechat_bus_publish_seconds_count')).toBeGreaterThanOrEqual(3);
  expect(sample(text, 'imagechat_store_seconds_count{operation="write"}')).toBe(4);
  expect(sample(text, 'imagechat_errors_total{code="forbidden"}')).toBe(1);
  expect(sample(text, 'imagechat_errors_total{code="unknown-type"}')).toBe(1);
  expect(sample(text, 'imagechat_slow_client_disconnects_total')).toBe(0);
  expect(text).toContain('imagechat_process_resident_memory_bytes');
  a.close();
  b.close();
});
