/**
 * The open-files limit (issue 8, item 2): a node started under `prlimit --nofile=128:128`, flooded with TCP and
 * WebSocket connections. At the limit a static file is a 503 with retry-after (it used to be an unhandled EMFILE
 * that ended the process); below it, the connection cap (the limit less FD_RESERVE) drops new connections at
 * accept, counts them and warns once; when the connections close, the node serves as before.
 */
import { afterEach, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { parseResponses, type ParsedResponse } from '../helpers/raw-http.js';
import { connectionCap, readOpenFilesLimit, webSocketCap } from '../../server/http/fd-limit.js';
import { until } from '../helpers/wait.js';

const OPEN_FILES = 128;


const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `node dist/server/main.js` with its open-files limit lowered to `openFiles`. */
async function startLimited(env: Record<string, string>, openFiles = OPEN_FILES): Promise<NodeProcess> {
  const dataDir = makeTempDir();
  const node = await startNodeProcess({
    DATABASE_URL: `sqlite:${join(dataDir, 'fd.db')}`,
    // The flood comes from one address: admission's per-address caps are not what this test is about.
    MAX_CONNECTIONS_PER_IP: '10000', CONNECTION_BURST_PER_IP: '10000', CONNECTION_RATE_PER_IP: '100000', MAX_TCP_CONNECTIONS_PER_IP: '10000',
    ...env,
  }, 20_000, ['prlimit', `--nofile=${openFiles}:${openFiles}`]);
  cleanups.push(async () => {
    await node.stop('SIGKILL');
    removeDir(dataDir);
  });
  return node;
}


const alive = (node: NodeProcess): boolean => node.child.exitCode === null && node.child.signalCode === null;
const openDescriptors = (node: NodeProcess): number => readdirSync(`/proc/${node.child.pid}/fd`).length;

/** A keep-alive connection opened before the flood, so requests still reach the node while it refuses new ones. */
class Probe {
  private buffer = Buffer.alloc(0);
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => { this.buffer = Buffer.concat([this.buffer, chunk]); });
  }

  static async open(port: number): Promise<Probe> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    cleanups.push(() => void socket.destroy());
    return new Probe(socket);
  }

  async get(path: string): Promise<ParsedResponse> {
    this.buffer = Buffer.alloc(0);
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
    let response: ParsedResponse | undefined;
    await until(() => {
      const parsed = parseResponses(this.buffer, { closed: false });
      response = parsed.problem === undefined ? parsed.responses[0] : undefined;
      return response !== undefined || this.socket.destroyed;
    }, `an answer to GET ${path}`, 5_000);
    if (!response) throw new Error(`no answer to GET ${path} on the probe connection`);
    return response;
  }
}

/** Opens `count` raw TCP connections; resolves once each is connected or closed. */
async function flood(port: number, count: number): Promise<{ sockets: Socket[]; closedByServer: () => number }> {
  const sockets: Socket[] = [];
  let closed = 0;
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('connect', () => resolve());
    socket.once('close', () => {
      closed += 1;
      resolve();
    });
  })));
  cleanups.push(() => sockets.forEach((socket) => socket.destroy()));
  return { sockets, closedByServer: () => closed };
}

async function healthz(port: number): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.status);
}

test('reads the soft open-files limit from /proc/self/limits; the cap is the limit less the reserve', () => {
  const limits = 'Limit                     Soft Limit           Hard Limit           Units     \n'
    + 'Max open files            128                  4096                 files     \n';
  expect(readOpenFilesLimit(limits)).toBe(128);
  expect(readOpenFilesLimit('Max open files            unlimited            unlimited            files     \n')).toBeUndefined();
  expect(readOpenFilesLimit('')).toBeUndefined();
  expect(readOpenFilesLimit()).toBeGreaterThan(0);
  expect(connectionCap(128, 48)).toBe(80);
  expect(connectionCap(undefined, 48)).toBeUndefined();
  expect(() => connectionCap(128, 128)).toThrow('the open-files limit (128) is not above FD_RESERVE (128): raise "ulimit -n" or lower FD_RESERVE');
});

