/**
 * One address must not hold every TCP slot of a node (slowloris). Half-open requests (a request line and headers,
 * never the blank line) from one address used to be accepted without bound and held for Node's 60 s headers
 * timeout, and a refused WebSocket held its descriptor for 5 s. Now each address may hold
 * MAX_TCP_CONNECTIONS_PER_IP connections (trusted proxies exempt), a half-open request is answered 408 after
 * HTTP_HEADERS_TIMEOUT_MS, and a refused WebSocket that does not answer the close is cut off after CLOSE_GRACE_MS.
 * Linux routes all of 127.0.0.0/8 to loopback, so client sockets bound to 127.0.0.2 and 127.0.0.3 are other addresses.
 */
import { afterEach, expect, test } from 'vitest';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { parseResponses } from '../helpers/raw-http.js';
import { until } from '../helpers/wait.js';

const CAP = 20;
/** Long enough that the checks made while the requests hang finish first on a loaded machine. */
const HEADERS_TIMEOUT_MS = 3000;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(env: Record<string, string> = {}): Promise<NodeProcess> {
  const dataDir = makeTempDir();
  const node = await startNodeProcess({
    DATABASE_URL: `sqlite:${join(dataDir, 'tcp.db')}`,
    MAX_TCP_CONNECTIONS_PER_IP: String(CAP), HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    ...env,
  });
  cleanups.push(() => removeDir(dataDir));
  cleanups.push(() => node.stop('SIGKILL'));
  return node;
}


/** A request that never ends its headers, from `localAddress`. */
interface HalfOpen {
  socket: Socket;
  sentAt: number;
  received: Buffer;
  /** When the server closed it (or reset it), or undefined while it is open. */
  closedAt: number | undefined;
}

async function halfOpen(port: number, localAddress: string, count: number): Promise<HalfOpen[]> {
  const requests = await Promise.all(Array.from({ length: count }, () => new Promise<HalfOpen>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const request: HalfOpen = { socket, sentAt: 0, received: Buffer.alloc(0), closedAt: undefined };
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => { request.received = Buffer.concat([request.received, chunk]); });
    socket.once('connect', () => {
      request.sentAt = Date.now();
      socket.write('GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n');
      resolve(request);
    });
    socket.once('close', () => {
      request.closedAt = Date.now();
      resolve(request);
    });
  })));
  cleanups.push(() => requests.forEach(({ socket }) => socket.destroy()));
  return requests;
}

