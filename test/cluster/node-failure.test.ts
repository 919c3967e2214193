/**
 * A node dies (SIGKILL) or is drained (SIGTERM) mid-traffic: its clients reconnect to the other nodes,
 * resubscribe with `since`, and converge on the store's state; no acknowledged write is lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { ModelClient } from '../helpers/model-client.js';
import { TestClient } from '../helpers/ws-client.js';
import { expectConverged, startTraffic } from '../helpers/traffic.js';

let cluster: Cluster;
const models: ModelClient[] = [];
// Drain spreads socket closes over half a second, as an operator's DRAIN_MS would over longer.
beforeAll(async () => { cluster = await startCluster(3, { DRAIN_MS: '500' }); });
afterAll(async () => {
  models.forEach((m) => m.stop());
  await cluster?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function clientsOn(urlId: string, count: number): Promise<ModelClient[]> {
  const started = Array.from({ length: count }, (_, i) => new ModelClient({ tenantId: 'demo', urlId }, () => cluster.liveUrls(), i % 3));
  models.push(...started);
  await Promise.all(started.map((m) => m.start()));
  return started;
}

test('a node killed with SIGKILL mid-traffic: its clients reconnect elsewhere and converge, no acknowledged write lost', async () => {
  const key = { tenantId: 'demo', urlId: 'sigkill' };
  const clients = await clientsOn(key.urlId, 6);
  const victim = cluster.nodes[1]!.wsUrl;
  const onVictim = clients.filter((c) => c.url === victim);
  expect(onVictim.length).toBe(2);
  const traffic = startTraffic(clients);
  await pause(500);
  expect(await cluster.stopNode(1, 'SIGKILL')).toBeNull();
  await pause(800);
  await traffic.stop();
  for (const client of onVictim) {
    expect(client.url).not.toBe(victim);
    expect(client.connects).toBeGreaterThan(1);
  }
  const store = await cluster.openStore();
  await expectConverged(clients, store, key, traffic.acked);
  expect(traffic.acked.size).toBeGreaterThan(20);
  await cluster.startNode(1);
});

test('SIGTERM drains a node: its sockets close with 1001, clients reconnect to other nodes and converge', async () => {
  const key = { tenantId: 'demo', urlId: 'sigterm' };
  const clients = await clientsOn(key.urlId, 6);
  const node = cluster.nodes[2]!;
  const raw = await TestClient.connect(node.wsUrl);
  await raw.subscribe(key.tenantId, key.urlId);
  const onNode = clients.filter((c) => c.url === node.wsUrl);
  expect(onNode.length).toBe(2);
  const traffic = startTraffic(clients);
  await pause(300);
  const exit = cluster.stopNode(2, 'SIGTERM');
  expect(await raw.waitClosed()).toBe(1001);
  expect(await exit).toBe(0);
  await pause(500);
  await traffic.stop();
  for (const client of onNode) expect(client.url).not.toBe(node.wsUrl);
  const store = await cluster.openStore();
  await expectConverged(clients, store, key, traffic.acked);
  await cluster.startNode(2);
});
