/**
 * HTTP input that used to kill a node, and the error boundary around every request (issue 8, item 1). The node
 * runs as its own process (`node dist/server/main.js`), so "the server lives" means the process did not exit.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { exchange, parseResponses, type ParsedResponse } from '../helpers/raw-http.js';
import { createRequestHandler, type Route } from '../../server/http/router.js';

const dataDir = makeTempDir();
let node: NodeProcess;

beforeAll(async () => {
  node = await startNodeProcess({ DATABASE_URL: `sqlite:${join(dataDir, 'http-errors.db')}` });
});
afterAll(async () => {
  await node?.stop();
  removeDir(dataDir);
});

const alive = (): boolean => node.child.exitCode === null && node.child.signalCode === null;

/** Sends raw bytes to the node and reads every response; the bytes must be well-formed HTTP/1.1. */
async function ask(request: string, port = node.port): Promise<ParsedResponse[]> {
  const answer = await exchange(port, request);
  const parsed = parseResponses(answer.bytes);
  if (parsed.problem) throw new Error(`malformed answer (${parsed.problem}): ${JSON.stringify(answer.bytes.toString('latin1').slice(0, 300))}`);
  return parsed.responses;
}

const json = (response: ParsedResponse | undefined): unknown => JSON.parse(response?.body.toString('utf8') ?? 'null');
const BAD_TARGET = { error: { code: 'bad-request', message: 'the request target is not a path or an http(s) URL' } };

test('GET http://a:99999/ (absolute-form, port out of range) is a 400 and the process lives', async () => {
  const [response] = await ask('GET http://a:99999/ HTTP/1.1\r\nHost: a\r\n\r\n');
  expect(response?.status).toBe(400);
  expect(json(response)).toEqual(BAD_TARGET);
  expect(alive()).toBe(true);
  expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
});

test.each([
  ['GET', 'http://a:99999/healthz'],
  ['GET', 'http://[::1/'],
  ['GET', 'http://a%zz/'],
  ['GET', 'ftp://a/healthz'],
  ['GET', 'http://a:1:2/'],
  ['GET', 'http://a%00b/'],
  ['OPTIONS', '*'],
])('%s %s: a target no route can answer is a 400 bad-request', async (method, target) => {
  const [response] = await ask(`${method} ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
  expect(response?.status).toBe(400);
  expect(json(response)).toEqual(BAD_TARGET);
  expect(alive()).toBe(true);
});

test.each([
  ['http://a/healthz', 200],
  ['http://[::1]:0/healthz', 200],
  ['http://user:pw@a/healthz', 200],
  ['https://a:443/healthz?x=%zz', 200],
  // An origin-form path stays a path: `//healthz` names no host and no route.
  ['//healthz', 404],
])('GET %s is routed on its path (%i)', async (target, status) => {
  const [response] = await ask(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
  expect(response?.status).toBe(status);
  if (status === 404) expect(json(response)).toEqual({ error: { code: 'not-found', message: 'nothing at //healthz' } });
});

test('an upgrade with a bad target is a 400; to a path other than /ws a 404; the process lives', async () => {
  const upgrade = (target: string) => `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n`
    + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
  expect((await ask(upgrade('http://a:99999/ws')))[0]?.status).toBe(400);
  expect((await ask(upgrade('/elsewhere')))[0]?.status).toBe(404);
  expect((await ask(upgrade('http://a/ws')))[0]?.status).toBe(101);
  expect(alive()).toBe(true);
});

test('CONNECT (authority-form) is answered 405, not dropped', async () => {
  const [response] = await ask('CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n');
  expect(response?.status).toBe(405);
  expect(json(response)).toEqual({ error: { code: 'bad-request', message: 'this server is not a proxy' } });
});

test.each([
  ['not HTTP at all', 'GARBAGE\r\n\r\n', [400]],
  ['authority-form without CONNECT', 'GET a:1 HTTP/1.1\r\nHost: a\r\n\r\n', [400]],
  ['a scheme without //', 'GET javascript:alert(1) HTTP/1.1\r\nHost: a\r\n\r\n', [400]],
  ['two content-lengths', 'POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', [400]],
  ['a NUL in the target', 'GET /he\0althz HTTP/1.1\r\nHost: a\r\n\r\n', [400]],
  ['20 KB of headers', `GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, [431]],
  // The headers were fine, so the route answered before the body went wrong; the 400 follows on the same socket.
  ['a bad chunk size', 'POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n', [404, 400]],
])('what the parser rejects (%s) gets a JSON error, not a silent close', async (_name, request, statuses) => {
  const responses = await ask(request);
  expect(responses.map((response) => response.status)).toEqual(statuses);
  const status = statuses.at(-1);
  expect(json(responses.at(-1))).toEqual({ error: { code: status === 431 ? 'too-large' : 'bad-request', message: 'the request is not valid HTTP/1.1' } });
});

test('garbage pipelined behind a file request: the whole file first, then the 400', async () => {
  const responses = await ask('GET /widget.js HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\n');
  expect(responses.map((r) => r.status)).toEqual([200, 400]);
  expect(responses[0]?.body.length).toBe(Number(responses[0]?.headers.get('content-length')?.[0]));
});

test('the process survived everything above', async () => {
  expect(alive()).toBe(true);
  expect(await (await fetch(`${node.url}/healthz`)).json()).toEqual({ ok: true });
});

// ---- the error boundary, on a real HTTP server with routes that fail on purpose ----

interface Logged { level: number; msg: string; path?: string; times?: number }

async function boundaryServer(routes: Route[]): Promise<{ server: Server; port: number; logged: Logged[] }> {
  const logged: Logged[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as Logged) });
  const server = createServer(createRequestHandler(routes, log));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, logged };
}

test('a handler that throws or rejects is answered 500 and logged through the throttle; after the status line the socket is cut', async () => {
  const { server, port, logged } = await boundaryServer([
    { method: 'GET', path: '/throws', handler: () => { throw new Error('sync boom'); } },
    { method: 'GET', path: '/rejects', handler: async () => { await Promise.resolve(); throw new Error('async boom'); } },
    { method: 'GET', path: '/half', handler: (_req, res) => { res.setHeader('x-half', '1'); throw new Error('half boom'); } },
    { method: 'GET', path: '/midway', handler: async (_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('01234');
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('midway boom');
    } },
    { method: 'GET', path: '/after-end', handler: (_req, res) => { res.end('done'); throw new Error('late boom'); } },
  ]);
  try {
    const INTERNAL = { error: { code: 'internal', message: 'unexpected error' } };
    for (const path of ['/throws', '/rejects', '/half']) {
      const [response] = await ask(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`, port);
      expect(response?.status).toBe(500);
      expect(json(response)).toEqual(INTERNAL);
    }
    // Headers were sent: the only honest signal left is a connection cut short of its content-length.
    const midway = await exchange(port, 'GET /midway HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(midway.closedByServer).toBe(true);
    expect(parseResponses(midway.bytes).problem).toBe('body shorter than its content-length');
    // Answered in full before the throw: the client keeps its answer.
    const [afterEnd] = await ask('GET /after-end HTTP/1.1\r\nHost: a\r\n\r\n', port);
    expect(afterEnd?.status).toBe(200);
    expect(afterEnd?.body.toString()).toBe('done');
    // The first failure is written at once; the four after it, within the throttle's interval, are counted for the
    // next line, so a stranger repeating a failing request writes one line per interval, not one per request.
    expect(logged.map((entry) => [entry.msg, entry.path, entry.times])).toEqual([['http handler failed', '/throws', 1]]);
  } finally {
    server.close();
  }
});
