/**
 * What goes over the socket for a new marker (docs/protocol.md#lighter-new-image-chat): the server leaves out what a
 * client derives, in live events and in replays alike, and the store keeps the whole event.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

/** Raw frames of a plain socket subscribed to the image, as a client library written from the docs sees them. */
async function rawSubscriber(urlId: string, extra: Record<string, unknown> = {}): Promise<{ frames: Record<string, unknown>[]; socket: WebSocket }> {
  const socket = new WebSocket(server.wsUrl);
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'subscribe', tenantId: 'demo', urlId, ...extra }));
  for (let i = 0; i < 100 && !frames.some((f) => f.type === 'subscribed'); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return { frames, socket };
}

test('a live new-image-chat and a replayed one leave out the chat id, the first comment\'s author and times; the store keeps them', async () => {
  const urlId = `img-${randomUUID()}`;
  const live = await rawSubscriber(urlId);
  const writer = await TestClient.connect(server.wsUrl);
  await writer.subscribe('demo', urlId);
  const chatId = randomUUID();
  await writer.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.5, y: 0.5, text: 'light' });
  for (let i = 0; i < 100 && !live.frames.some((f) => f.type === 'new-image-chat'); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  const sent = live.frames.find((f) => f.type === 'new-image-chat') as { chatId: string; chat: Record<string, unknown> & { comments: Record<string, unknown>[] } };
  expect(sent.chatId).toBe(chatId);
  expect(sent.chat).not.toHaveProperty('id');
  expect(sent.chat).not.toHaveProperty('resolved');
  expect(sent.chat.comments[0]).toEqual({ id: expect.any(String), text: 'light' });

  const subscribed = live.frames.find((f) => f.type === 'subscribed') as { epoch: string };
  const replay = await rawSubscriber(urlId, { since: 0, epoch: subscribed.epoch });
  const answer = replay.frames.find((f) => f.type === 'subscribed') as { events: typeof sent[] };
  expect(answer.events[0]).toEqual(sent);

  // The store, and every client that restores it (TestClient does, as the widget does), has the whole event.
  const stored = await server.store.eventsBetween({ tenantId: 'demo', urlId }, 0, 1);
  expect(stored![0]).toMatchObject({ chat: { id: chatId, resolved: false, comments: [{ text: 'light', author: expect.any(Object), editedAt: null }] } });
  expect(writer.events[0]).toEqual(stored![0]);
  for (const socket of [live.socket, replay.socket]) socket.close();
  writer.close();
});
