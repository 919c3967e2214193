/**
 * The REST API v1 on a real node (docs/api.md): each write type reaches a WebSocket subscriber of the image as
 * the right event with the next seq; idempotent retries write once; 401/403 for wrong, missing or another
 * tenant's secret; bad bodies 400 with their code; the tenant's rules; reading images; CORS refused.
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImageChatUpdatedEvent, ImageEvent, NewImageChatEvent } from '../../shared/index.js';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { TestClient } from '../helpers/ws-client.js';
import { rest } from '../helpers/rest.js';

let server: TestServer;
let tenant: { tenantId: string; secret: string };
let other: { tenantId: string; secret: string };
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  tenant = await createTestTenant(server);
  other = await createTestTenant(server);
});
afterAll(async () => {
  clients.forEach((client) => client.close());
  await server.close();
  removeDir(server.dataDir);
});

const write = (body: unknown, headers: Record<string, string> = {}, secret = tenant.secret, tenantId = tenant.tenantId) =>
  rest(server.url, secret, 'POST', `/api/v1/tenants/${tenantId}/writes`, body, headers);

async function subscriber(urlId: string): Promise<TestClient> {
  const client = await TestClient.connect(server.wsUrl);
  clients.push(client);
  expect(await client.subscribe(tenant.tenantId, urlId)).toMatchObject({ type: 'subscribed', seq: 0 });
  return client;
}

/** The next event the client receives, after the ones it has. */
async function nextEvent<T extends ImageEvent>(client: TestClient, seen: number): Promise<T> {
  return (await client.waitForEvents(seen + 1))[seen] as T;
}

describe('writes', () => {
  test('each of the seven write types reaches a subscriber as its event with the next seq; the answer names what was written', async () => {
    const urlId = `https://example.com/${randomUUID()}.png`;
    const client = await subscriber(urlId);

    const created = await write({ type: 'create-chat', urlId, x: 0.25, y: 0.75, text: 'From the backend' });
    expect(created).toMatchObject({ status: 200, body: { seq: 1, broadcastId: expect.any(String), chatId: expect.any(String), commentId: expect.any(String) } });
    const chatId = created.body.chatId as string;
    const made = await nextEvent<NewImageChatEvent>(client, 0);
    expect(made).toMatchObject({ type: 'new-image-chat', seq: 1, broadcastId: created.body.broadcastId, chatId, tenantId: tenant.tenantId, urlId });
    // The tenant's admin writes under the tenant's name.
    expect(made.chat).toMatchObject({ x: 0.25, y: 0.75, author: { id: 'api:admin', name: 'Test tenant' }, comments: [{ id: created.body.commentId, text: 'From the backend' }] });

    const broadcastId = randomUUID();
    const added = await write({ type: 'add-comment', urlId, chatId, text: 'Ann answers', broadcastId, asUser: { id: 42, name: 'Ann', avatar: 'https://example.com/ann.png' } });
    expect(added).toEqual({ status: 200, headers: expect.anything(), body: { broadcastId, seq: 2, chatId, commentId: expect.any(String) } });
    const commentId = added.body.commentId as string;
    expect(await nextEvent<ImageChatUpdatedEvent>(client, 1)).toMatchObject({
      type: 'image-chat-updated', change: 'comment-added', seq: 2, broadcastId,
      comment: { id: commentId, text: 'Ann answers', author: { id: 'sso:42', name: 'Ann', avatar: 'https://example.com/ann.png' } },
    });

    expect(await write({ type: 'edit-comment', urlId, chatId, commentId, text: 'Ann, edited', asUser: { id: '42', name: 'Ann' } }))
      .toMatchObject({ status: 200, body: { seq: 3, chatId, commentId } });
    expect(await nextEvent(client, 2)).toMatchObject({ type: 'image-chat-updated', change: 'comment-edited', seq: 3, comment: { id: commentId, text: 'Ann, edited' } });

    // Another user is not a moderator: Ann's comment is not theirs to edit.
    expect(await write({ type: 'edit-comment', urlId, chatId, commentId, text: 'not mine', asUser: { id: '43' } }))
      .toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });

    // The admin is: it deletes Ann's comment.
    expect(await write({ type: 'delete-comment', urlId, chatId, commentId })).toMatchObject({ status: 200, body: { seq: 4, chatId, commentId } });
    expect(await nextEvent(client, 3)).toMatchObject({ type: 'image-chat-updated', change: 'comment-deleted', seq: 4, commentId });

    expect(await write({ type: 'move-chat', urlId, chatId, x: 0.5, y: 0.5 })).toMatchObject({ status: 200, body: { seq: 5, chatId } });
    expect(await nextEvent(client, 4)).toMatchObject({ type: 'image-chat-updated', change: 'moved', seq: 5, x: 0.5, y: 0.5 });

    expect(await write({ type: 'resolve-chat', urlId, chatId, resolved: true })).toMatchObject({ status: 200, body: { seq: 6, chatId } });
    expect(await nextEvent(client, 5)).toMatchObject({ type: 'image-chat-updated', change: 'resolved', seq: 6, resolved: true });

    const snapshot = await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=${encodeURIComponent(urlId)}`);
    expect(snapshot).toMatchObject({ status: 200, body: { tenantId: tenant.tenantId, urlId, seq: 6, epoch: expect.any(String),
      chats: [{ id: chatId, x: 0.5, y: 0.5, resolved: true, comments: [{ id: created.body.commentId }] }] } });

    expect(await write({ type: 'delete-chat', urlId, chatId })).toMatchObject({ status: 200, body: { seq: 7, chatId } });
    expect(await nextEvent(client, 6)).toMatchObject({ type: 'deleted-image-chat', seq: 7, chatId });
    expect(client.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    expect((await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=${encodeURIComponent(urlId)}`)).body)
      .toMatchObject({ seq: 7, chats: [] });
  });

  test('a refusal of the store (a chat that does not exist) is answered with its code and status', async () => {
    expect(await write({ type: 'add-comment', urlId: 'img-x', chatId: 'no-such-chat', text: 'hi' }))
      .toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
  });
});

