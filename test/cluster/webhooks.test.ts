/**
 * Webhooks across nodes on PostgreSQL (docs/webhooks.md#many-nodes): two nodes sending from one outbox deliver
 * each event once between them, and a delivery a node was sending when it died is sent by the other once its
 * lease runs out.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoSecretOf, startCluster, type Cluster } from '../helpers/cluster.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let cluster: Cluster;
let demoSecret: string;
let hook: WebhookReceiver;
let hang = false;

beforeAll(async () => {
  hook = await startWebhookReceiver(() => (hang ? 'hang' : 200));
  cluster = await startCluster(2, {
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_MS: '3000', REST_WRITES_PER_MINUTE: '100000',
  });
  demoSecret = await demoSecretOf(cluster);
});
afterAll(async () => {
  await cluster?.stop();
  await hook?.close();
});

const delivered = async (node: number): Promise<number> => {
  const text = await (await fetch(`${cluster.nodes[node]!.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('imagechat_webhook_attempts_total{outcome="delivered"}'));
  if (!line) throw new Error(`no delivered attempts series in /metrics of node ${node}`);
  return Number(line.split(' ').at(-1));
};

test('two nodes deliver each event once between them', async () => {
  const made = await rest(cluster.nodes[0]!.url, demoSecret, 'POST', '/api/v1/tenants/demo/webhooks', { url: hook.url });
  expect(made.status).toBe(201);
  const run = randomUUID().slice(0, 8);
  const answers = await Promise.all(Array.from({ length: 60 }, (_v, i) => rest(cluster.nodes[i % 2]!.url, demoSecret, 'POST', '/api/v1/tenants/demo/writes',
    { urlId: `img-${run}-${i % 6}`, type: 'create-chat', x: 0.1, y: 0.1, text: `w${i}` })));
  for (const answer of answers) expect(answer.status).toBe(200);
  await hook.waitFor((all) => all.length >= 60, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const ids = hook.received.map((d) => d.body.id);
  expect(ids).toHaveLength(60);
  expect(new Set(ids).size).toBe(60);
  for (let image = 0; image < 6; image += 1) {
    const seqs = hook.received.filter((d) => d.body.urlId === `img-${run}-${image}`).map((d) => d.body.seq);
    expect(seqs).toEqual(Array.from({ length: 10 }, (_v, i) => i + 1));
  }
  // Between them the nodes recorded exactly one delivered attempt per event (which node sent which is up to the leases).
  expect((await delivered(0)) + (await delivered(1))).toBe(60);
});

test('a delivery its node was sending when it died is sent by the other node once the lease runs out', async () => {
  await cluster.stopNode(1, 'SIGTERM');
  hang = true;
  const before = hook.received.length;
  const urlId = `img-${randomUUID()}`;
  expect((await rest(cluster.nodes[0]!.url, demoSecret, 'POST', '/api/v1/tenants/demo/writes', { urlId, type: 'create-chat', x: 0.1, y: 0.1, text: 'orphan' })).status).toBe(200);
  const [sending] = (await hook.waitFor((all) => all.length > before)).slice(before);
  await cluster.stopNode(0, 'SIGKILL');
  hang = false;
  await cluster.startNode(1);
  const again = await hook.waitFor((all) => all.slice(before + 1).some((d) => d.body.id === sending!.body.id), 15_000);
  expect(again.slice(before + 1).filter((d) => d.body.urlId === urlId).map((d) => d.body.seq)).toEqual([1]);
});
