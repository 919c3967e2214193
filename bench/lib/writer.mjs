/**
 * The writer side of both benchmarks: a fixed-rate, open-loop sender, and what it sends to each server.
 * Every write carries `bench <sendTimeMs> #<n>` in its comment text, which the subscriber process reads back.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { answerPing, eventPacket } from './engine-io.mjs';
import { eventToWire } from '../../dist/shared/index.js';

/** The tenant every benchmark writes to (the demo tenant), and the fan-out benchmark's one image. */
export const TENANT = 'demo';
export const URL_ID = 'bench-img';

/** Wall-clock based, sub-millisecond: comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();
/** The monotonic clock V8 stamps CPU-profile samples with, in µs. */
export const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);

/** `bench <sendTimeMs> #<n>` padded to `length` characters: the subscriber reads both back. */
function benchText(sentAt, n, length) {
  const head = `bench ${sentAt.toFixed(3)} #${n} `;
  return head + 'x'.repeat(Math.max(0, length - head.length));
}

/** The writer's own WebSocket (not subscribed: it receives acks, not events). */
export function openWriter(url) {
  return new Promise((done, fail) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      socket.removeListener('error', fail);
      socket.on('error', (error) => console.error('writer socket:', error.message));
      done(socket);
    });
    socket.once('error', fail);
  });
}

/** Sends `total` writes at `rate` per second on a fixed schedule; `send(n)` makes and sends write n. */
export async function paced(rate, total, send) {
  const period = 1000 / rate;
  const start = performance.now();
  let n = 0;
  let maxLagMs = 0;
  while (n < total) {
    const wait = start + n * period - performance.now();
    if (wait > 1) await sleep(wait - 0.5);
    else await new Promise((r) => setImmediate(r));
    while (n < total && start + n * period <= performance.now()) {
      maxLagMs = Math.max(maxLagMs, performance.now() - (start + n * period));
      send(n);
      n += 1;
    }
  }
  return { maxLagMs, ms: performance.now() - start };
}

/** Writer side of image-chat: `create-chat` (a new marker per write, so no thread grows) on `urlId`, acks timed. */
export function imageChatWriter(socket, textLength, urlId = URL_ID) {
  const sent = new Map();
  const ackLatencies = [];
  let errors = 0;
  socket.on('message', (data) => {
    const received = now();
    const message = JSON.parse(data.toString());
    if (message.type === 'ack') {
      ackLatencies.push(received - sent.get(message.broadcastId));
      sent.delete(message.broadcastId);
    } else if (message.type === 'error') {
      errors += 1;
      if (errors <= 3) console.error('image-chat error:', message);
    }
  });
  return {
    send(n) {
      const broadcastId = randomUUID();
      const sentAt = now();
      sent.set(broadcastId, sentAt);
      socket.send(JSON.stringify({ type: 'create-chat', broadcastId, tenantId: TENANT, urlId, x: 0.5, y: 0.5, text: benchText(sentAt, n, textLength) }));
    },
    pending: () => sent.size,
    takeAcks() {
      const result = { acks: ackLatencies.splice(0).sort((a, b) => a - b), errors };
      errors = 0;
      return result;
    },
  };
}

/**
 * The event an image-chat subscriber gets for write n (a `new-image-chat` as image-chat sends it: in its wire form,
 * docs/protocol.md#lighter-new-image-chat), built the same way, so that the raw and Socket.IO servers fan out
 * frames of the same size.
 */
function benchEvent(n, textLength) {
  const sentAt = now();
  const chatId = randomUUID();
  const createdAt = Date.now();
  const author = { id: AUTHOR_ID, name: 'Guest' };
  const comment = { id: randomUUID(), author, text: benchText(sentAt, n, textLength), createdAt, editedAt: null };
  return eventToWire({
    type: 'new-image-chat', broadcastId: randomUUID(), tenantId: TENANT, urlId: URL_ID, chatId,
    chat: { id: chatId, number: n + 1, x: 0.5, y: 0.5, author, createdAt, resolved: false, comments: [comment] }, seq: n + 1,
  });
}
const AUTHOR_ID = randomUUID();

/** Writer side of the raw server: the event itself, which the server sends on as the same bytes. */
export function rawWriter(socket, textLength) {
  return {
    send: (n) => socket.send(JSON.stringify(benchEvent(n, textLength))),
    pending: () => 0,
    takeAcks: () => ({ acks: [], errors: 0 }),
  };
}

/**
 * Writer side of the Socket.IO server (a socket from `openSocketIo`): the same event, emitted as `write` with the
 * image it belongs to; the server emits it to the image's room. `urlId` makes each session's room its own.
 */
export function socketIoWriter(socket, textLength, urlId = URL_ID) {
  socket.on('message', (frame) => answerPing(socket, frame));
  return {
    send: (n) => socket.send(eventPacket('write', { ...benchEvent(n, textLength), urlId })),
    pending: () => 0,
    takeAcks: () => ({ acks: [], errors: 0 }),
  };
}