test('a limit at or below FD_RESERVE stops the start with a message that names both', async () => {
  const dataDir = makeTempDir();
  cleanups.push(() => removeDir(dataDir));
  const child = spawn('prlimit', ['--nofile=128:128', process.execPath, 'dist/server/main.js'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: `sqlite:${join(dataDir, 'fd.db')}`, FD_RESERVE: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => void child.kill('SIGKILL'));
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const code = await new Promise((resolve) => {
    child.once('exit', resolve);
    setTimeout(() => resolve('still running after 10 s'), 10_000).unref();
  });
  expect(code).toBe(1);
  expect(output).toContain('the open-files limit (128) is not above FD_RESERVE (200)');
});

test('out of file descriptors: a static file is a 503 with retry-after, the process lives, and serves again after', async () => {
  // A reserve too small for this process: the descriptor table fills before the connection cap is reached, as it
  // would if the store or a leak held the descriptors the reserve is meant for.
  const node = await startLimited({ FD_RESERVE: '8' });
  const probe = await Probe.open(node.port);
  expect((await probe.get('/widget.js')).status).toBe(200);

  const sockets = await Promise.all(Array.from({ length: 30 }, () => new Promise<WebSocket | null>((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${node.port}/ws`);
    socket.on('error', () => resolve(null));
    socket.once('open', () => resolve(socket));
  })));
  cleanups.push(() => sockets.forEach((socket) => socket?.terminate()));
  const tcp = await flood(node.port, 150);
  await until(() => openDescriptors(node) >= OPEN_FILES - 1);

  // A file not read before: /widget.js is served from memory now and needs no descriptor.
  expect((await probe.get('/widget.js')).status).toBe(200);
  const refused = await probe.get('/widget.iife.js');
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toEqual(['5']);
  expect(JSON.parse(refused.body.toString())).toEqual({ error: { code: 'unavailable', message: 'the server is at its open-files limit; try again shortly' } });
  // The node did not let the failed accepts or the failed open end it; what needs no descriptor still works.
  expect(alive(node)).toBe(true);
  expect((await probe.get('/healthz')).status).toBe(200);
  expect(tcp.closedByServer()).toBeGreaterThan(0);

  tcp.sockets.forEach((socket) => socket.destroy());
  sockets.forEach((socket) => socket?.terminate());
  await until(() => openDescriptors(node) < OPEN_FILES / 2);
  expect(await healthz(node.port)).toBe(200);
  expect((await fetch(`http://127.0.0.1:${node.port}/widget.js`)).status).toBe(200);
  expect(alive(node)).toBe(true);
});

test('near the limit new connections are dropped at accept, counted and warned about once; files are still served', async () => {
  const node = await startLimited({ FD_RESERVE: '48' });
  expect(node.output()).toContain('"maxConnections":80');
  const probe = await Probe.open(node.port);

  const tcp = await flood(node.port, 120);
  // 80 connections fit (the probe is one), and the node had room to spare: each of the other 41 was dropped.
  await until(() => tcp.closedByServer() === 41);
  expect(openDescriptors(node)).toBeLessThan(OPEN_FILES);
  const file = await probe.get('/widget.js');
  expect(file.status).toBe(200);
  const metrics = (await probe.get('/metrics')).body.toString();
  expect(metrics).toContain('imagechat_connections_dropped_total{reason="fd-limit"} 41');
  const warnings = node.output().split('\n').filter((line) => line.includes('connection dropped: at the open-files limit less FD_RESERVE'));
  expect(warnings).toHaveLength(1);
  expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40, maxConnections: 80, times: 1 });

  tcp.sockets.forEach((socket) => socket.destroy());
  await until(() => openDescriptors(node) < 60);
  expect(await healthz(node.port)).toBe(200);
  expect(alive(node)).toBe(true);
});

test('WebSockets are held below the TCP cap: past it they are closed with 1013, and plain HTTP still gets in', async () => {
  // 128 open files less 48 reserved: 80 TCP connections, of which a tenth (at least 16) stay for HTTP.
  const node = await startLimited({ FD_RESERVE: '48' });
  expect(webSocketCap(80, 18_000)).toBe(64);
  // A large cap keeps at most 1,024 for HTTP: a 20,000-file limit less 512 holds 18,000 WebSockets.
  expect(webSocketCap(19_488, 1_000_000)).toBe(18_464);
  expect(webSocketCap(19_488, 18_000)).toBe(18_000);
  expect(node.output()).toContain('"maxWebSockets":64');
  const results = await Promise.all(Array.from({ length: 70 }, () => new Promise<{ socket: WebSocket; closeCode: number | null }>((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${node.port}/ws`);
    const result = { socket, closeCode: null as number | null };
    socket.on('error', () => {});
    socket.once('close', (code) => { result.closeCode = code; resolve(result); });
    socket.once('open', () => setTimeout(() => resolve(result), 300));
  })));
  cleanups.push(() => results.forEach(({ socket }) => socket.terminate()));
  expect(results.filter((r) => r.closeCode === 1013)).toHaveLength(6);
  expect(results.filter((r) => r.closeCode === null)).toHaveLength(64);
  expect(await healthz(node.port)).toBe(200);
  const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  expect(metrics).toContain('imagechat_connections_refused_total{reason="node-full"} 6');
  expect(metrics).toContain('imagechat_connections_dropped_total{reason="fd-limit"} 0');
});

test('pipelined file requests a client never reads hold no file descriptors (400 used to hold 349 until garbage collection)', async () => {
  const node = await startLimited({ FD_RESERVE: '8' });
  const warm = await Probe.open(node.port);
  expect((await warm.get('/widget.js')).status).toBe(200);
  const before = openDescriptors(node);
  const sockets = await Promise.all(Array.from({ length: 3 }, () => new Promise<Socket>((resolve) => {
    const socket = connect(node.port, '127.0.0.1', () => {
      socket.pause(); // never reads an answer
      socket.write('GET /widget.js HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(400));
      resolve(socket);
    });
    socket.on('error', () => {});
  })));
  cleanups.push(() => sockets.forEach((socket) => socket.destroy()));
  await new Promise((resolve) => setTimeout(resolve, 500));
  // The three sockets themselves, and nothing per request.
  expect(openDescriptors(node)).toBeLessThanOrEqual(before + 3 + 2);
  sockets.forEach((socket) => socket.destroy());
  expect(await healthz(node.port)).toBe(200);
  expect((await fetch(`http://127.0.0.1:${node.port}/widget.js`)).status).toBe(200);
  expect(alive(node)).toBe(true);
});
