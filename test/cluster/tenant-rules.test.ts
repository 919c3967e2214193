/**
 * A rule change made through one node applies on every node at once: it is announced over the bus, and each
 * node forgets its cached tenant (without the announcement, a node would go on with the old rules until its
 * tenant cache refreshes, 10 s later).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { demoSecretOf, startCluster, type Cluster } from '../helpers/cluster.js';
import { TestClient } from '../helpers/ws-client.js';

let cluster: Cluster;
let demoSecret: string;
beforeAll(async () => {
  cluster = await startCluster(2);
  demoSecret = await demoSecretOf(cluster);
});
afterAll(async () => { await cluster?.stop(); });

const putRules = (node: number, change: Record<string, unknown>): Promise<Response> =>
  fetch(`${cluster.nodes[node]!.url}/api/v1/tenants/demo/rules`, {
    method: 'PUT', headers: { authorization: `Bearer ${demoSecret}`, 'content-type': 'application/json' }, body: JSON.stringify(change),
  });

test('sso-only set through node 0 refuses a guest\'s write on node 1 within a second; anyone again, and it writes', async () => {
  const urlId = `rules-${randomUUID()}`;
  const guest = await TestClient.connect(cluster.nodes[1]!.wsUrl);
  await guest.subscribe('demo', urlId);
  // Node 1 has the demo tenant cached, with the rules of before.
  expect(await guest.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.1, y: 0.1, text: 'before' })).toMatchObject({ type: 'ack' });

  expect((await putRules(0, { write: 'sso-only' })).status).toBe(200);
  const changed = Date.now();
  let answer = await guest.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.2, y: 0.2, text: 'after' });
  while (answer.type === 'ack' && Date.now() - changed < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    answer = await guest.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.2, y: 0.2, text: 'after' });
  }
  const tookMs = Date.now() - changed;
  expect(answer).toMatchObject({ type: 'error', code: 'sign-in-required' });
  expect(tookMs).toBeLessThan(1000);

  expect((await putRules(0, { write: 'anyone' })).status).toBe(200);
  let again = await guest.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.3, y: 0.3, text: 'open again' });
  for (const started = Date.now(); again.type !== 'ack' && Date.now() - started < 1000;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    again = await guest.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.3, y: 0.3, text: 'open again' });
  }
  expect(again).toMatchObject({ type: 'ack' });
  guest.close();
});