/** GET `path` on a fresh connection from `localAddress`: the status and body, or the socket error's code. */
function get(port: number, path: string, localAddress: string): Promise<{ status: number; body: string } | string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`));
    const chunks: Buffer[] = [];
    let failure = 'closed without an answer';
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => { failure = error.code ?? error.message; });
    socket.setTimeout(5000, () => {
      failure = 'no answer in 5 s';
      socket.destroy();
    });
    socket.on('close', () => {
      const response = parseResponses(Buffer.concat(chunks)).responses[0];
      resolve(response ? { status: response.status, body: response.body.toString() } : failure);
    });
  });
}

/** A WebSocket from `localAddress` that answers a ping frame: 'pong', or what went wrong. */
function wsPing(url: string, localAddress: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { localAddress });
    const timer = setTimeout(() => resolve('no answer in 5 s'), 5000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'ping' })));
    socket.on('message', (data: Buffer) => resolve(String(JSON.parse(data.toString()).type)));
    socket.on('close', (code) => resolve(`closed ${code}`));
    socket.on('error', (error) => resolve(`error ${error.message}`));
    cleanups.push(() => {
      clearTimeout(timer);
      socket.terminate();
    });
  });
}

const metric = (text: string, name: string): string | undefined => text.split('\n').find((line) => line.startsWith(name));
const dropWarnings = (node: NodeProcess): Record<string, unknown>[] => node.output().split('\n')
  .filter((line) => line.includes('connection dropped: too many TCP connections from one address'))
  .map((line) => JSON.parse(line) as Record<string, unknown>);

test('past MAX_TCP_CONNECTIONS_PER_IP half-open requests are dropped at once and counted; other addresses are served; the held ones get a 408 after the headers timeout', async () => {
  const node = await start();
  const before = await get(node.port, '/metrics', '127.0.0.2');
  expect(typeof before === 'object' && metric(before.body, 'imagechat_connections_dropped_total{reason="address-tcp"}')).toBe('imagechat_connections_dropped_total{reason="address-tcp"} 0');

  const requests = await halfOpen(node.port, '127.0.0.1', CAP + 10);
  const dropped = (): HalfOpen[] => requests.filter((request) => request.closedAt !== undefined);
  await until(() => dropped().length >= 10, 'the 10 connections past the cap closed', 2000);
  // Dropped before a byte was parsed: no answer at all.
  expect(dropped().map((request) => request.received.length)).toEqual(Array(10).fill(0));

  // While 127.0.0.1 holds its whole share, another address gets in over HTTP and over WebSocket.
  expect(await get(node.port, '/healthz', '127.0.0.2')).toMatchObject({ status: 200 });
  expect(await wsPing(node.wsUrl, '127.0.0.3')).toBe('pong');
  const during = await get(node.port, '/metrics', '127.0.0.2');
  expect(typeof during === 'object' && metric(during.body, 'imagechat_connections_dropped_total{reason="address-tcp"}')).toBe('imagechat_connections_dropped_total{reason="address-tcp"} 10');
  expect(typeof during === 'object' && metric(during.body, 'imagechat_connections_dropped_total{reason="fd-limit"}')).toBe('imagechat_connections_dropped_total{reason="fd-limit"} 0');
  const held = requests.filter((request) => !dropped().slice(0, 10).includes(request));
  expect(held).toHaveLength(CAP);
  expect(held.filter((request) => request.closedAt !== undefined), 'the held requests were still open during the checks').toEqual([]);
  // Ten drops, one line: the first is written at once, the rest wait for the throttle's interval.
  expect(dropWarnings(node)).toEqual([expect.objectContaining({ level: 40, address: '127.0.0.1', maxTcpConnectionsPerIp: CAP, times: 1 })]);

  // Bounded well below Node's 60 s default (which the old code had), loosely enough for a loaded machine.
  await until(() => held.every((request) => request.closedAt !== undefined), 'the half-open requests closed by the headers timeout', HEADERS_TIMEOUT_MS + 12_000);
  for (const request of held) {
    const waited = request.closedAt! - request.sentAt;
    expect(waited).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    const answer = parseResponses(request.received).responses;
    expect(answer.map((response) => [response.status, response.headers.get('connection')])).toEqual([[408, ['close']]]);
    expect(JSON.parse(answer[0]!.body.toString())).toEqual({ error: { code: 'bad-request', message: 'the request did not arrive in time' } });
  }

  // The address's count went back to zero with them: it may open its whole share again.
  const again = await halfOpen(node.port, '127.0.0.1', CAP);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(again.filter((request) => request.closedAt !== undefined)).toEqual([]);
});

test('a trusted proxy (TRUST_PROXY) is exempt from the cap; other peers are not', async () => {
  const node = await start({ TRUST_PROXY: '127.0.0.1' });
  const proxied = await halfOpen(node.port, '127.0.0.1', CAP + 10);
  const direct = await halfOpen(node.port, '127.0.0.2', CAP + 5);
  await until(() => direct.filter((request) => request.closedAt !== undefined).length >= 5, 'the 5 direct connections past the cap closed', 2000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(proxied.filter((request) => request.closedAt !== undefined)).toEqual([]);
  expect(direct.filter((request) => request.closedAt !== undefined)).toHaveLength(5);
  const metrics = await get(node.port, '/metrics', '127.0.0.3');
  expect(typeof metrics === 'object' && metric(metrics.body, 'imagechat_connections_dropped_total{reason="address-tcp"}')).toBe('imagechat_connections_dropped_total{reason="address-tcp"} 5');
});

test('a refused WebSocket that never answers the close is cut off after CLOSE_GRACE_MS (1 s), not 5 s', async () => {
  const node = await start({ MAX_CONNECTIONS_PER_IP: '1' });
  const first = await wsPing(node.wsUrl, '127.0.0.1');
  expect(first).toBe('pong');
  // A raw client: completes the handshake, reads the 1008 close frame, and never sends its own close.
  const socket = connect({ port: node.port, host: '127.0.0.1', localAddress: '127.0.0.1' });
  cleanups.push(() => void socket.destroy());
  socket.on('error', () => {});
  let received = Buffer.alloc(0);
  let upgradedAt = 0;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (upgradedAt === 0 && received.includes('\r\n\r\n')) upgradedAt = Date.now();
  });
  socket.write('GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  const closedAt = await new Promise<number>((resolve) => {
    socket.once('close', () => resolve(Date.now()));
    setTimeout(() => resolve(Number.POSITIVE_INFINITY), 8000);
  });
  expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  const frame = received.subarray(received.indexOf('\r\n\r\n') + 4);
  // A close frame (0x88) with code 1008.
  expect([frame[0], frame.readUInt16BE(2)]).toEqual([0x88, 1008]);
  expect(closedAt - upgradedAt).toBeGreaterThanOrEqual(500);
  // Loose on purpose (a loaded machine), yet below the 5 s a refused socket used to hold its descriptor.
  expect(closedAt - upgradedAt).toBeLessThan(4500);
});
