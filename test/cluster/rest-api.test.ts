/**
 * The REST API across nodes (PostgreSQL and Redis): a write made through one node reaches a subscriber on
 * another as its event with the next seq, and one Idempotency-Key sent to two nodes writes once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoSecretOf, startCluster, type Cluster } from '../helpers/cluster.js';
import { TestClient } from '../helpers/ws-client.js';
import { rest } from '../helpers/rest.js';

let cluster: Cluster;
let demoSecret: string;
beforeAll(async () => {
  cluster = await startCluster(2);
  demoSecret = await demoSecretOf(cluster);
});
afterAll(async () => { await cluster?.stop(); });

const write = (node: number, body: unknown, headers: Record<string, string> = {}) =>
  rest(cluster.nodes[node]!.url, demoSecret, 'POST', '/api/v1/tenants/demo/writes', body, headers);

test('a write through node 0 reaches a subscriber on node 1; one key sent to both nodes writes once and both answer alike', async () => {
  const urlId = `rest-${randomUUID()}`;
  const client = await TestClient.connect(cluster.nodes[1]!.wsUrl);
  expect(await client.subscribe('demo', urlId)).toMatchObject({ type: 'subscribed', seq: 0 });

  const created = await write(0, { type: 'create-chat', urlId, x: 0.5, y: 0.5, text: 'from node 0' });
  expect(created).toMatchObject({ status: 200, body: { seq: 1 } });
  expect((await client.waitForEvents(1))[0]).toMatchObject({ type: 'new-image-chat', seq: 1, chatId: created.body.chatId, broadcastId: created.body.broadcastId });

  const key = randomUUID();
  const body = { type: 'add-comment', urlId, chatId: created.body.chatId, text: 'retried across nodes' };
  const both = await Promise.all([write(0, body, { 'idempotency-key': key }), write(1, body, { 'idempotency-key': key })]);
  for (const answer of both) expect([200, 409]).toContain(answer.status);
  const later = await Promise.all([write(1, body, { 'idempotency-key': key }), write(0, body, { 'idempotency-key': key })]);
  const first = both.find((answer) => answer.status === 200)!;
  for (const answer of later) expect(answer).toMatchObject({ status: 200, body: first.body });
  expect(first.body).toMatchObject({ seq: 2 });

  expect(await write(1, { type: 'resolve-chat', urlId, chatId: created.body.chatId, resolved: true })).toMatchObject({ status: 200, body: { seq: 3 } });
  await client.waitForEvents(3);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(client.events.map((event) => event.seq)).toEqual([1, 2, 3]);
  client.close();
});
