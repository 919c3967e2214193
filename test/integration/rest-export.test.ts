/**
 * Export and import over REST (docs/api.md#export-and-import) on a real node: a tenant's conversations exported
 * as plain JSON and imported into a fresh tenant read back the same (ids, authors, texts, times, coordinates,
 * resolved), for one image and for the whole tenant; a second import writes nothing; a subscriber of an image
 * being imported sees the chats arrive; the JSON-LD export names the annotations and their targets.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Chat, NewImageChatEvent } from '../../shared/index.js';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { TestClient } from '../helpers/ws-client.js';
import { rest } from '../helpers/rest.js';

type TestTenant = { tenantId: string; secret: string };
let server: TestServer;
let source: TestTenant;
const images = [`https://shop.example/${randomUUID()}/a.png`, `https://shop.example/${randomUUID()}/b.png`];
const clients: TestClient[] = [];

const api = (tenant: TestTenant, method: string, path: string, body?: unknown) =>
  rest(server.url, tenant.secret, method, `/api/v1/tenants/${tenant.tenantId}${path}`, body);

async function write(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await api(source, 'POST', '/writes', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

const snapshot = async (tenant: TestTenant, urlId: string): Promise<{ seq: number; chats: Chat[] }> =>
  (await api(tenant, 'GET', `/image?urlId=${encodeURIComponent(urlId)}`)).body as unknown as { seq: number; chats: Chat[] };

beforeAll(async () => {
  server = await startTestServer();
  source = await createTestTenant(server);
  // Two images with threads of several people, an edit, a move and a resolve.
  for (const urlId of images) {
    const made = await write({ type: 'create-chat', urlId, x: 0.25, y: 0.5, text: 'Is this wall load-bearing?', asUser: { id: 'ann', name: 'Ann' } });
    await write({ type: 'add-comment', urlId, chatId: made.chatId, text: 'No, a partition.' });
    const reply = await write({ type: 'add-comment', urlId, chatId: made.chatId, text: 'Thanks!', asUser: { id: 'ann', name: 'Ann' } });
    await write({ type: 'edit-comment', urlId, chatId: made.chatId, commentId: reply.commentId, text: 'Thanks, noted.', asUser: { id: 'ann', name: 'Ann' } });
    await write({ type: 'resolve-chat', urlId, chatId: made.chatId, resolved: true });
    const second = await write({ type: 'create-chat', urlId, x: 0.1, y: 0.9, text: 'Second marker', asUser: { id: 'bo', name: 'Bo' } });
    await write({ type: 'move-chat', urlId, chatId: second.chatId, x: 0.15, y: 0.85 });
  }
});
afterAll(async () => {
  clients.forEach((client) => client.close());
  await server.close();
  removeDir(server.dataDir);
});

test('one image exported as JSON and imported into a fresh tenant reads back the same; a subscriber sees the chats arrive', async () => {
  const [urlId = ''] = images;
  const exported = await api(source, 'GET', `/export?urlId=${encodeURIComponent(urlId)}&format=json`);
  expect(exported.status).toBe(200);
  expect(exported.body).toMatchObject({ format: 'image-chat-export', version: 1, tenantId: source.tenantId, images: [{ urlId }] });

  const target = await createTestTenant(server);
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  expect(await client.subscribe(target.tenantId, urlId)).toMatchObject({ type: 'subscribed', seq: 0 });

  expect(await api(target, 'POST', '/import', exported.body)).toMatchObject({ status: 200, body: { tenantId: target.tenantId, imported: 2, present: 0, refused: [] } });
  const original = await snapshot(source, urlId);
  const copy = await snapshot(target, urlId);
  expect(copy.chats).toEqual(original.chats);
  expect(copy.chats[0]).toMatchObject({ resolved: true, author: { id: 'sso:ann' }, comments: [{}, { author: { id: 'api:admin' } }, { text: 'Thanks, noted.', editedAt: expect.any(Number) }] });
  expect(copy.seq).toBe(2);

  const events = await client.waitForEvents(2) as NewImageChatEvent[];
  expect(events.map((e) => [e.type, e.seq, e.chat])).toEqual(original.chats.map((chat, i) => ['new-image-chat', i + 1, chat]));

  // The same file again: nothing written, the seq unchanged.
  expect(await api(target, 'POST', '/import', exported.body)).toMatchObject({ status: 200, body: { imported: 0, present: 2, refused: [] } });
  expect((await snapshot(target, urlId)).seq).toBe(2);
});

test('the whole tenant exported and imported reproduces every image; importing twice writes nothing the second time', async () => {
  const exported = await api(source, 'GET', '/export?format=json');
  expect((exported.body.images as { urlId: string }[]).map((image) => image.urlId)).toEqual([...images].sort());
  const target = await createTestTenant(server);
  expect((await api(target, 'POST', '/import', exported.body)).body).toMatchObject({ imported: 4, present: 0 });
  const listed = await api(target, 'GET', '/images');
  expect(listed.body.images).toEqual([...images].sort().map((urlId) => expect.objectContaining({ urlId, chatCount: 2, seq: 2 })));
  for (const urlId of images) expect((await snapshot(target, urlId)).chats).toEqual((await snapshot(source, urlId)).chats);

  expect((await api(target, 'POST', '/import', exported.body)).body).toMatchObject({ imported: 0, present: 4 });
  expect((await api(target, 'GET', '/images')).body.images).toEqual(listed.body.images);
});

test('the JSON-LD export: a commenting annotation per marker at its point, replies targeting it', async () => {
  const [urlId = ''] = images;
  const answer = await api(source, 'GET', `/export?urlId=${encodeURIComponent(urlId)}`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"; charset=utf-8');
  const [first, second] = (await snapshot(source, urlId)).chats as [Chat, Chat];
  const urn = (...parts: string[]) => ['urn:image-chat', source.tenantId, ...parts].join(':');
  const graph = answer.body['@graph'] as Record<string, unknown>[];
  expect(graph.map((a) => [a.id, a.motivation, typeof a.target === 'string' ? a.target : (a.target as { selector: { value: string } }).selector.value])).toEqual([
    [urn(first.id), 'commenting', 'xywh=percent:25,50,0,0'],
    [urn(first.id, first.comments[1]!.id), 'replying', urn(first.id)],
    [urn(first.id, first.comments[2]!.id), 'replying', urn(first.id)],
    [urn(second.id), 'commenting', 'xywh=percent:15,85,0,0'],
  ]);
  expect(graph[0]).toMatchObject({ 'ic:resolved': true, body: { type: 'TextualBody', purpose: 'commenting', value: 'Is this wall load-bearing?' }, target: { source: urlId } });
});

test('refusals: a bad format 400, an import of something else 400 invalid-field, another tenant\'s secret 403', async () => {
  expect(await api(source, 'GET', '/export?format=xml')).toMatchObject({ status: 400, body: { error: { code: 'invalid-field', message: '"format" must be "jsonld" or "json"' } } });
  expect(await api(source, 'POST', '/import', { format: 'image-chat-export', version: 9, tenantId: 'x', images: [] }))
    .toMatchObject({ status: 400, body: { error: { code: 'invalid-field', message: '"version" 9 is not one this server reads (1)' } } });
  const other = await createTestTenant(server);
  expect((await rest(server.url, other.secret, 'GET', `/api/v1/tenants/${source.tenantId}/export`)).status).toBe(403);
});
