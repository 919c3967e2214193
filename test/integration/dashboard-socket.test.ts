/**
 * The dashboard's socket (the widget's connection carrying a `TenantFeed`), from Node against a real server: the
 * admin subscription is renewed after every reconnect, a server restart included, and moderator deletes go
 * through the connection's write path; a refused secret is reported.
 */
import { afterAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { AdminServerMessage, ErrorMessage } from '../../shared/index.js';
import { WidgetConnection } from '../../widget/connection.js';
import { TenantFeed } from '../../dashboard/tenant-feed.js';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { until } from '../helpers/wait.js';

const dir = makeTempDir();
const servers: TestServer[] = [];
const closers: (() => void)[] = [];
afterAll(async () => {
  closers.forEach((close) => close());
  for (const server of servers) await server.close();
  removeDir(dir);
});


function dashboardSocket(url: string, tenantId: string, secret: string) {
  const frames: AdminServerMessage[] = [];
  const refusals: ErrorMessage[] = [];
  const connection = new WidgetConnection({ url, minDelayMs: 50, maxDelayMs: 200, WebSocket });
  connection.attachFeed(new TenantFeed(tenantId, secret, { frame: (m) => frames.push(m), refused: (e) => refusals.push(e) }));
  connection.connect();
  closers.push(() => connection.close());
  return { connection, frames, refusals, subscribed: () => frames.filter((f) => f.type === 'subscribed').length };
}

test('the admin subscription is renewed after a server restart; deletes go through the connection', async () => {
  let server = await startTestServer({}, dir);
  servers.push(server);
  const port = server.port;
  const secret = server.demoSecret!;
  const admin = dashboardSocket(server.wsUrl, 'demo', secret);
  await until(() => admin.subscribed() === 1 && admin.connection.state === 'live', 'the admin subscription');
  expect(admin.frames[0]).toEqual({ type: 'subscribed', role: 'admin', tenantId: 'demo' });

  await server.close();
  server = await startTestServer({ PORT: String(port) }, dir);
  servers.push(server);
  await until(() => admin.subscribed() === 2 && admin.connection.state === 'live', 'the renewed admin subscription');

  const reader = await TestClient.connect(server.wsUrl);
  closers.push(() => reader.close());
  await reader.subscribe('demo', 'after-restart');
  const ack = await reader.write({ type: 'create-chat', tenantId: 'demo', urlId: 'after-restart', x: 0.3, y: 0.3, text: 'hello again' });
  if (ack.type !== 'ack') throw new Error(JSON.stringify(ack));
  await until(() => admin.frames.some((f) => f.type === 'tenant-event' && f.event.broadcastId === ack.broadcastId), 'the feed after the restart');
  const chatId = reader.events[0]!.chatId;
  const result = await admin.connection.write({ type: 'delete-chat', broadcastId: 'moderator-delete-1', tenantId: 'demo', urlId: 'after-restart', chatId });
  expect(result).toEqual({ ok: true, seq: ack.seq + 1 });
  await reader.waitForEvents(2);
  expect(reader.events[1]).toMatchObject({ type: 'deleted-image-chat', chatId });
});

test('a wrong secret is reported as refused and opens nothing', async () => {
  const server = servers.at(-1)!;
  const admin = dashboardSocket(server.wsUrl, 'demo', 'ics_wrong');
  await until(() => admin.refusals.length === 1, 'the refusal');
  expect(admin.refusals[0]).toMatchObject({ type: 'error', code: 'forbidden', for: 'subscribe-tenant', tenantId: 'demo' });
  expect(admin.frames).toEqual([]);
});
