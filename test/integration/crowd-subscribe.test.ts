/**
 * A crowd opening one image while it is being written to: the subscribes share store reads (read-batches.ts),
 * and each viewer still ends with every chat exactly once, its events following its snapshot without a gap and
 * without a resync.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { ServerMessage } from '../../shared/index.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const VIEWERS = 120;
const WRITES = 60;

let server: TestServer;
beforeAll(async () => {
  // One address holds the whole crowd and the writer: the per-address caps out of the way.
  server = await startTestServer({
    CONNECTION_BURST_PER_IP: '1000', MAX_CONNECTIONS_PER_IP: '1000', MAX_TCP_CONNECTIONS_PER_IP: '1000', MAX_CONCURRENT_READS_PER_IP: '1000',
    WRITE_RATE_PER_SECOND: '1000', WRITE_BURST: '1000', FRAME_RATE_PER_SECOND: '1000', FRAME_BURST: '1000', MAX_CHATS_PER_PERSON_PER_IMAGE: '1000', PERSON_WRITES_PER_MINUTE: '100000', IP_WRITES_PER_MINUTE: '100000',
  });
});
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

type Subscribed = Extract<ServerMessage, { type: 'subscribed' }>;

test('viewers subscribing together during writes each see every chat once, in order, with no gap', async () => {
  const urlId = `crowd-${randomUUID()}`;
  const writer = await TestClient.connect(server.wsUrl);
  writer.send({ type: 'hello', name: 'Writer' });
  await writer.nextOfType('welcome');
  const viewers = await Promise.all(Array.from({ length: VIEWERS }, () => TestClient.connect(server.wsUrl)));
  const written: string[] = [];
  const writing = (async () => {
    for (let n = 0; n < WRITES; n += 1) {
      const chatId = randomUUID();
      const ack = await writer.write({ type: 'create-chat', chatId, tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: `chat ${n}` });
      expect(ack.type === 'error' ? `${ack.code}: ${ack.message}` : ack.type).toBe('ack');
      written.push(chatId);
    }
  })();
  // The crowd arrives in three waves while the writes go on.
  const answers: Promise<unknown>[] = [];
  for (let wave = 0; wave < 3; wave += 1) {
    for (const viewer of viewers.slice((wave * VIEWERS) / 3, ((wave + 1) * VIEWERS) / 3)) answers.push(viewer.subscribe('demo', urlId));
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  await Promise.all(answers);
  await writing;
  for (const viewer of viewers) {
    const subscribed = viewer.frames.find((frame): frame is Subscribed => frame.type === 'subscribed')!;
    expect(subscribed.reset).toBe(true);
    const fromSnapshot = subscribed.reset ? subscribed.chats.map((chat) => chat.id) : [];
    const expected = WRITES - fromSnapshot.length;
    const events = await viewer.waitForEvents(expected);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: expected }, (_, i) => subscribed.seq + 1 + i));
    expect([...fromSnapshot, ...events.map((event) => event.chatId)]).toEqual(written);
    expect(viewer.frames.some((frame) => frame.type === 'resync')).toBe(false);
  }
  // Snapshots were taken at different points of the writing: the crowd did not all get the first one.
  const seqs = new Set(viewers.map((viewer) => viewer.frames.find((frame): frame is Subscribed => frame.type === 'subscribed')!.seq));
  expect(seqs.size).toBeGreaterThan(1);
  for (const client of [writer, ...viewers]) client.close();
});
