/**
 * The production shape on one machine: real nginx, configured from compose.yaml's template
 * (deploy/nginx/image-chat.conf.template), in front of three nodes sharing a Redis and a PostgreSQL. WebSockets
 * upgrade through nginx and spread over every node (nothing sticky); a node SIGKILLed behind nginx leaves its
 * clients to reconnect through nginx to the others, where they converge, and a write after the kill reaches all.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { ModelClient } from '../helpers/model-client.js';
import { startNginx, type NginxProxy } from '../helpers/nginx.js';
import { expectConverged, startTraffic } from '../helpers/traffic.js';
import { until } from '../helpers/wait.js';

let cluster: Cluster;
let nginx: NginxProxy;
let nodeUrls: string[];
const models: ModelClient[] = [];

beforeAll(async () => {
  // The nodes believe nginx's X-Forwarded-For, as in compose.yaml.
  cluster = await startCluster(3, { TRUST_PROXY: '127.0.0.1' });
  nodeUrls = cluster.nodes.map((node) => node!.url);
  nginx = await startNginx(cluster.nodes.map((node) => node!.port));
});
afterAll(async () => {
  models.forEach((m) => m.stop());
  await nginx?.stop();
  await cluster?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Open WebSockets on node `index`, as its /metrics reports them. */
async function socketsOn(index: number): Promise<number> {
  const text = await (await fetch(`${nodeUrls[index]}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('imagechat_connections '));
  if (!line) throw new Error(`no imagechat_connections in node ${index}'s /metrics`);
  return Number(line.split(' ')[1]);
}

test('HTTP passes through nginx to a node; nginx answers its own health check', async () => {
  expect((await fetch(`${nginx.url}/lb-healthz`)).status).toBe(200);
  const ready = await fetch(`${nginx.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ ok: true, store: true, bus: true });
  expect((await fetch(`${nginx.url}/widget.js`)).status).toBe(200);
  expect(nginx.accessLog().some((line) => line.includes('"GET /readyz HTTP/1.1" 200') && /upstream=127\.0\.0\.1:\d+/.test(line))).toBe(true);
});

test('a node SIGKILLed behind nginx: its clients reconnect through nginx and converge, and a later write reaches all', async () => {
  const key = { tenantId: 'demo', urlId: 'behind-nginx' };
  const clients = Array.from({ length: 6 }, () => new ModelClient(key, () => [nginx.wsUrl]));
  models.push(...clients);
  await Promise.all(clients.map((c) => c.start()));

  // Upgraded through nginx, spread over all three nodes (least_conn, no stickiness).
  const before = await Promise.all([0, 1, 2].map(socketsOn));
  expect(before.reduce((a, b) => a + b, 0)).toBe(6);
  for (const count of before) expect(count).toBeGreaterThan(0);
  const victim = 1;

  const traffic = startTraffic(clients);
  await pause(500);
  expect(await cluster.stopNode(victim, 'SIGKILL')).toBeNull();
  await pause(800);
  await traffic.stop();

  // Exactly the victim's clients reconnected, through the same nginx address, now to the two others.
  await until(() => clients.every((c) => c.isLive), 'every client live again through nginx', 15_000);
  expect(clients.filter((c) => c.connects > 1).length).toBe(before[victim]);
  for (const client of clients) expect(client.url).toBe(nginx.wsUrl);
  await until(async () => (await socketsOn(0)) + (await socketsOn(2)) === 6, 'all six sockets on the surviving nodes', 10_000);

  // A write after the kill, by a client that had been on the dead node, reaches every client.
  const writer = clients.find((c) => c.connects > 1)!;
  const chatId = randomUUID();
  const answer = await writer.write({ type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'after the kill' });
  expect(answer).toMatchObject({ ok: true });
  if (answer.ok) traffic.acked.set(answer.broadcastId, answer.seq);
  await until(() => clients.every((c) => c.chats.get(chatId)?.comments[0]?.text === 'after the kill'), 'the write after the kill on every client', 10_000);

  const store = await cluster.openStore();
  await expectConverged(clients, store, key, traffic.acked);
  expect(traffic.acked.size).toBeGreaterThan(20);
});
