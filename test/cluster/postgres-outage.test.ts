/**
 * PostgreSQL stopped under three nodes: no node crashes, writes and new subscriptions are answered with
 * `unavailable`, /readyz reports the store; once it is back, writes work again and every node serves them.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { TestClient } from '../helpers/ws-client.js';

let cluster: Cluster;
const clients: TestClient[] = [];
beforeAll(async () => { cluster = await startCluster(3); });
afterAll(async () => {
  clients.forEach((c) => c.close());
  await cluster?.stop();
});

const key = { tenantId: 'demo', urlId: 'pg-outage' };

async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
}

test('PostgreSQL down: writes and subscribes answer unavailable, nothing crashes; back: writes reach every node', async () => {
  const [a, b] = await Promise.all([TestClient.connect(cluster.nodes[0]!.wsUrl), TestClient.connect(cluster.nodes[1]!.wsUrl)]);
  clients.push(a!, b!);
  await a!.subscribe(key.tenantId, key.urlId);
  await b!.subscribe(key.tenantId, key.urlId);
  const first = await a!.write({ type: 'create-chat', ...key, x: 0.5, y: 0.5, text: 'before' });
  expect(first).toMatchObject({ type: 'ack', seq: 1 });

  await cluster.postgres.kill();
  try {
    const refused = await a!.write({ type: 'create-chat', ...key, x: 0.5, y: 0.5, text: 'during' });
    expect(refused).toMatchObject({ type: 'error', code: 'unavailable', for: 'create-chat' });
    const late = await TestClient.connect(cluster.nodes[2]!.wsUrl);
    clients.push(late);
    expect(await late.subscribe(key.tenantId, key.urlId)).toMatchObject({ type: 'error', code: 'unavailable', for: 'subscribe' });
    for (const node of cluster.nodes) {
      expect(await readiness(node!.url)).toEqual({ status: 503, body: expect.objectContaining({ ok: false, store: false, bus: true }) });
    }
  } finally {
    await cluster.postgres.restart();
  }
  for (const node of cluster.nodes) expect(node!.child.exitCode).toBeNull();
  const deadline = Date.now() + 15_000;
  let answer = await b!.write({ type: 'create-chat', ...key, x: 0.25, y: 0.25, text: 'after' });
  while (answer.type !== 'ack' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    answer = await b!.write({ type: 'create-chat', ...key, x: 0.25, y: 0.25, text: 'after' });
  }
  expect(answer).toMatchObject({ type: 'ack', seq: 2 });
  // The refused write took no seq: the next one is 2, and both nodes' clients get it.
  const [onA] = (await a!.waitForEvents(2, 10_000)).slice(1);
  expect(onA).toMatchObject({ seq: 2, broadcastId: (answer as { broadcastId: string }).broadcastId });
  expect((await b!.waitForEvents(2, 10_000)).map((e) => e.seq)).toEqual([1, 2]);
  for (const node of cluster.nodes) expect((await readiness(node!.url)).status).toBe(200);
});
