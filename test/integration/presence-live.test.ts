/**
 * The dashboard's "live now" per image (issue 15) reads the same merged presence the widgets show: `GET …/live`
 * lists each viewed image with its count of distinct people (one person in two tabs counts once).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { LiveReport, WelcomeMessage } from '../../shared/index.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { until } from '../helpers/wait.js';

let server: TestServer;
const clients: TestClient[] = [];
// Usage (and the live numbers with it) flushed often, so the report follows presence quickly.
beforeAll(async () => { server = await startTestServer({ USAGE_FLUSH_MS: '200' }); });
afterAll(async () => {
  clients.forEach((client) => client.close());
  await server.close();
  removeDir(server.dataDir);
});

async function viewer(urlId: string, session?: string): Promise<string> {
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  client.send({ type: 'hello', name: 'Viewer', ...(session ? { session } : {}) });
  const welcome = await client.nextOfType<WelcomeMessage>('welcome');
  expect((await client.subscribe('demo', urlId)).type).toBe('subscribed');
  return welcome.session;
}

async function live(): Promise<LiveReport> {
  const response = await fetch(`${server.url}/api/v1/tenants/demo/live`, { headers: { authorization: `Bearer ${server.demoSecret}` } });
  expect(response.status).toBe(200);
  return response.json() as Promise<LiveReport>;
}

test('live now lists each viewed image with its distinct viewers, most first', async () => {
  const busy = `busy-${randomUUID()}`;
  const quiet = `quiet-${randomUUID()}`;
  const ann = await viewer(busy);
  await viewer(busy, ann); // Ann's second tab
  await viewer(busy);
  await viewer(quiet);
  let report: LiveReport | undefined;
  await until(async () => {
    report = await live();
    return JSON.stringify(report.images) === JSON.stringify([{ urlId: busy, viewers: 2 }, { urlId: quiet, viewers: 1 }]);
  }, 'the busy image with 2 viewers and the quiet one with 1 in the live report', 10_000, 100);
  expect(report).toMatchObject({ tenantId: 'demo', connections: 4, watchedImages: 2, nodes: 1 });
});
