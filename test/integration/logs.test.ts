/**
 * What a node logs (docs/operating.md#logs; issue 13, item 7), read from a real node process at LOG_LEVEL=debug:
 * one line per connection opened and closed (with its code, and the reason only when the server closed it),
 * refusals with their code, tenant and image, flood closes, HTTP lines with request ids; never a comment, a name,
 * a client's close reason or a secret. And `LOG_FORMAT=pretty` prints lines for people.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const dir = makeTempDir();
let node: NodeProcess;

beforeAll(async () => {
  node = await startNodeProcess({ LOG_LEVEL: 'debug', DATABASE_URL: `sqlite:${dir}/logs.db`, FLOOD_CLOSE_AFTER: '5' });
});
afterAll(async () => {
  await node.stop();
  removeDir(dir);
});

type Line = Record<string, unknown> & { msg: string; level: number };
const lines = (): Line[] => node.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`no log line for ${what}:\n${node.output().slice(-2000)}`);
}

test('connections, refusals, floods and HTTP requests each leave a line with ids and codes, and no user text or secret', async () => {
  const urlId = `img-${randomUUID()}`;
  const client = await TestClient.connect(node.wsUrl);
  client.send({ type: 'hello', name: 'SECRET-NAME-123' });
  await client.subscribe('demo', urlId);
  await client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'SECRET-TEXT-456' });
  client.send({ type: 'add-comment', broadcastId: randomUUID(), tenantId: 'demo', urlId, chatId: randomUUID(), text: 'SECRET-TEXT-789' });
  client.send({ type: 'subscribe-tenant', tenantId: 'demo', secret: 'ics_SECRET-WRONG' });
  await client.next((m) => m.type === 'error' && m.code === 'forbidden');
  client.socket.close(1000, 'CLIENT-REASON-789');
  await client.waitClosed();

  const flooder = await TestClient.connect(node.wsUrl);
  for (let i = 0; i < 10; i += 1) flooder.sendRaw('not json');
  expect(await flooder.waitClosed()).toBe(1008);

  const asked = await fetch(`${node.url}/api/v1/tenants/demo/usage?q=SECRET-QUERY`, { headers: { authorization: 'Bearer ics_SECRET-BEARER', 'x-request-id': 'edge-42' } });
  expect(asked.status).toBe(401);
  expect(asked.headers.get('x-request-id')).toBe('edge-42');
  const own = await fetch(`${node.url}/healthz`);
  const ownId = own.headers.get('x-request-id');
  expect(ownId).toMatch(/^[0-9a-f]{16}$/);

  await until(() => lines().filter((l) => l.msg === 'connection closed').length >= 2, 'both closes');
  await until(() => lines().some((l) => l.msg === 'http' && l.req === ownId), 'the HTTP line');
  const all = lines();
  const opened = all.filter((l) => l.msg === 'connection opened');
  expect(opened.length).toBeGreaterThanOrEqual(2);
  expect(opened[0]).toMatchObject({ level: 20, conn: expect.stringMatching(/^[0-9a-f]{8}$/), address: expect.any(String) });
  const closed = all.filter((l) => l.msg === 'connection closed');
  const byClient = closed.find((l) => l.code === 1000)!;
  expect(byClient).toMatchObject({ level: 30, by: 'client', conn: opened[0]!.conn });
  expect(byClient).not.toHaveProperty('reason');
  expect(closed.find((l) => l.code === 1008)).toMatchObject({ by: 'server', reason: 'flooding' });
  expect(all.find((l) => l.msg === 'flood: closing')).toMatchObject({ level: 30, refused: 5 });
  expect(all.find((l) => l.msg === 'refused' && l.code === 'not-found')).toMatchObject({ level: 20, for: 'add-comment', tenantId: 'demo', urlId });
  expect(all.find((l) => l.msg === 'refused' && l.code === 'forbidden')).toMatchObject({ for: 'subscribe-tenant', tenantId: 'demo' });
  expect(all.find((l) => l.msg === 'http' && l.req === 'edge-42')).toMatchObject({ method: 'GET', path: '/api/v1/tenants/demo/usage', status: 401 });

  const output = node.output();
  for (const secret of ['SECRET-NAME-123', 'SECRET-TEXT-456', 'SECRET-TEXT-789', 'CLIENT-REASON-789', 'ics_SECRET-WRONG', 'ics_SECRET-BEARER', 'SECRET-QUERY']) {
    expect(output, secret).not.toContain(secret);
  }
});

test('LOG_FORMAT=pretty prints lines for people; another value stops the start with a message', async () => {
  const pretty = await startNodeProcess({ LOG_FORMAT: 'pretty', DATABASE_URL: `sqlite:${dir}/pretty.db` });
  await pretty.stop();
  const listening = pretty.output().split('\n').find((line) => line.includes('image-chat listening'))!;
  expect(listening.trimStart().startsWith('{')).toBe(false);
  expect(listening).toMatch(/INFO/);
  await expect(startNodeProcess({ LOG_FORMAT: 'xml', DATABASE_URL: `sqlite:${dir}/bad.db` })).rejects.toThrow(/LOG_FORMAT must be "json" or "pretty"/);
});
