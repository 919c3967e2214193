/**
 * The per-connection error boundary: a fault injected into frame handling (the validator throwing, as a bug
 * would) is answered `internal`, logged once per interval node-wide, and neither the connection nor the
 * process dies. A fault in a message's handler is answered `unavailable` naming what failed, whether it threw
 * at once or later.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

vi.mock('../../shared/validate.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../shared/validate.js')>();
  return {
    ...actual,
    parseClientFrame: (raw: string, limits?: Parameters<typeof actual.parseClientFrame>[1]) => {
      if (raw.includes('__injected_fault__')) throw new Error('injected fault');
      return actual.parseClientFrame(raw, limits);
    },
  };
});

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

test('a frame whose handling throws is answered internal; the connection lives on', async () => {
  const client = await TestClient.connect(server.wsUrl);
  for (let i = 0; i < 5; i += 1) {
    client.send({ type: 'ping', note: '__injected_fault__' });
    expect(await client.nextOfType('error')).toEqual({ type: 'error', code: 'internal', message: 'unexpected error while handling this frame' });
  }
  client.send({ type: 'ping' });
  expect(await client.nextOfType('pong')).toEqual({ type: 'pong' });
  expect(client.closeCode).toBeNull();
  client.close();
});

test('a handler that fails at once is answered unavailable naming the image, like one that fails later', async () => {
  const client = await TestClient.connect(server.wsUrl);
  await client.subscribe('demo', 'boundary-img');
  const remove = server.hub.remove.bind(server.hub);
  server.hub.remove = () => { throw new Error('injected fault'); };
  try {
    client.send({ type: 'unsubscribe', tenantId: 'demo', urlId: 'boundary-img' });
    expect(await client.nextOfType('error')).toMatchObject({ code: 'unavailable', for: 'unsubscribe', tenantId: 'demo', urlId: 'boundary-img' });
  } finally {
    server.hub.remove = remove;
  }
  client.send({ type: 'unsubscribe', tenantId: 'demo', urlId: 'boundary-img' });
  expect(await client.nextOfType('unsubscribed')).toMatchObject({ urlId: 'boundary-img' });
  expect(client.closeCode).toBeNull();
  client.close();
});
