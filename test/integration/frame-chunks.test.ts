/**
 * Frames as TCP delivers them, not one per read: several in one chunk, and one split across chunks. The gateway
 * releases ws's empty list of received chunks after each message (ws-frame.ts); a frame that is still partly
 * buffered must survive that, and every whole frame must be answered.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); removeDir(server.dataDir); });

/** A client's masked text frame (payloads under 126 bytes). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Opens a WebSocket by hand on a plain TCP socket; resolves once the 101 is in, with what arrives after it. */
async function handshake(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk) => { data += chunk.toString('latin1'); });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write([
    'GET /ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', '',
  ].join('\r\n'));
  while (!data.includes('\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(data.startsWith('HTTP/1.1 101')).toBe(true);
  const headerEnd = data.indexOf('\r\n\r\n') + 4;
  return { socket, received: () => data.slice(headerEnd) };
}

const until = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
};

test('several frames in one chunk, and a frame split across chunks, are each answered', async () => {
  const port = Number(new URL(server.wsUrl).port);
  const { socket, received } = await handshake(port);
  const ping = maskedTextFrame('{"type":"ping"}');
  const subscribe = maskedTextFrame('{"type":"subscribe","tenantId":"demo","urlId":"frame-chunks.png"}');
  // Three whole frames and the first half of a fourth in one write; the rest of it 50 ms later.
  socket.write(Buffer.concat([subscribe, ping, ping, ping.subarray(0, 5)]));
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.write(ping.subarray(5));
  await until(() => (received().match(/"type":"pong"/g) ?? []).length === 3);
  expect(received()).toContain('"type":"subscribed"');
  expect((received().match(/"type":"pong"/g) ?? []).length).toBe(3);
  socket.destroy();
});
