import { afterAll, expect, test } from 'vitest';
import { join } from 'node:path';
import { makeTempDir, removeDir, startTestServer } from '../helpers/server.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { TestClient } from '../helpers/ws-client.js';
import { until } from '../helpers/wait.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));


test('the server pings and terminates a peer that stopped answering, and cleans up its subscriptions', async () => {
  const server = await startTestServer({ SERVER_PING_INTERVAL_MS: '100' });
  dirs.push(server.dataDir);
  const alive = await TestClient.connect(server.wsUrl);
  let pings = 0;
  alive.socket.on('ping', (data: Buffer) => { if (data.length === 0) pings += 1; });
  const dead = await TestClient.connect(server.wsUrl);
  await alive.subscribe('demo', 'img-alive');
  await dead.subscribe('demo', 'img-dead');
  expect(server.hub.topicCount).toBe(2);
  dead.socket.pause(); // no pongs from now on
  await until(() => server.gateway.connectionCount === 1);
  expect(server.hub.topicCount).toBe(1);
  // The live one answered every ping and is still served.
  await new Promise((r) => setTimeout(r, 300));
  alive.send({ type: 'ping' });
  await alive.nextOfType('pong');
  // Empty WebSocket pings, one per interval (100 ms here), each answered by the client's pong.
  expect(pings).toBeGreaterThanOrEqual(3);
  alive.close();
  await server.close();
});

test('SIGTERM: /readyz turns false, sockets close with 1001, the process exits 0', async () => {
  const dataDir = makeTempDir();
  dirs.push(dataDir);
  const node = await startNodeProcess({ DATABASE_URL: `sqlite:${join(dataDir, 'term.db')}`, DRAIN_MS: '2000' });
  expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
  expect(await (await fetch(`${node.url}/healthz`)).json()).toEqual({ ok: true });
  const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(node.wsUrl)));
  await Promise.all(clients.map((c) => c.subscribe('demo', 'img')));
  node.child.kill('SIGTERM');
  await Promise.race(clients.map((c) => c.waitClosed()));
  // Draining: still answering HTTP, but not ready, and refusing new sockets.
  const ready = await fetch(`${node.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ok: false, draining: true });
  await expect(TestClient.connect(node.wsUrl)).rejects.toThrow(/503/);
  const codes = await Promise.all(clients.map((c) => c.waitClosed()));
  expect(codes).toEqual([1001, 1001, 1001]);
  expect(await node.stop()).toBe(0);
  expect(node.output()).toContain('draining');
});

test('a bad configuration fails at start with a message naming the variable', async () => {
  const failure = await startNodeProcess({ MAX_FRAME_BYTES: '1000', DATABASE_URL: 'sqlite::memory:' }).then(() => null, (error: Error) => error.message);
  expect(failure).toContain('MAX_FRAME_BYTES');
});

test('static files: the widget is served, a malformed or escaping path is a 404, never a 500', async () => {
  const server = await startTestServer();
  dirs.push(server.dataDir);
  const widget = await fetch(`${server.url}/widget.js`);
  expect(widget.status).toBe(200);
  expect(widget.headers.get('content-type')).toContain('text/javascript');
  expect((await fetch(`${server.url}/%E0%A4%A`)).status).toBe(404);
  expect((await fetch(`${server.url}/..%2F..%2Fpackage.json`)).status).toBe(404);
  expect((await fetch(`${server.url}/demo/..%2F..%2F..%2Fpackage.json`)).status).toBe(404);
  await server.close();
});
