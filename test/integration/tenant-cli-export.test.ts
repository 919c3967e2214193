/**
 * `npm run tenant -- export` and `import` against the database of a node running in the test process: an image
 * written over REST, exported by the CLI and imported by the CLI into a fresh tenant, reads back the same over
 * REST; an open subscriber of the imported image gets the chats (the node's seq probe finds what the CLI stored);
 * the same file again stores nothing.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Chat, NewImageChatEvent } from '../../shared/index.js';
import { makeTempDir, removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { TestClient } from '../helpers/ws-client.js';
import { rest } from '../helpers/rest.js';
import { tenantCli } from '../helpers/tenant-cli.js';

const dir = makeTempDir();
const databaseUrl = `sqlite:${join(dir, 'test.db')}`;
const urlId = `https://shop.example/${randomUUID()}.png`;
let server: TestServer;
let source: { tenantId: string; secret: string };
let client: TestClient | undefined;

const tenant = (...args: string[]) => tenantCli(databaseUrl, args);

const chatsOf = async (tenantId: string, secret: string): Promise<{ seq: number; chats: Chat[] }> =>
  (await rest(server.url, secret, 'GET', `/api/v1/tenants/${tenantId}/image?urlId=${encodeURIComponent(urlId)}`)).body as unknown as { seq: number; chats: Chat[] };

beforeAll(async () => {
  // A short probe, so the test need not wait the default 5 s for the node to notice what the CLI stored.
  server = await startTestServer({ SEQ_PROBE_INTERVAL_MS: '100' }, dir);
  source = await createTestTenant(server);
  const write = async (body: Record<string, unknown>) => (await rest(server.url, source.secret, 'POST', `/api/v1/tenants/${source.tenantId}/writes`, { urlId, ...body })).body;
  const made = await write({ type: 'create-chat', x: 0.3, y: 0.6, text: 'Which paint is this?', asUser: { id: 'ann', name: 'Ann' } });
  await write({ type: 'add-comment', chatId: made.chatId, text: 'Eggshell white.' });
  await write({ type: 'resolve-chat', chatId: made.chatId, resolved: true });
  await write({ type: 'create-chat', x: 0.9, y: 0.1, text: 'A crack here', asUser: { id: 'bo', name: 'Bo' } });
});
afterAll(async () => {
  client?.close();
  await server.close();
  removeDir(dir);
});

test('export --format json, then import into a fresh tenant: the same chats, live to a subscriber; twice stores nothing', async () => {
  const exported = await tenant('export', source.tenantId, '--url-id', urlId, '--format', 'json');
  expect(exported).toMatchObject({ code: 0, stderr: '' });
  const file = join(dir, 'export.json');
  writeFileSync(file, exported.stdout);

  const target = await createTestTenant(server);
  client = await TestClient.connect(server.wsUrl);
  expect(await client.subscribe(target.tenantId, urlId)).toMatchObject({ type: 'subscribed', seq: 0 });

  expect(await tenant('import', target.tenantId, file)).toEqual({ code: 0, stderr: '', stdout: `imported into "${target.tenantId}": 2 chats stored, 0 already there, 0 refused\n` });
  const original = await chatsOf(source.tenantId, source.secret);
  expect((await chatsOf(target.tenantId, target.secret)).chats).toEqual(original.chats);
  const events = await client.waitForEvents(2) as NewImageChatEvent[];
  expect(events.map((e) => [e.seq, e.chat])).toEqual([[1, original.chats[0]], [2, original.chats[1]]]);

  expect(await tenant('import', target.tenantId, file, '--json')).toEqual({ code: 0, stderr: '', stdout: `${JSON.stringify({ tenantId: target.tenantId, imported: 0, present: 2, refused: [] })}\n` });
  expect((await chatsOf(target.tenantId, target.secret)).seq).toBe(2);
});

test('export defaults to Web Annotation JSON-LD of the whole tenant', async () => {
  const exported = await tenant('export', source.tenantId);
  expect(exported.code).toBe(0);
  const doc = JSON.parse(exported.stdout) as { '@context': unknown[]; '@graph': { id: string; motivation: string; target: unknown }[] };
  expect(doc['@context'][0]).toBe('http://www.w3.org/ns/anno.jsonld');
  const [first] = (await chatsOf(source.tenantId, source.secret)).chats as [Chat];
  expect(doc['@graph'].map((a) => a.motivation)).toEqual(['commenting', 'replying', 'commenting']);
  expect(doc['@graph'][1]).toMatchObject({ id: `urn:image-chat:${source.tenantId}:${first.id}:${first.comments[1]!.id}`, target: `urn:image-chat:${source.tenantId}:${first.id}` });
});

test('mistakes exit with 2 and say what is wrong', async () => {
  expect(await tenant('export', 'nobody')).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant "nobody"') });
  expect(await tenant('export', source.tenantId, '--format', 'xml')).toMatchObject({ code: 2, stderr: expect.stringContaining('--format must be "jsonld" or "json", got "xml"') });
  expect(await tenant('import', source.tenantId)).toMatchObject({ code: 2, stderr: expect.stringContaining('import needs a tenant id and a file') });
  expect(await tenant('import', source.tenantId, join(dir, 'missing.json'))).toMatchObject({ code: 2, stderr: expect.stringContaining('no file') });
  const jsonld = join(dir, 'export.jsonld');
  writeFileSync(jsonld, (await tenant('export', source.tenantId)).stdout);
  expect(await tenant('import', source.tenantId, jsonld)).toMatchObject({ code: 2, stderr: expect.stringContaining('a JSON-LD export cannot be imported') });
});
