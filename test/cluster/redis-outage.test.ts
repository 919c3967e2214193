/**
 * Redis killed mid-traffic and restarted: no node crashes, local clients keep getting local writes while it
 * is down, /readyz reports the outage, and afterwards every client converges on the store's state with
 * nothing applied twice and nothing skipped.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { ModelClient } from '../helpers/model-client.js';
import { TestClient } from '../helpers/ws-client.js';
import { expectConverged, startTraffic } from '../helpers/traffic.js';

let cluster: Cluster;
const models: ModelClient[] = [];
beforeAll(async () => { cluster = await startCluster(3); });
afterAll(async () => {
  models.forEach((m) => m.stop());
  await cluster?.stop();
});

const key = { tenantId: 'demo', urlId: 'redis-outage' };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readiness(url: string): Promise<{ status: number; bus: boolean }> {
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as { bus: boolean };
  return { status: response.status, bus: body.bus };
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

test('Redis killed mid-traffic and restarted: no crash, local delivery goes on, every client converges', async () => {
  for (let i = 0; i < 6; i += 1) models.push(new ModelClient(key, () => cluster.liveUrls(), i % 3));
  await Promise.all(models.map((m) => m.start()));
  const watcher = await TestClient.connect(cluster.nodes[0]!.wsUrl);
  await watcher.subscribe(key.tenantId, key.urlId);
  const localWriter = await TestClient.connect(cluster.nodes[0]!.wsUrl);
  const traffic = startTraffic(models);
  await pause(500);

  await cluster.redis.kill();
  try {
    for (const node of cluster.nodes) await until(async () => (await readiness(node!.url)).status === 503, 'every node to report the outage');
    expect(await readiness(cluster.nodes[1]!.url)).toEqual({ status: 503, bus: false });
    // A write on node 1 still reaches node 1's own subscribers.
    const from = watcher.events.length;
    const ack = await localWriter.write({ type: 'create-chat', ...key, x: 0.5, y: 0.5, text: 'during the outage' });
    if (ack.type !== 'ack') throw new Error(`write refused during the outage: ${JSON.stringify(ack)}`);
    traffic.acked.set(ack.broadcastId, ack.seq);
    await watcher.next((m) => 'seq' in m && m.seq === ack.seq && m.type === 'new-image-chat', 10_000, from);
    await pause(500);
  } finally {
    await cluster.redis.restart();
  }
  for (const node of cluster.nodes) await until(async () => (await readiness(node!.url)).status === 200, 'every node to be ready again');
  await pause(500);
  await traffic.stop();

  // No node crashed.
  for (const node of cluster.nodes) expect(node!.child.exitCode).toBeNull();
  expect(traffic.acked.size).toBeGreaterThan(20);
  const store = await cluster.openStore();
  await expectConverged(models, store, key, traffic.acked);
  // The bus came back and the nodes told their subscribers to resync.
  expect(models.reduce((sum, m) => sum + m.resyncs, 0)).toBeGreaterThan(0);
  watcher.close();
  localWriter.close();
});
