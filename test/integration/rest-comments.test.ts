/**
 * Searching a tenant's stored comments over REST on a real node (docs/api.md#searching-comments): newest first,
 * by text and/or author, a page at a time; 401/403 for a missing, wrong or another tenant's secret; bad queries 400.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { rest } from '../helpers/rest.js';

let server: TestServer;
let tenant: { tenantId: string; secret: string };
let other: { tenantId: string; secret: string };

beforeAll(async () => {
  server = await startTestServer();
  tenant = await createTestTenant(server);
  other = await createTestTenant(server);
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

const write = async (body: Record<string, unknown>, who = tenant): Promise<Record<string, unknown>> => {
  const answer = await rest(server.url, who.secret, 'POST', `/api/v1/tenants/${who.tenantId}/writes`, body);
  expect(answer.status).toBe(200);
  // Distinct creation times, so the expected order is the order written.
  await new Promise((resolve) => setTimeout(resolve, 3));
  return answer.body;
};

const search = (query: string, who = tenant, path = `/api/v1/tenants/${tenant.tenantId}/comments`) =>
  rest(server.url, who.secret, 'GET', `${path}${query}`);

const texts = (body: Record<string, unknown>): string[] => (body.comments as { comment: { text: string } }[]).map((hit) => hit.comment.text);

test('comments are found newest first by text and by author name or id, a page at a time, with their image and marker', async () => {
  const made = await write({ type: 'create-chat', urlId: 'img-1', x: 0.2, y: 0.3, text: 'Old Spam here', asUser: { id: 'sp', name: 'Spammer Sam' } });
  await write({ type: 'add-comment', urlId: 'img-1', chatId: made.chatId, text: 'a fair REPLY', asUser: { id: '9', name: 'Rita' } });
  await write({ type: 'create-chat', urlId: 'img-2', x: 0.5, y: 0.5, text: 'more spam', asUser: { id: 'sp', name: 'Spammer Sam' } });
  await write({ type: 'create-chat', urlId: 'img-1', x: 0.5, y: 0.5, text: 'spam elsewhere' }, other);

  const all = await search('');
  expect(all).toMatchObject({ status: 200, body: { tenantId: tenant.tenantId, nextCursor: null } });
  expect(texts(all.body)).toEqual(['more spam', 'a fair REPLY', 'Old Spam here']);
  expect((all.body.comments as unknown[])[1]).toEqual({ urlId: 'img-1', chatId: made.chatId, opensThread: false, comment: {
    id: expect.any(String), author: { id: 'sso:9', name: 'Rita' }, text: 'a fair REPLY', createdAt: expect.any(Number), editedAt: null } });
  expect((all.body.comments as { opensThread: boolean }[]).map((hit) => hit.opensThread)).toEqual([true, false, true]);

  expect(texts((await search('?q=SPAM')).body)).toEqual(['more spam', 'Old Spam here']);
  expect(texts((await search('?author=sammer')).body)).toEqual([]);
  expect(texts((await search('?author=spammer')).body)).toEqual(['more spam', 'Old Spam here']);
  expect(texts((await search('?author=sso%3A9')).body)).toEqual(['a fair REPLY']);
  expect(texts((await search('?q=old&author=sam')).body)).toEqual(['Old Spam here']);
  // An empty term is no filter.
  expect(texts((await search('?q=&author=')).body)).toHaveLength(3);

  const first = await search('?limit=2');
  expect(texts(first.body)).toEqual(['more spam', 'a fair REPLY']);
  expect(first.body.nextCursor).toEqual(expect.any(String));
  const second = await search(`?limit=2&cursor=${first.body.nextCursor as string}`);
  expect(second.body).toMatchObject({ nextCursor: null });
  expect(texts(second.body)).toEqual(['Old Spam here']);

  // A deleted marker takes its thread out of the search.
  await write({ type: 'delete-chat', urlId: 'img-1', chatId: made.chatId });
  expect(texts((await search('')).body)).toEqual(['more spam']);
});

test('a missing or wrong secret is 401, another tenant\'s 403; bad limits, cursors and terms are 400 invalid-field', async () => {
  const path = `/api/v1/tenants/${tenant.tenantId}/comments`;
  expect(await rest(server.url, undefined, 'GET', path)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'send the tenant\'s API secret as "Authorization: Bearer <secret>"' } } });
  expect(await rest(server.url, 'ics_wrong', 'GET', path)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'the API secret is not valid' } } });
  expect(await search('', other)).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'this secret belongs to another tenant' } } });
  expect(await search('?limit=0')).toMatchObject({ status: 400, body: { error: { code: 'invalid-field', message: '"limit" must be a whole number from 1 to 100' } } });
  expect(await search('?limit=101')).toMatchObject({ status: 400, body: { error: { code: 'invalid-field' } } });
  expect(await search('?cursor=nonsense')).toMatchObject({ status: 400, body: { error: { code: 'invalid-field', message: '"cursor" must be a cursor from an earlier answer\'s "nextCursor"' } } });
  // An image cursor is not a comment cursor.
  const imageCursor = Buffer.from(JSON.stringify({ after: 'img-1' })).toString('base64url');
  expect(await search(`?cursor=${imageCursor}`)).toMatchObject({ status: 400, body: { error: { code: 'invalid-field' } } });
  expect(await search(`?q=${'x'.repeat(201)}`)).toMatchObject({ status: 400, body: { error: { code: 'invalid-field', message: '"q" must be at most 200 characters' } } });
});