describe('idempotent retries', () => {
  test('the same request twice with one Idempotency-Key writes once and answers the same', async () => {
    const urlId = `img-${randomUUID()}`;
    const client = await subscriber(urlId);
    const key = randomUUID();
    const body = { type: 'create-chat', urlId, x: 0.1, y: 0.2, text: 'once' };
    const first = await write(body, { 'idempotency-key': key });
    const second = await write(body, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    expect(second).toMatchObject({ status: 200, body: first.body });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    // A later write is the next seq: the repeat stored nothing.
    expect(await write({ type: 'add-comment', urlId, chatId: first.body.chatId, text: 'next' })).toMatchObject({ status: 200, body: { seq: 2 } });
    await client.waitForEvents(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.events.map((event) => [event.type, event.seq])).toEqual([['new-image-chat', 1], ['image-chat-updated', 2]]);
    // The same key with another body is refused, not answered with the first answer.
    expect(await write({ ...body, text: 'something else' }, { 'idempotency-key': key }))
      .toMatchObject({ status: 400, body: { error: { code: 'invalid-field', message: 'this idempotency key was used for another request; use a new key for a new write' } } });
    // Keys are per tenant: another tenant's same key is its own.
    expect(await write({ ...body, urlId: 'elsewhere' }, { 'idempotency-key': key }, other.secret, other.tenantId)).toMatchObject({ status: 200, body: { seq: 1 } });
  });

  test('without the header, a caller\'s broadcastId is the key; concurrent duplicates write once', async () => {
    const urlId = `img-${randomUUID()}`;
    const body = { type: 'create-chat', urlId, x: 0.3, y: 0.3, text: 'retried', broadcastId: randomUUID() };
    const answers = await Promise.all([write(body), write(body), write(body)]);
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    const conflict = answers.find((answer) => answer.status === 409);
    if (conflict) expect(conflict.body.error).toEqual({ code: 'conflict', message: 'a request with this idempotency key is still being handled; retry in a moment' });
    expect((await write(body)).body).toMatchObject({ broadcastId: body.broadcastId, seq: 1 });
    const image = await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=${urlId}`);
    expect(image.body).toMatchObject({ seq: 1, chats: [{ comments: [{ text: 'retried' }] }] });
  });

  test('a write stored whose answer was lost (its node died) is found by the repeat that takes over the key, not written again', async () => {
    const urlId = `img-${randomUUID()}`;
    const key = randomUUID();
    const body = { type: 'create-chat', urlId, x: 0.4, y: 0.4, text: 'stored, answer lost' };
    const first = await write(body, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    // As a node that died between storing the write and recording its answer leaves the key: claimed, lease over.
    const db = new Database(join(server.dataDir, 'test.db'));
    db.prepare('UPDATE api_idempotency SET answer = NULL, claimed_until = ? WHERE tenant_id = ?').run(Date.now() - 1, tenant.tenantId);
    db.close();
    const repeat = await write(body, { 'idempotency-key': key });
    expect(repeat).toMatchObject({ status: 200, body: first.body });
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect((await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=${urlId}`)).body).toMatchObject({ seq: 1 });
    // A node that died before storing anything: the repeat takes over and writes, once.
    const lostKey = randomUUID();
    const lostBody = { type: 'create-chat', urlId, x: 0.6, y: 0.6, text: 'never stored' };
    const fingerprint = createHash('sha256').update(JSON.stringify(lostBody)).digest('base64url');
    expect(await server.store.claimIdempotencyKey({ tenantId: tenant.tenantId, key: `header:${lostKey}`, fingerprint, now: Date.now() - 120_000, leaseMs: 60_000, keepMs: 86_400_000 }))
      .toEqual({ state: 'claimed', takenOver: false });
    const taken = await write(lostBody, { 'idempotency-key': lostKey });
    expect(taken).toMatchObject({ status: 200, body: { seq: 2 } });
    expect(taken.headers.get('idempotent-replayed')).toBeNull();
  });

  test('a repeat while the first request holds the key is 409 conflict and writes nothing', async () => {
    const urlId = `img-${randomUUID()}`;
    const key = randomUUID();
    const body = { type: 'create-chat', urlId, x: 0.5, y: 0.5, text: 'in flight elsewhere' };
    const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
    // As another node leaves the key while its write runs: claimed, lease not over.
    expect(await server.store.claimIdempotencyKey({ tenantId: tenant.tenantId, key: `header:${key}`, fingerprint, now: Date.now(), leaseMs: 60_000, keepMs: 86_400_000 }))
      .toEqual({ state: 'claimed', takenOver: false });
    expect(await write(body, { 'idempotency-key': key }))
      .toMatchObject({ status: 409, body: { error: { code: 'conflict', message: 'a request with this idempotency key is still being handled; retry in a moment' } } });
    expect((await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=${urlId}`)).body).toMatchObject({ seq: 0 });
  });

  test('a refused write lets its key go: the retry writes once the cause is gone', async () => {
    const urlId = `img-${randomUUID()}`;
    const key = randomUUID();
    const body = { type: 'create-chat', urlId, x: 0.3, y: 0.3, text: 'after the rules change', asUser: { id: 'u1' } };
    await rest(server.url, other.secret, 'PUT', `/api/v1/tenants/${other.tenantId}/rules`, { write: 'nobody' });
    expect((await write(body, { 'idempotency-key': key }, other.secret, other.tenantId)).status).toBe(403);
    await rest(server.url, other.secret, 'PUT', `/api/v1/tenants/${other.tenantId}/rules`, { write: 'anyone' });
    expect(await write(body, { 'idempotency-key': key }, other.secret, other.tenantId)).toMatchObject({ status: 200, body: { seq: 1 } });
  });
});

describe('refusals', () => {
  test('a missing or wrong secret is 401, another tenant\'s 403, on every new route', async () => {
    const paths: [string, string, unknown?][] = [
      ['POST', `/api/v1/tenants/${tenant.tenantId}/writes`, { type: 'create-chat', urlId: 'a', x: 0, y: 0, text: 'x' }],
      ['GET', `/api/v1/tenants/${tenant.tenantId}/images`],
      ['GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=a`],
    ];
    for (const [method, path, body] of paths) {
      expect(await rest(server.url, undefined, method, path, body)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'send the tenant\'s API secret as "Authorization: Bearer <secret>"' } } });
      expect(await rest(server.url, 'ics_wrong', method, path, body)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'the API secret is not valid' } } });
      expect(await rest(server.url, other.secret, method, path, body)).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'this secret belongs to another tenant' } } });
    }
  });

  test('bad bodies are 400 (413 for a long text) with the wire protocol\'s code', async () => {
    const cases: [unknown, number, string, string?][] = [
      ['{not json', 400, 'bad-request', 'the body must be JSON'],
      [[1, 2], 400, 'bad-request', 'the body must be a JSON object: a write'],
      [{ type: 'subscribe', urlId: 'a' }, 400, 'unknown-type', 'not a write'],
      [{ type: 'create-chat', urlId: 'a', x: 0.5, y: 0.5 }, 400, 'invalid-field'],
      [{ type: 'create-chat', urlId: 'a', x: 2, y: 0.5, text: 'hi' }, 400, 'invalid-field'],
      [{ type: 'create-chat', urlId: '', x: 0.5, y: 0.5, text: 'hi' }, 400, 'invalid-field', '"urlId" must be a non-empty string'],
      [{ type: 'create-chat', urlId: 'a', x: 0.5, y: 0.5, text: 'x'.repeat(4001) }, 413, 'too-large'],
      [{ type: 'create-chat', urlId: 'a', x: 0.5, y: 0.5, text: 'hi', tenantId: other.tenantId }, 400, 'invalid-field', '"tenantId" is taken from the path; leave it out'],
      [{ type: 'create-chat', urlId: 'a', x: 0.5, y: 0.5, text: 'hi', asUser: { name: 'no id' } }, 400, 'invalid-field'],
      [{ type: 'create-chat', urlId: 'a', x: 0.5, y: 0.5, text: 'hi', asUser: { id: '1', avatar: 'javascript:alert(1)' } }, 400, 'invalid-field',
        '"asUser.avatar" must be an https URL or a small PNG, JPEG, GIF or WebP data URL'],
    ];
    for (const [body, status, code, message] of cases) {
      const answer = await write(body);
      expect(answer, JSON.stringify(body).slice(0, 80)).toMatchObject({ status, body: { error: { code, ...(message ? { message } : {}) } } });
    }
    const notJson = await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/writes`, 'type=create-chat', { 'content-type': 'text/plain' });
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'bad-request', message: 'send the body as JSON, with "Content-Type: application/json"' } } });
    const badKey = await write({ type: 'create-chat', urlId: 'a', x: 0.5, y: 0.5, text: 'hi' }, { 'idempotency-key': 'x'.repeat(256) });
    expect(badKey).toMatchObject({ status: 400, body: { error: { code: 'invalid-field' } } });
    // Nothing above was stored.
    expect((await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/image?urlId=a`)).body).toMatchObject({ seq: 0 });
  });

  test('the tenant\'s rules apply: under "nobody" a write on behalf of a user is refused 403; the admin may still delete', async () => {
    const rulesPath = `/api/v1/tenants/${other.tenantId}/rules`;
    const urlId = `img-${randomUUID()}`;
    const made = await write({ type: 'create-chat', urlId, x: 0.5, y: 0.5, text: 'before' }, {}, other.secret, other.tenantId);
    expect((await rest(server.url, other.secret, 'PUT', rulesPath, { write: 'nobody' })).status).toBe(200);
    expect(await write({ type: 'add-comment', urlId, chatId: made.body.chatId, text: 'no', asUser: { id: '7' } }, {}, other.secret, other.tenantId))
      .toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'this site is read-only: it takes no new comments or changes' } } });
    expect((await write({ type: 'create-chat', urlId, x: 0.5, y: 0.5, text: 'admin too' }, {}, other.secret, other.tenantId)).status).toBe(403);
    expect(await write({ type: 'delete-chat', urlId, chatId: made.body.chatId }, {}, other.secret, other.tenantId)).toMatchObject({ status: 200, body: { seq: 2 } });
    // Under "sso-only" a write on behalf of an SSO user is a signed-in write.
    expect((await rest(server.url, other.secret, 'PUT', rulesPath, { write: 'sso-only' })).status).toBe(200);
    expect(await write({ type: 'create-chat', urlId, x: 0.5, y: 0.5, text: 'signed in', asUser: { id: '7' } }, {}, other.secret, other.tenantId))
      .toMatchObject({ status: 200, body: { seq: 3 } });
    await rest(server.url, other.secret, 'PUT', rulesPath, { write: 'anyone' });
  });

  test('CORS is refused on purpose: a preflight is 403 without Access-Control-Allow-Origin', async () => {
    const response = await fetch(`${server.url}/api/v1/tenants/${tenant.tenantId}/writes`, {
      method: 'OPTIONS', headers: { origin: 'https://site.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('reading', () => {
  test('images are listed in url id order, a page at a time, with marker count, seq and last activity', async () => {
    const reader = await createTestTenant(server);
    const before = Date.now();
    for (const urlId of ['c', 'a', 'b']) {
      await write({ type: 'create-chat', urlId, x: 0.5, y: 0.5, text: urlId }, {}, reader.secret, reader.tenantId);
    }
    await write({ type: 'create-chat', urlId: 'a', x: 0.1, y: 0.1, text: 'second' }, {}, reader.secret, reader.tenantId);
    const path = `/api/v1/tenants/${reader.tenantId}/images`;
    const first = await rest(server.url, reader.secret, 'GET', `${path}?limit=2`);
    expect(first).toMatchObject({ status: 200, body: { tenantId: reader.tenantId, images: [
      { urlId: 'a', chatCount: 2, seq: 2, lastActivity: expect.any(Number) }, { urlId: 'b', chatCount: 1, seq: 1 },
    ], nextCursor: expect.any(String) } });
    expect((first.body.images as { lastActivity: number }[])[0]!.lastActivity).toBeGreaterThanOrEqual(before);
    const rest2 = await rest(server.url, reader.secret, 'GET', `${path}?limit=2&cursor=${first.body.nextCursor as string}`);
    expect(rest2.body).toEqual({ tenantId: reader.tenantId, images: [expect.objectContaining({ urlId: 'c' })], nextCursor: null });
    expect(await rest(server.url, reader.secret, 'GET', `${path}?cursor=nonsense`)).toMatchObject({ status: 400, body: { error: { code: 'invalid-field' } } });
    expect(await rest(server.url, reader.secret, 'GET', `${path}?limit=0`)).toMatchObject({ status: 400, body: { error: { code: 'invalid-field' } } });
    expect(await rest(server.url, reader.secret, 'GET', `/api/v1/tenants/${reader.tenantId}/image`)).toMatchObject({ status: 400, body: { error: { code: 'invalid-field' } } });
  });
});
