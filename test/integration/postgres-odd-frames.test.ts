/**
 * The frames that used to get `unavailable` (and a stack trace in the log) from a PostgreSQL node: NUL and
 * lone surrogates in text, names and image ids, and a `since` past 2^31. Each is now stored or refused as
 * invalid; a person whose name held NUL keeps writing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.mjs';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

let postgres: PostgresServer;
let server: TestServer;

beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase(`odd_frames_${randomUUID().replace(/-/g, '')}`);
  server = await startTestServer({ DATABASE_URL: url });
});

afterAll(async () => {
  await server?.close();
  removeDir(server?.dataDir ?? '');
  await postgres?.stop();
});

test('odd text, names, image ids and seqs are stored or refused as invalid, never unavailable', async () => {
  const client = await TestClient.connect(server.wsUrl);
  client.send({ type: 'hello', name: 'Nul\u0000Name \u202eevil' });
  const welcome = await client.nextOfType('welcome');
  expect(welcome).toMatchObject({ user: { name: 'NulName evil' } });

  const urlId = `odd-${randomUUID()}`;
  expect(await client.subscribe('demo', urlId)).toMatchObject({ type: 'subscribed', seq: 0 });
  const chatId = randomUUID();
  expect(await client.write({ type: 'create-chat', tenantId: 'demo', urlId, chatId, x: 0.5, y: 0.5, text: 'with\u0000nul' })).toMatchObject({ type: 'ack', seq: 1 });
  expect(await client.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: 'lone \ud800' })).toMatchObject({ type: 'error', code: 'invalid-field' });
  expect(await client.write({ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: '\ud83d\ude00 fine' })).toMatchObject({ type: 'ack', seq: 2 });

  expect(await client.subscribe('demo', 'bad\u0000image')).toMatchObject({ type: 'error', code: 'invalid-field', for: 'subscribe' });
  expect(await client.subscribe('demo', 'bad\udfffimage')).toMatchObject({ type: 'error', code: 'invalid-field', for: 'subscribe' });
  expect(await client.subscribe('demo', urlId, { since: 2 ** 31, epoch: 'x' })).toMatchObject({ type: 'error', code: 'invalid-field', for: 'subscribe' });

  const again = await TestClient.connect(server.wsUrl);
  const snapshot = await again.subscribe('demo', urlId);
  expect(snapshot).toMatchObject({
    type: 'subscribed', seq: 2, reset: true,
    chats: [{ id: chatId, author: { name: 'NulName evil' }, comments: [{ text: 'withnul' }, { text: '\ud83d\ude00 fine' }] }],
  });
  expect(client.frames.filter((frame) => frame.type === 'error' && frame.code === 'unavailable')).toEqual([]);
  client.close();
  again.close();
});
